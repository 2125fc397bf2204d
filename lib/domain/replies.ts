import type { Step } from '../config/schema.ts';
import { addDays, daysBetween, type CalendarDate } from './dates.ts';

/*
 * Inbound replies (docs/architecture.md#replies): what a customer's text means. Pure; record-reply
 * applies it.
 */

/** A reply as compared: full width folded to ASCII (Ｒ -> R), case and surrounding spaces ignored. */
export function normalizeReply(text: string): string {
  return text.normalize('NFKC').trim().toUpperCase();
}

/** Whether a reply opts the number out: it is one of the keywords, nothing more. */
export function isOptOut(text: string, keywords: readonly string[]): boolean {
  const reply = normalizeReply(text);
  return reply !== '' && keywords.some((keyword) => normalizeReply(keyword) === reply);
}

/** The reason a survey step's reply stands for, or undefined when it is none of its keys. */
export function surveyAnswer(step: Pick<Step, 'replies'>, text: string): string | undefined {
  const reply = normalizeReply(text);
  for (const [key, reason] of Object.entries(step.replies ?? {})) if (normalizeReply(key) === reply) return reason;
  return undefined;
}

/** Whether a reply on `repliedOn` answers a message decided on `runDate`: within the step's replyDays. */
export function inReplyWindow(runDate: CalendarDate, repliedOn: CalendarDate, replyDays: number): boolean {
  const age = daysBetween(runDate, repliedOn);
  return age >= 0 && age <= replyDays;
}

/** Opt-outs within this many days after a message are counted against it in the report. */
export const OPT_OUT_ATTRIBUTION_DAYS = 7;

/** The first run date whose messages an opt-out on `optedOutOn` is counted against. */
export const optOutWindowStart = (optedOutOn: CalendarDate): CalendarDate => addDays(optedOutOn, -OPT_OUT_ATTRIBUTION_DAYS);
