/**
 * Measurement (docs/architecture.md#measurement): an order within `attributionDays` of a sent or held-out message is a
 * conversion of that message; an order carrying the message's coupon code is a redemption.
 * Pure: the record-order use case reads the ledger and writes the marks.
 */
import { longestCouponDays, type CampaignConfig } from '../config/schema.ts';
import { verifyCouponCode } from './coupon.ts';
import { addDays, daysBetween, type CalendarDate } from './dates.ts';
import type { Outcome } from './guardrails.ts';
import { ledgerKey } from './journeys.ts';
import { wentOut } from './message-state.ts';
import type { LedgerStatus } from './records.ts';

/** What attribution reads of a ledger item (the store's LedgerEntry has this shape). */
export interface DecidedMessage {
  customerId: string;
  journeyId: string;
  cycle: string;
  stepId: string;
  runDate: CalendarDate;
  outcome: Outcome;
  status?: LedgerStatus;
  sentAt?: string;
  couponCode?: string;
}

/** A ledger item that can convert: held out, or a message that went out (or may have: unconfirmed). */
export function reachedCustomer(item: DecidedMessage): boolean {
  if (item.outcome === 'held-out') return true;
  return item.outcome === 'sent' && wentOut(item.status);
}

/**
 * Whether an order on `orderDate` falls in the message's attribution window: from the day the
 * message was decided (day 0) to `attributionDays` days after it, both included. Calendar dates in
 * the merchant zone, the same rule for sent and held-out messages, so the control is measured
 * exactly like the treatment.
 */
export function inAttributionWindow(runDate: CalendarDate, orderDate: CalendarDate, attributionDays: number): boolean {
  const age = daysBetween(runDate, orderDate);
  return age >= 0 && age <= attributionDays;
}

/**
 * The message an order converts: of the customer's sent or held-out messages whose window holds
 * the order, the latest (by decision date, then send time). Undefined when there is none.
 */
export function attributedMessage<T extends DecidedMessage>(ledger: readonly T[], orderDate: CalendarDate, attributionDays: number): T | undefined {
  const eligible = ledger.filter((item) => reachedCustomer(item) && inAttributionWindow(item.runDate, orderDate, attributionDays));
  const order = (item: DecidedMessage) => `${item.runDate}|${item.sentAt ?? ''}|${item.journeyId}|${item.cycle}|${item.stepId}`;
  return eligible.sort((a, b) => (order(a) < order(b) ? 1 : order(a) > order(b) ? -1 : 0))[0];
}

/**
 * The coupon message a code was derived from: only a code that verifies (HMAC) against the ledger
 * key of one of this customer's coupon messages counts. Another customer's code, a typo or a
 * forgery matches nothing.
 */
export function couponMessage<T extends DecidedMessage>(secret: string | undefined, ledger: readonly T[], code: string): T | undefined {
  if (!secret) return undefined;
  return ledger.find((item) => item.outcome === 'sent' && item.couponCode !== undefined && verifyCouponCode(secret, ledgerKey(item, item.stepId), code));
}

/** How far back an order's ledger lookup reaches: the attribution window, or the longest-lived coupon. */
export function ledgerLookback(config: CampaignConfig, orderDate: CalendarDate): CalendarDate {
  return addDays(orderDate, -Math.max(config.attributionDays, longestCouponDays(config)));
}
