/**
 * record-reply (docs/architecture.md#replies): a customer's text back. An opt-out keyword opts out
 * every customer id with that number at once (a message claimed for one of them is then not sent:
 * the sender re-reads consent just before sending) and is noted on the message that came before
 * it; a survey step's answer is recorded on the message it answers; anything else is unmatched.
 */
import type { CampaignConfig, Step } from '../config/schema.ts';
import { addDays, localDate } from '../domain/dates.ts';
import { wentOut } from '../domain/message-state.ts';
import { mobileNumber } from '../domain/phone.ts';
import type { LedgerEntry } from '../domain/records.ts';
import { inReplyWindow, isOptOut, optOutWindowStart, surveyAnswer } from '../domain/replies.ts';
import type { OptOutList } from '../ports/messaging.ts';
import type { Replies } from '../ports/store.ts';

export interface InboundReply {
  /** The customer's number, E.164. */
  phone: string;
  text: string;
  /** ISO 8601. */
  receivedAt: string;
  /** The provider's id of the inbound message (the same reply delivered twice counts once). */
  inboundId: string;
}

export type ReplyResult =
  | { kind: 'opted-out'; customers: number }
  | { kind: 'answered'; reason: string; customers: number }
  | { kind: 'unmatched'; customers: number }
  /** No customer has this number. */
  | { kind: 'unknown-number' };

export interface RecordReplyDeps {
  store: Replies;
  config: CampaignConfig;
  /** The provider's opt-out list (AWS): an opt-out keyword puts the number on it too. Locally none. */
  optOutList?: OptOutList;
}

/** The longest a survey step waits for its answer (StepSchema's replyDays maximum). */
const LONGEST_REPLY_DAYS = 90;

const byRecency = (a: LedgerEntry, b: LedgerEntry): number => `${b.runDate}|${b.sentAt ?? ''}`.localeCompare(`${a.runDate}|${a.sentAt ?? ''}`);

export async function recordReply(deps: RecordReplyDeps, reply: InboundReply): Promise<ReplyResult> {
  const { store, config } = deps;
  const customers = await customersWithPhone(deps, reply.phone);
  if (customers.length === 0) return { kind: 'unknown-number' };
  const repliedOn = localDate(new Date(reply.receivedAt), config.merchantTimeZone);

  if (isOptOut(reply.text, config.sms.optOutKeywords)) {
    await optOut(deps, customers, reply.receivedAt);
    await deps.optOutList?.add(reply.phone);
    return { kind: 'opted-out', customers: customers.length };
  }

  let reason: string | undefined;
  for (const customerId of customers) {
    const answered = (await store.getCustomerLedger(customerId, addDays(repliedOn, -LONGEST_REPLY_DAYS)))
      .filter((entry) => entry.outcome === 'sent' && wentOut(entry.status))
      .flatMap((entry) => {
        const step = stepOf(config, entry);
        const answer = step && inReplyWindow(entry.runDate, repliedOn, step.replyDays) ? surveyAnswer(step, reply.text) : undefined;
        return answer ? [{ entry, answer }] : [];
      })
      .sort((a, b) => byRecency(a.entry, b.entry))[0];
    if (!answered) continue;
    await store.recordReply(customerId, answered.entry, { reason: answered.answer, at: reply.receivedAt, replyId: reply.inboundId });
    reason = answered.answer;
  }
  return reason ? { kind: 'answered', reason, customers: customers.length } : { kind: 'unmatched', customers: customers.length };
}

/**
 * A number opted out at `at` (a keyword reply, or the provider's opt-out list): every customer id
 * with it, at once. Unknown numbers change nothing.
 */
export async function optOutNumber(deps: RecordReplyDeps, phone: string, at: string): Promise<{ customers: number }> {
  const customers = await customersWithPhone(deps, phone);
  await optOut(deps, customers, at);
  await deps.optOutList?.add(phone);
  return { customers: customers.length };
}

/** Opts the customers out and notes it on the message each got within the week before. */
async function optOut(deps: RecordReplyDeps, customers: readonly string[], at: string): Promise<void> {
  const on = localDate(new Date(at), deps.config.merchantTimeZone);
  for (const customerId of customers) {
    await deps.store.markOptedOut(customerId, at);
    const [latest] = (await deps.store.getCustomerLedger(customerId, optOutWindowStart(on)))
      .filter((entry) => entry.outcome === 'sent' && wentOut(entry.status) && entry.runDate <= on)
      .sort(byRecency);
    if (latest) await deps.store.markOptedOutAfter(customerId, latest, at);
  }
}

/** The customers linked to the number whose profile still holds it (a link left by a changed number finds nobody). */
async function customersWithPhone(deps: RecordReplyDeps, phone: string): Promise<string[]> {
  const linked = await deps.store.customersLinkedTo(phone);
  if (linked.length === 0) return [];
  const { profiles } = await deps.store.getProfiles(linked, { consistent: true });
  return linked.filter((id) => {
    const stored = mobileNumber(profiles.get(id)?.phone, deps.config.defaultCountry);
    return stored.ok && stored.e164 === phone;
  });
}

function stepOf(config: CampaignConfig, entry: LedgerEntry): Step | undefined {
  return config.journeys.find((journey) => journey.id === entry.journeyId)?.steps.find((step) => step.id === entry.stepId);
}
