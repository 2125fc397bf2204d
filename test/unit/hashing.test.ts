import { describe, expect, it } from 'vitest';
import { isHeldOut, shardOf } from '../../lib/domain/hashing.ts';

const ids = (count: number, prefix = 'customer-'): string[] => Array.from({ length: count }, (_, n) => `${prefix}${n}`);

describe('shardOf', () => {
  it('gives the same shard for the same id every time', () => {
    // Prepare
    const sample = ids(200);

    // Act
    const first = sample.map((id) => shardOf(id, 8));
    const second = sample.map((id) => shardOf(id, 8));

    // Assess
    expect(second).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
  });

  it('stays within [0, shards) for any shard count', () => {
    for (const shards of [1, 2, 7, 8, 64, 1024]) {
      // Act
      const result = ids(2_000).map((id) => shardOf(id, shards));

      // Assess
      expect(result.every((shard) => Number.isInteger(shard) && shard >= 0 && shard < shards)).toBe(true);
    }
  });

  it('puts everyone on shard 0 when there is one shard', () => {
    // Act
    const result = new Set(ids(100).map((id) => shardOf(id, 1)));

    // Assess
    expect([...result]).toEqual([0]);
  });

  it.each([
    ['sequential ids', ids(10_000)],
    ['phone-like ids', ids(10_000, '+86138').map((id) => id.padEnd(14, '0'))],
  ])('spreads 10,000 %s over 8 shards within 20%% of even', (_label, sample) => {
    // Prepare
    const counts = new Array<number>(8).fill(0);

    // Act
    for (const id of sample) {
      const shard = shardOf(id, 8);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }

    // Assess
    const even = sample.length / 8;
    for (const count of counts) {
      expect(count).toBeGreaterThanOrEqual(even * 0.8);
      expect(count).toBeLessThanOrEqual(even * 1.2);
    }
  });
});

describe('isHeldOut', () => {
  it('holds out the same customers of the same journey every time', () => {
    // Prepare
    const sample = ids(500);

    // Act
    const first = sample.map((id) => isHeldOut(id, 'lifecycle', 10));
    const second = sample.map((id) => isHeldOut(id, 'lifecycle', 10));

    // Assess
    expect(second).toEqual(first);
    expect(first).toContain(true);
    expect(first).toContain(false);
  });

  it.each([5, 10, 25, 50])('holds out about %i%% of 20,000 customers (within 1.5 points)', (percent) => {
    // Act
    const held = ids(20_000).filter((id) => isHeldOut(id, 'category-recall', percent)).length;

    // Assess
    const share = (held / 20_000) * 100;
    expect(Math.abs(share - percent)).toBeLessThanOrEqual(1.5);
  });

  it('holds out nobody at 0%', () => {
    // Act
    const held = ids(20_000).filter((id) => isHeldOut(id, 'category-recall', 0));

    // Assess
    expect(held).toEqual([]);
  });

  it('draws the holdout independently per journey', () => {
    // Act
    const recall = ids(20_000).filter((id) => isHeldOut(id, 'category-recall', 10));
    const lifecycle = new Set(ids(20_000).filter((id) => isHeldOut(id, 'lifecycle', 10)));

    // Assess: independent 10% draws overlap on about 1% of customers, not 10%
    const both = recall.filter((id) => lifecycle.has(id)).length;
    expect(both / 20_000).toBeLessThan(0.03);
    expect(both).toBeGreaterThan(0);
  });

  it('keeps a customer held out when the percentage grows (a larger holdout contains the smaller)', () => {
    // Act
    const at10 = ids(5_000).filter((id) => isHeldOut(id, 'lifecycle', 10));

    // Assess
    expect(at10.every((id) => isHeldOut(id, 'lifecycle', 20))).toBe(true);
  });
});
