import type { FunctionName } from '../lib/store/access.ts';

/** `plan-recall` -> `PlanRecall`, `alarm e-mail` -> `AlarmEMail`: construct ids and output keys. */
export function pascalCase(text: string): string {
  return text.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_match, _separator: string, letter: string) => letter.toUpperCase());
}

/**
 * The stack output holding a function's deployed name: `recall invoke --aws` reads
 * `PlanRecallFunctionName` etc. (lib/cli/invoke.ts `outputKey`; a test keeps the two equal).
 */
export function functionOutputKey(name: FunctionName): string {
  return `${pascalCase(name)}FunctionName`;
}

export const stackName = (stage: string) => `RecallCampaigns-${stage}`;
