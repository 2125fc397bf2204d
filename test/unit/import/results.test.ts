import { describe, expect, it } from 'vitest';
import { ImportTally } from '../../../lib/import/results.ts';

/**
 * lib/import/results.ts: the tally of an import.
 */

describe('ImportTally', () => {
  it('counts imports and rejections by reason', () => {
    const tally = new ImportTally();

    tally.accept();
    tally.accept();
    tally.reject('bad-date');
    tally.reject('bad-date');
    tally.reject('customer-mismatch');

    expect(tally.counts).toEqual({ imported: 2, rejected: { 'bad-date': 2, 'customer-mismatch': 1 } });
  });
});
