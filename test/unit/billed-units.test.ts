import { describe, expect, it } from 'vitest';
import { asItem, billWrite, indexEntry, indexWrites, itemBytes, itemKind, numberBytes, type Item, type TableShape } from '../bench/billed-units.ts';
import { recallTable } from '../../lib/store/tables.ts';

const TABLE: TableShape = {
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [{ name: 'due', partitionKey: 'duePk', sortKey: 'dueSk', projectedAttributes: ['stepIndex'] }],
};
const [DUE] = TABLE.indexes;

const waiting = (overrides: Item = {}): Item => ({
  pk: { S: 'C#c1' },
  sk: { S: 'J#recall' },
  duePk: { S: 'recall#coupon-1#3' },
  dueSk: { S: '2026-09-01#c1' },
  stepIndex: { N: '0' },
  note: { S: 'not projected' },
  ...overrides,
});

describe('item sizes as DynamoDB counts them', () => {
  it('counts names and strings in UTF-8 bytes, numbers by significant digits, lists and maps with their overhead', () => {
    expect(itemBytes({ name: { S: '王芳' } })).toBe(4 + 6);
    expect(numberBytes('1700000000000')).toBe(2);
    expect(numberBytes('-0.00125')).toBe(3);
    expect(itemBytes({ n: { N: '12345' } })).toBe(1 + 4);
    expect(itemBytes({ ok: { BOOL: true }, none: { NULL: true } })).toBe(2 + 1 + 4 + 1);
    // A map: 3 bytes, then per element 1 byte, its name and its value.
    expect(itemBytes({ m: { M: { a: { S: 'xy' } } } })).toBe(1 + 3 + 1 + 1 + 2);
    expect(itemBytes({ l: { L: [{ S: 'xy' }, { N: '1' }] } })).toBe(1 + 3 + (1 + 2) + (1 + 2));
  });

  it('reads a document-client item back into the typed form', () => {
    expect(asItem({ pk: 'PACER', version: 7, sends: [{ date: '2026-11-23' }] })).toEqual({
      pk: { S: 'PACER' },
      version: { N: '7' },
      sends: { L: [{ M: { date: { S: '2026-11-23' } } }] },
    });
  });

  it('names the kind of item from the table key scheme', () => {
    expect(itemKind({ pk: { S: 'C#c1' }, sk: { S: 'L#recall#2026-09-01#coupon-1' } })).toBe('ledger');
    expect(itemKind({ pk: { S: 'C#c1' }, sk: { S: 'PROFILE' } })).toBe('profile');
    expect(itemKind({ pk: { S: 'P#abc' }, sk: { S: 'CAP' } })).toBe('person cap');
  });
});

describe('index writes per change of an item', () => {
  it('an item entering or leaving the index is one index write', () => {
    expect(indexWrites(undefined, waiting(), DUE!, TABLE)).toHaveLength(1);
    const { duePk: _duePk, dueSk: _dueSk, ...outside } = waiting();
    expect(indexWrites(waiting(), outside, DUE!, TABLE)).toHaveLength(1);
    expect(indexWrites(undefined, outside, DUE!, TABLE)).toEqual([]);
  });

  it('a changed index key is two (the old entry deleted, the new one put)', () => {
    expect(indexWrites(waiting(), waiting({ duePk: { S: 'recall#coupon-2#3' }, stepIndex: { N: '1' } }), DUE!, TABLE)).toHaveLength(2);
  });

  it('a changed projected attribute is one; a change outside the projection is none', () => {
    expect(indexWrites(waiting(), waiting({ stepIndex: { N: '1' } }), DUE!, TABLE)).toHaveLength(1);
    expect(indexWrites(waiting(), waiting({ note: { S: 'changed' } }), DUE!, TABLE)).toEqual([]);
  });

  it('the entry holds the table keys, the index keys and the projected attributes only', () => {
    expect(Object.keys(indexEntry(waiting(), DUE!, TABLE) ?? {}).sort()).toEqual(['duePk', 'dueSk', 'pk', 'sk', 'stepIndex']);
  });
});

describe('a write as billed', () => {
  it('costs 1 unit per started KB of the larger of the item before and after, plus its index writes', () => {
    const large = waiting({ note: { S: 'x'.repeat(1500) } });
    expect(billWrite(large, waiting({ duePk: { S: 'recall#coupon-2#3' } }), false, TABLE)).toEqual({ tableUnits: 2, indexUnits: 2, indexWrites: 2 });
  });

  it('a failed conditional write is billed on the item, and writes no index', () => {
    expect(billWrite(waiting(), waiting({ stepIndex: { N: '1' } }), true, TABLE)).toEqual({ tableUnits: 1, indexUnits: 0, indexWrites: 0 });
  });

  it('follows the table as defined: a ledger status move writes no date-index entry (status and sentAt are not projected), an outcome change does', () => {
    const ledger = (status: string, outcome = 'sent', sentAt?: string): Item => ({
      pk: { S: 'C#c1' },
      sk: { S: 'L#recall#2026-09-01#coupon-1' },
      byDatePk: { S: 'L#2026-11-23#1' },
      byDateSk: { S: 'c1#L#recall#2026-09-01#coupon-1' },
      outcome: { S: outcome },
      status: { S: status },
      ...(sentAt ? { sentAt: { S: sentAt } } : {}),
    });
    expect(recallTable.dateIndex.projectedAttributes).toContain('outcome');
    expect(billWrite(ledger('claimed'), ledger('sending'), false).indexWrites).toBe(0);
    expect(billWrite(ledger('sending'), ledger('sent', 'sent', '2026-11-23T02:00:01.000Z'), false).indexWrites).toBe(0);
    expect(billWrite(ledger('claimed'), ledger('failed', 'skipped:opted-out'), false).indexWrites).toBe(1);
  });
});
