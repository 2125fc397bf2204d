/**
 * Campaign config validation: the zod schema first, then the checks that need the domain
 * (placeholders, coupons, SMS parts), so a template that could exceed `sms.maxParts` is refused
 * at validation time, not at send time (docs/architecture.md#messages). Every problem is reported, with its path.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { mobileNumber } from '../domain/phone.ts';
import { smsParts, type SmsParts } from '../domain/sms.ts';
import {
  COUPON_PLACEHOLDERS,
  MAX_NAME_CHARS,
  TEMPLATE_PLACEHOLDERS,
  armOf,
  couponForTier,
  isTemplatePlaceholder,
  placeholdersIn,
  worstCaseMessage,
} from '../domain/template.ts';
import { ConfigError, schemaProblems, type ConfigProblem } from './problems.ts';
import { CampaignConfigSchema, type CampaignConfig, type Coupon, type Step } from './schema.ts';

export { ConfigError, formatPath, schemaProblems, type ConfigProblem } from './problems.ts';

export type ConfigCheck = { ok: true; config: CampaignConfig } | { ok: false; problems: ConfigProblem[] };

/** One message a step can send: the step's own, or a variant's template and coupon. */
interface Arm {
  template: string;
  coupon: Coupon | undefined;
  channel: Step['channel'];
}

/** The longest rendering over every category and every tier (its name and its coupon amounts). */
function worstCaseParts(arm: Arm, config: CampaignConfig): { parts: SmsParts; category: string; tier: string | undefined } {
  let worst: { parts: SmsParts; category: string; tier: string | undefined } | undefined;
  const tiers = config.tiers.length > 0 ? config.tiers : [undefined];
  for (const category of config.categories) {
    for (const tier of tiers) {
      const text = worstCaseMessage(arm.template, config.sms.optOutText, category.name, {
        shop: config.shopName,
        ...(arm.coupon ? { coupon: couponForTier(arm.coupon, tier) } : {}),
        ...(tier ? { tier: tier.name } : {}),
      });
      const parts = smsParts(text);
      const longer =
        worst === undefined ||
        parts.parts > worst.parts.parts ||
        (parts.parts === worst.parts.parts && parts.units > worst.parts.units);
      if (longer) worst = { parts, category: category.name, tier: tier?.name };
    }
  }
  // The schema requires at least one category.
  if (worst === undefined) throw new Error('no categories to render a worst case with');
  return worst;
}

/** The step's template and every variant that changes it or its coupon, each with its path. */
function templateProblems(step: Step, path: string, config: CampaignConfig): ConfigProblem[] {
  const arms = (step.variants ?? [])
    .map((variant, index) => ({ variant, index }))
    .filter(({ variant }) => variant.template !== undefined || variant.coupon !== undefined)
    .map(({ variant, index }) => ({ arm: { ...armOf(step, variant), channel: step.channel }, path: `${path.replace(/\.template$/, '')}.variants[${index}].${variant.template === undefined ? 'coupon' : 'template'}` }));
  return [{ arm: { template: step.template, coupon: step.coupon, channel: step.channel }, path }, ...arms].flatMap(({ arm, path: at }) => armProblems(arm, at, config));
}

function armProblems(arm: Arm, path: string, config: CampaignConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const used = placeholdersIn(arm.template);
  const unknown = used.filter((name) => !isTemplatePlaceholder(name));
  for (const name of unknown) {
    problems.push({
      path,
      message: `unknown placeholder {${name}}; known: ${TEMPLATE_PLACEHOLDERS.map((known) => `{${known}}`).join(' ')}`,
    });
  }
  if (arm.coupon === undefined) {
    const needCoupon = used.filter((name) => COUPON_PLACEHOLDERS.some((placeholder) => placeholder === name));
    if (needCoupon.length > 0) {
      problems.push({
        path,
        message: `${needCoupon.map((name) => `{${name}}`).join(', ')} need a coupon, but this step has none`,
      });
    }
  }
  // Push has no parts; an unknown placeholder cannot be rendered, and is already reported.
  if (arm.channel === 'sms' && unknown.length === 0) {
    const { parts, category, tier } = worstCaseParts(arm, config);
    if (parts.parts > config.sms.maxParts) {
      problems.push({
        path,
        message:
          `can be ${parts.parts} SMS parts (${parts.encoding}, ${parts.units} units) with a ${MAX_NAME_CHARS}-character ` +
          `name, category "${category}"${tier === undefined ? '' : `, tier "${tier}"`} and the opt-out text; sms.maxParts is ${config.sms.maxParts}`,
      });
    }
  }
  return problems;
}

function domainProblems(config: CampaignConfig): ConfigProblem[] {
  const allowlist = config.testAllowlist.flatMap((entry, index) => {
    const phone = mobileNumber(entry, config.defaultCountry);
    return phone.ok ? [] : [{ path: `testAllowlist[${index}]`, message: `not a mobile number (${phone.reason}): test campaigns could never reach it` }];
  });
  return [
    ...config.journeys.flatMap((journey, j) => journey.steps.flatMap((step, s) => templateProblems(step, `journeys[${j}].steps[${s}].template`, config))),
    ...allowlist,
  ];
}

export function checkConfig(raw: unknown): ConfigCheck {
  const parsed = CampaignConfigSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: schemaProblems(parsed.error) };
  const problems = domainProblems(parsed.data);
  return problems.length === 0 ? { ok: true, config: parsed.data } : { ok: false, problems };
}

function readProblem(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'EACCES':
      return 'permission denied';
    default:
      return `cannot read: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** `{ line, column }`, both from 1, of an offset into the text. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

/** `CommaExpected` -> `comma expected` */
const syntaxProblem = (error: ParseError): string => printParseErrorCode(error.error).replace(/(?<!^)([A-Z])/g, ' $1').toLowerCase();

/**
 * Parses config text as JSONC (comments and trailing commas allowed, so a config can explain
 * itself) and checks it; throws ConfigError naming the file, and the line and column of the first
 * syntax error (later ones follow from it).
 */
export function parseConfigText(text: string, file?: string): CampaignConfig {
  // Editors on Windows may save a byte order mark, which is not JSON.
  const json = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const errors: ParseError[] = [];
  const raw: unknown = parseJsonc(json, errors, { allowTrailingComma: true });
  const [first] = errors;
  if (first) {
    const { line, column } = lineAndColumn(json, first.offset);
    throw new ConfigError([{ path: '', message: `not valid JSON: ${syntaxProblem(first)} (line ${line} column ${column})` }], file);
  }
  const result = checkConfig(raw);
  if (!result.ok) throw new ConfigError(result.problems, file);
  return result.config;
}

/** Reads, parses and checks a campaign config file; throws ConfigError naming the file. */
export async function loadConfigFile(path: string): Promise<CampaignConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError([{ path: '', message: readProblem(error) }], path);
  }
  return parseConfigText(text, path);
}

export const defaultConfigPath = fileURLToPath(new URL('../../config/default.json', import.meta.url));

export function loadDefaultConfig(): Promise<CampaignConfig> {
  return loadConfigFile(defaultConfigPath);
}
