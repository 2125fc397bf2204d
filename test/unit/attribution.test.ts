import { describe, expect, it } from 'vitest';
import { attributedMessage, couponMessage, inAttributionWindow, ledgerLookback, reachedCustomer, type DecidedMessage } from '../../lib/domain/attribution.ts';
import { couponCode } from '../../lib/domain/coupon.ts';
import { testConfig } from '../support/fixtures.ts';

const SECRET = 'unit-secret';

const message = (overrides: Partial<DecidedMessage> = {}): DecidedMessage => ({
  customerId: 'c1',
  journeyId: 'category-recall',
  cycle: '2026-08-15',
  stepId: 'coupon-1',
  runDate: '2026-11-01',
  outcome: 'sent',
  status: 'sent',
  ...overrides,
});

describe('the attribution window', () => {
  it('runs from the message day (day 0) to attributionDays after it, both included', () => {
    expect(inAttributionWindow('2026-11-01', '2026-10-31', 7)).toBe(false);
    expect(inAttributionWindow('2026-11-01', '2026-11-01', 7)).toBe(true);
    expect(inAttributionWindow('2026-11-01', '2026-11-08', 7)).toBe(true);
    expect(inAttributionWindow('2026-11-01', '2026-11-09', 7)).toBe(false);
    // Across a month end and a leap day.
    expect(inAttributionWindow('2028-02-25', '2028-03-03', 7)).toBe(true);
    expect(inAttributionWindow('2028-02-25', '2028-03-04', 7)).toBe(false);
  });

  it('counts messages that went out (or may have: unconfirmed) and held-out ones; never skipped or undelivered ones', () => {
    expect(reachedCustomer(message())).toBe(true);
    expect(reachedCustomer(message({ status: 'sending' }))).toBe(true);
    expect(reachedCustomer(message({ outcome: 'held-out', status: undefined }))).toBe(true);
    expect(reachedCustomer(message({ status: 'claimed' }))).toBe(false);
    expect(reachedCustomer(message({ status: 'failed' }))).toBe(false);
    expect(reachedCustomer(message({ outcome: 'skipped:no-consent', status: undefined }))).toBe(false);
  });
});

describe('attributedMessage', () => {
  it('picks the latest eligible message: by decision day, then send time', () => {
    const early = message({ journeyId: 'lifecycle', stepId: 'sleeping', runDate: '2026-11-01' });
    const late = message({ runDate: '2026-11-04' });
    const heldOutLater = message({ journeyId: 'spend-200-ladder', stepId: 'month-1', runDate: '2026-11-05', outcome: 'held-out', status: undefined });
    const sameDayEarlier = message({ journeyId: 'a', runDate: '2026-11-04', sentAt: '2026-11-04T02:00:00Z' });
    const sameDayLater = message({ journeyId: 'b', runDate: '2026-11-04', sentAt: '2026-11-04T05:00:00Z' });

    expect(attributedMessage([early, late], '2026-11-06', 7)).toBe(late);
    expect(attributedMessage([late, early, heldOutLater], '2026-11-06', 7)).toBe(heldOutLater);
    expect(attributedMessage([sameDayLater, sameDayEarlier], '2026-11-06', 7)).toBe(sameDayLater);
    // Day 8 of the early message: out of its window; the later one is still in its own.
    expect(attributedMessage([early], '2026-11-09', 7)).toBeUndefined();
    expect(attributedMessage([early, late], '2026-11-09', 7)).toBe(late);
  });

  it('ignores messages decided after the order', () => {
    expect(attributedMessage([message({ runDate: '2026-11-07' })], '2026-11-06', 7)).toBeUndefined();
  });
});

describe('couponMessage', () => {
  const withCode = (item: DecidedMessage) => ({ ...item, couponCode: couponCode(SECRET, `${item.customerId}#${item.journeyId}#${item.cycle}#${item.stepId}`) });
  const first = withCode(message());
  const second = withCode(message({ stepId: 'coupon-2', runDate: '2026-12-01' }));

  it('finds the message whose ledger key the code is the HMAC of, as a person may type it', () => {
    expect(couponMessage(SECRET, [first, second], second.couponCode)).toBe(second);
    expect(couponMessage(SECRET, [first, second], ` ${first.couponCode.toLowerCase().slice(0, 5)}-${first.couponCode.slice(5)} `)).toBe(first);
  });

  it('rejects forged codes, codes made with another secret, and codes of other customers', () => {
    const otherCustomer = withCode(message({ customerId: 'c2' }));
    expect(couponMessage(SECRET, [first], 'ABCDE12345')).toBeUndefined();
    expect(couponMessage(SECRET, [first], couponCode('not-the-secret', 'c1#category-recall#2026-08-15#coupon-1'))).toBeUndefined();
    expect(couponMessage(SECRET, [first], otherCustomer.couponCode)).toBeUndefined();
    // A stored code is not trusted by itself: it must verify against the item's own key.
    expect(couponMessage(SECRET, [{ ...first, couponCode: 'ABCDE12345' }], 'ABCDE12345')).toBeUndefined();
    expect(couponMessage(undefined, [first], first.couponCode)).toBeUndefined();
  });
});

describe('ledgerLookback', () => {
  it('reaches back the attribution window or the longest coupon validity, whichever is longer', async () => {
    const config = await testConfig();
    expect(ledgerLookback(config, '2026-11-30')).toBe('2026-10-31');
    expect(ledgerLookback({ ...config, attributionDays: 45 }, '2026-11-30')).toBe('2026-10-16');
  });
});
