import { describe, expect, it } from 'vitest';
import { nextConsent, optOut, type Consent } from '../../lib/domain/consent.ts';

const IMPORT = '2026-06-01T02:00:00.000Z';
const subscribed: Consent = { smsOptIn: true, optedOut: false };
const optedOutInMay: Consent = { smsOptIn: false, optedOut: true, optedOutAt: '2026-05-01T00:00:00.000Z' };

describe('nextConsent', () => {
  it('a new customer with no or a negative answer has no consent, which is not an opt-out', () => {
    expect(nextConsent(undefined, {}, IMPORT)).toEqual({ smsOptIn: false, optedOut: false });
    expect(nextConsent(undefined, { smsOptIn: false }, IMPORT)).toEqual({ smsOptIn: false, optedOut: false });
    expect(nextConsent(undefined, { smsOptIn: true }, IMPORT)).toEqual({ smsOptIn: true, optedOut: false });
  });

  it('a new customer marked opted_out is opted out as of the import', () => {
    expect(nextConsent(undefined, { smsOptIn: true, optedOut: true }, IMPORT)).toEqual({ smsOptIn: false, optedOut: true, optedOutAt: IMPORT });
  });

  it('says nothing when the statement says nothing: an absent column never changes consent', () => {
    expect(nextConsent(subscribed, {}, IMPORT)).toBe(subscribed);
    expect(nextConsent(optedOutInMay, {}, IMPORT)).toBe(optedOutInMay);
    expect(nextConsent(subscribed, { optedOut: false }, IMPORT)).toBe(subscribed);
  });

  it('a false that withdraws an earlier yes is an opt-out with the import as its time', () => {
    expect(nextConsent(subscribed, { smsOptIn: false }, IMPORT)).toEqual({ smsOptIn: false, optedOut: true, optedOutAt: IMPORT });
  });

  it('a false over a customer who never said yes stays plain no-consent', () => {
    const never: Consent = { smsOptIn: false, optedOut: false };
    expect(nextConsent(never, { smsOptIn: false }, IMPORT)).toBe(never);
  });

  it('a plain later yes does not clear an opt-out, nor one dated before it', () => {
    expect(nextConsent(optedOutInMay, { smsOptIn: true }, IMPORT)).toBe(optedOutInMay);
    expect(nextConsent(optedOutInMay, { smsOptIn: true, optInAt: '2026-04-30T23:59:59+00:00' }, IMPORT)).toBe(optedOutInMay);
  });

  it('a re-subscription dated after the opt-out clears it', () => {
    expect(nextConsent(optedOutInMay, { smsOptIn: true, optInAt: '2026-05-02T08:00:00+08:00' }, IMPORT)).toEqual({
      smsOptIn: true,
      optedOut: false,
      optInAt: '2026-05-02T08:00:00+08:00',
    });
  });

  it('an opt-out heard again keeps its first time; one stored without a time gets this one', () => {
    expect(optOut(optedOutInMay, IMPORT)).toEqual(optedOutInMay);
    expect(optOut({ smsOptIn: true, optedOut: true }, IMPORT)).toEqual({ smsOptIn: false, optedOut: true, optedOutAt: IMPORT });
    expect(nextConsent(optedOutInMay, { optedOut: true }, IMPORT)).toEqual(optedOutInMay);
  });
});
