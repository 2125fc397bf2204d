import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoPacer, PacerCapacityError, pacerKey } from '../../lib/adapters/dynamo-pacer.ts';
import { dynamoClient } from '../../lib/adapters/dynamo-client.ts';
import { smsParts } from '../../lib/domain/sms.ts';
import { LONG_MESSAGE, maxPartsInAnyWindow, runSenders, SHORT_MESSAGE, simulatePacer } from '../support/pacer-harness.ts';
import { TestDynamo } from '../support/store.ts';
import { VirtualClock } from '../support/virtual-clock.ts';

/** A clock that only moves when the pacer sleeps (or the test says so); one sleeper at a time. */
function fakeTime(start = 1_800_000_000_000) {
  let now = start;
  const sleeps: number[] = [];
  return {
    start,
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('DynamoPacer', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  /** `count` senders (each its own client, as separate Lambda instances) sharing a fresh table. */
  async function pacers(count: number, mps: number, time: ReturnType<typeof fakeTime>, marginMs?: number) {
    const { tableName } = await dynamo.freshStore();
    return Array.from({ length: count }, () => new DynamoPacer(dynamoClient(dynamo.endpoint), tableName, { mps, marginMs, ...time }));
  }

  describe('with a fake clock', () => {
    it('refuses a message larger than the whole budget, permanently and without touching the table', async () => {
      const time = fakeTime();
      const [pacer] = await pacers(1, 5, time);

      const refused = pacer!.reserve(6);

      await expect(refused).rejects.toBeInstanceOf(PacerCapacityError);
      await expect(refused).rejects.toMatchObject({ retryable: false, message: expect.stringContaining('6 SMS parts') });
      await expect(pacer!.reserve(0)).rejects.toBeInstanceOf(RangeError);
      await expect(pacer!.reserve(1.5)).rejects.toBeInstanceOf(RangeError);
      expect(pacer!.usage).toMatchObject({ readUnits: 0, writeUnits: 0 });
    });

    it('grants up to mps at once, then books the instant the oldest grant leaves the window', async () => {
      const time = fakeTime();
      const [pacer] = await pacers(1, 5, time);

      await pacer!.reserve(3);
      await pacer!.reserve(2);
      await pacer!.reserve(1);

      expect(time.sleeps).toEqual([1025]);
      expect(time.now() - time.start).toBe(1025);
      expect(pacer!.usage.readUnits).toBeGreaterThan(0);
      expect(pacer!.usage.writeUnits).toBeGreaterThan(0);
    });

    it('counts a grant until the end of its window and frees it at exactly that instant', async () => {
      const time = fakeTime();
      const [pacer] = await pacers(1, 5, time);
      await pacer!.reserve(3); // at 0
      time.advance(500);
      await pacer!.reserve(2); // at 500
      time.advance(524);

      await pacer!.reserve(3); // at 1024 the 3 parts granted at 0 are still in the window

      expect(time.sleeps).toEqual([1]);
      await pacer!.reserve(2); // at 1025 only the grant at 500 can make room
      expect(time.sleeps).toEqual([1, 500]);
      expect(time.now() - time.start).toBe(1525);
    });

    it('waits for as many old grants as the request needs', async () => {
      const time = fakeTime();
      const [pacer] = await pacers(1, 5, time, 0);
      await pacer!.reserve(1); // at 0
      time.advance(100);
      await pacer!.reserve(1); // at 100
      time.advance(100);
      await pacer!.reserve(3); // at 200
      time.advance(100);

      await pacer!.reserve(2); // at 300: both 1-part grants must leave

      expect(time.sleeps).toEqual([800]);
      expect(time.now() - time.start).toBe(1100);
    });

    it('shares one budget between racing senders: no grant is lost to the race', async () => {
      const time = fakeTime();
      const [first, second, third] = await pacers(3, 5, time);

      await Promise.all([first!.reserve(3), second!.reserve(2)]);
      await third!.reserve(1);

      expect(time.sleeps).toEqual([1025]);
    });

    it('books a sender that finds the window full into the next free slot, ahead of later requests', async () => {
      const time = fakeTime();
      const [first, second] = await pacers(2, 5, time);
      await first!.reserve(5); // at 0
      time.advance(100);

      const later = second!.reserve(3); // at 100: books 1025
      await later;
      await first!.reserve(3); // at 1025: [1025, 2050) already holds 3, so 2050

      expect(time.sleeps).toEqual([925, 1025]);
    });

    it('rebooks a slot missed by a slow write, freeing the missed one, and books further ahead', async () => {
      const time = fakeTime();
      const { tableName } = await dynamo.freshStore();
      const client = dynamoClient(dynamo.endpoint);
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const result = await next(args);
          if (context.commandName?.startsWith('Put')) time.advance(40);
          return result;
        },
        { step: 'initialize', name: 'slowWrites' },
      );
      const pacer = new DynamoPacer(client, tableName, { mps: 5, ...time });

      await pacer.reserve(3);

      // Booked at 0, written by 40: too late to send. Rebooked 40 ms ahead of 40, written by 80.
      expect(pacer.usage.late).toBe(1);
      expect(time.now() - time.start).toBe(80);
      const { Item } = await DynamoDBDocumentClient.from(client).send(new GetCommand({ TableName: tableName, Key: pacerKey }));
      expect(Item).toMatchObject({ since: time.start + 80, grants: '0:3' });
    });

    it('keeps only the grants still inside the window in its item', async () => {
      const time = fakeTime();
      const [pacer] = await pacers(1, 5, time);
      await pacer!.reserve(1);
      time.advance(600);
      await pacer!.reserve(2);
      time.advance(600);

      await pacer!.reserve(1);

      const { Item } = await DynamoDBDocumentClient.from(dynamoClient(dynamo.endpoint)).send(
        new GetCommand({ TableName: pacer!.tableName, Key: pacerKey }),
      );
      expect(Item).toMatchObject({ since: time.start + 600, grants: '0:2 600:1', version: 3 });
    });
  });

  describe('with concurrent senders on a virtual clock', () => {
    it('counts a long Chinese message as 3 parts', () => {
      expect(smsParts(SHORT_MESSAGE).parts).toBe(1);
      expect(smsParts(LONG_MESSAGE).parts).toBe(3);
    });

    it('measures the busiest 1-second window, a window holding its start but not its end', () => {
      const sends = [
        { at: 0, parts: 3 },
        { at: 999, parts: 3 },
        { at: 1000, parts: 1 },
        { at: 1998, parts: 1 },
      ];

      expect(maxPartsInAnyWindow(sends)).toBe(6);
      expect(maxPartsInAnyWindow(sends.slice(2))).toBe(2);
    });

    it('catches senders that do not pace: the check below is not vacuous', async () => {
      const clock = new VirtualClock();
      const unpaced = { reserve: async () => undefined };

      const run = await clock.run(runSenders([unpaced, unpaced], { inFlight: 2, seconds: 2, clock }));

      expect(maxPartsInAnyWindow(run.sends)).toBeGreaterThan(50);
    });

    it.each([10, 50, 200])('keeps 4 senders of 1- and 3-part messages at or below %i parts in every 1-second window', async (mps) => {
      const run = await simulatePacer(dynamo, mps, { senders: 4, seconds: 3 });

      const parts = run.sends.map((send) => send.parts);
      expect(new Set(parts)).toEqual(new Set([1, 3]));
      // Several windows' worth of budget went out, every window as full as a 3-part message allows:
      // the senders asked for more than the budget, and the pacer is what held them back.
      expect(parts.reduce((sum, part) => sum + part, 0)).toBeGreaterThan(2 * mps);
      expect(maxPartsInAnyWindow(run.sends)).toBeGreaterThanOrEqual(mps - 2);
      expect(maxPartsInAnyWindow(run.sends)).toBeLessThanOrEqual(mps);
    });
  });
});
