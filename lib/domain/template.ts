/**
 * Message rendering (docs/architecture.md#messages): a step template filled with the customer's name, the
 * category, the member tier and the coupon, plus the opt-out text that promotional SMS to China must carry.
 */
import type { Coupon, Step, Tier, Variant } from '../config/schema.ts';
import { COUPON_CODE_LENGTH } from './coupon.ts';
import { PermanentError } from '../errors.ts';

export const TEMPLATE_PLACEHOLDERS = [
  'shop',
  'name',
  'category',
  'tier',
  'couponValue',
  'minSpend',
  'code',
  'expiry',
] as const;
export type TemplatePlaceholder = (typeof TEMPLATE_PLACEHOLDERS)[number];

/** Placeholders that only make sense on a step that carries a coupon. */
export const COUPON_PLACEHOLDERS: readonly TemplatePlaceholder[] = ['couponValue', 'minSpend', 'code', 'expiry'];

export const MAX_NAME_CHARS = 12;

/** Used when the shop has no name for the customer ("dear"). */
export const NEUTRAL_GREETING = '亲';

export interface MessageVars {
  shop: string;
  name: string;
  category: string;
  /** The member tier's name on the day (docs/architecture.md#members); empty without tiers. */
  tier?: string;
  couponValue?: number;
  minSpend?: number;
  code?: string;
  expiry?: string;
}

/** A template that cannot be rendered; permanent: config validation should have refused it. */
export class TemplateError extends PermanentError {
  override name = 'TemplateError';
}

/** `{word}`: anything else in braces is literal text. */
const PLACEHOLDER_PATTERN = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Every placeholder name in the template, known or not, once each, in order of appearance. */
export function placeholdersIn(template: string): string[] {
  const names = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER_PATTERN)) {
    if (match[1] !== undefined) names.add(match[1]);
  }
  return [...names];
}

export function isTemplatePlaceholder(name: string): name is TemplatePlaceholder {
  return (TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name);
}

/** 50 -> "50", 49.9 -> "49.9", and float noise such as 0.1 + 0.2 rounded to cents. */
function formatAmount(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** Counted in code points, so a surrogate pair is never cut in half. */
function displayName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') return NEUTRAL_GREETING;
  return Array.from(trimmed).slice(0, MAX_NAME_CHARS).join('');
}

function valueOf(placeholder: TemplatePlaceholder, vars: MessageVars): string | undefined {
  switch (placeholder) {
    case 'shop':
      return vars.shop;
    case 'name':
      return displayName(vars.name);
    case 'category':
      return vars.category;
    case 'tier':
      return vars.tier ?? '';
    case 'couponValue':
      return vars.couponValue === undefined ? undefined : formatAmount(vars.couponValue);
    case 'minSpend':
      return vars.minSpend === undefined ? undefined : formatAmount(vars.minSpend);
    case 'code':
      return vars.code;
    case 'expiry':
      return vars.expiry;
  }
}

/** A coupon's amounts for one tier (docs/architecture.md#members): `valueByTier` / `minSpendByTier`, else the coupon's own. */
export function couponForTier(coupon: Coupon, tier: Pick<Tier, 'id'> | undefined): { value: number; minSpend: number } {
  const byTier = <T>(amounts: Record<string, T> | undefined): T | undefined => (tier && amounts && Object.hasOwn(amounts, tier.id) ? amounts[tier.id] : undefined);
  return { value: byTier(coupon.valueByTier) ?? coupon.value, minSpend: byTier(coupon.minSpendByTier) ?? coupon.minSpend };
}

/** What a customer's arm sends: the variant's template and coupon where it sets them, else the step's. */
export function armOf(step: Step, variant: Variant | undefined): { template: string; coupon: Coupon | undefined } {
  return { template: variant?.template ?? step.template, coupon: variant?.coupon ?? step.coupon };
}

/** Punctuation after which the opt-out text follows directly, as Chinese text has no spaces. */
const CHINESE_PUNCTUATION = new Set(Array.from('。！？，、；：…）】」』》〉”’～'));

function withOptOut(template: string, body: string, optOutText: string): string {
  // Checked on the template, not the rendered text: a customer's name must not stand in for it.
  if (optOutText === '' || template.includes(optOutText)) return body;
  const trimmed = body.trimEnd();
  const last = Array.from(trimmed).at(-1);
  const separator = last === undefined || CHINESE_PUNCTUATION.has(last) ? '' : ' ';
  return `${trimmed}${separator}${optOutText}`;
}

/**
 * Fills every placeholder in one pass (a value containing `{code}` is not expanded again) and
 * appends the opt-out text. Throws TemplateError on an unknown placeholder or a missing value:
 * sending "{code}" to a customer is worse than not sending.
 */
export function renderMessage(template: string, vars: MessageVars, optOutText: string): string {
  const body = template.replace(PLACEHOLDER_PATTERN, (_match, name: string) => {
    if (!isTemplatePlaceholder(name)) throw new TemplateError(`unknown placeholder {${name}}`);
    const value = valueOf(name, vars);
    if (value === undefined) throw new TemplateError(`no value for {${name}}`);
    return value;
  });
  return withOptOut(template, body, optOutText);
}

/**
 * Longest values a placeholder can take, so that validation can count the parts of the longest
 * message a template can produce. The name is MAX_NAME_CHARS characters outside the BMP (e.g. 𠮷,
 * found in real names): each is 2 UTF-16 units, the most a code point can cost in UCS-2.
 */
export const WORST_CASE_EXPIRY = '2099-12-31';
export const WORST_CASE_AMOUNT = 99999;
const WORST_CASE_NAME = '𠮷'.repeat(MAX_NAME_CHARS);
const WORST_CASE_CODE = 'Z'.repeat(COUPON_CODE_LENGTH);

export interface WorstCaseOptions {
  /** The configured shop name; without it, a name as long as the longest customer name. */
  shop?: string;
  /** The step's coupon (for the tier below); without it, WORST_CASE_AMOUNT for both amounts. */
  coupon?: { value: number; minSpend: number };
  /** The tier's name; without it, empty (a config without tiers). */
  tier?: string;
}

export function worstCaseMessage(
  template: string,
  optOutText: string,
  longestCategoryName: string,
  options: WorstCaseOptions = {},
): string {
  return renderMessage(
    template,
    {
      shop: options.shop ?? WORST_CASE_NAME,
      name: WORST_CASE_NAME,
      category: longestCategoryName,
      tier: options.tier ?? '',
      couponValue: options.coupon?.value ?? WORST_CASE_AMOUNT,
      minSpend: options.coupon?.minSpend ?? WORST_CASE_AMOUNT,
      code: WORST_CASE_CODE,
      expiry: WORST_CASE_EXPIRY,
    },
    optOutText,
  );
}
