import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultConfig } from '../../lib/config/load.ts';
import { addDays, zonedInstant } from '../../lib/domain/dates.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import type { OrderInput } from '../../lib/domain/model.ts';
import { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { dynamoClient } from '../../lib/adapters/dynamo-client.ts';
import { recall } from '../support/cli.ts';
import { TestDynamo } from '../support/store.ts';

// A week with the default config's 双11 holiday message (run on 2027-11-10) in it, and birthdays.
const TODAY = '2027-11-14';
const FROM = addDays(TODAY, -7);
const TO = addDays(TODAY, -1);
const NOW = '2027-11-14T02:00:00Z';

const ordersCsv = (orders: readonly OrderInput[]) =>
  ['order_id,customer_id,ordered_at,category,amount', ...orders.flatMap((order) => order.lines.map((line) => `${order.orderId},${order.customerId},${order.orderedAt},${line.category},${line.amount}`))].join('\n') + '\n';

/**
 * `recall simulate` (docs/architecture.md#simulation) replays the history through the real use
 * cases in its in-memory scratch store (lib/adapters/memory/store.ts): its messages must be
 * exactly those of the daily runs a shop would have had on the Dynamo adapter (dynalite) with the
 * same orders imported before each run, journey by journey.
 */
describe('recall simulate', () => {
  let dir: string;
  let dynamo: TestDynamo;
  let orders: OrderInput[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recall-simulate-'));
    dynamo = await TestDynamo.start();
    const config = await loadDefaultConfig();
    const shop = [...generateDemoShop({ customers: 200, seed: 7, today: TODAY, years: 1, categories: config.categories, timeZone: config.merchantTimeZone })];
    orders = shop.flatMap((customer) => customer.orders);
    await writeFile(
      join(dir, 'customers.csv'),
      ['customer_id,phone,name,sms_opt_in,birthday', ...shop.map(({ customer }) => `${customer.customerId},${customer.phone ?? ''},${customer.name},${customer.smsOptIn ? 'yes' : 'no'},${customer.birthday ?? ''}`)].join('\n') + '\n',
    );
    await writeFile(join(dir, 'orders.csv'), ordersCsv(orders));
  });
  afterAll(async () => {
    await dynamo.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends, in its scratch store, exactly the messages of daily imports and runs with the same orders; the real store is untouched', { timeout: 240_000 }, async () => {
    const config = await loadDefaultConfig();
    const onTable = async (table: string, args: string[]) => {
      process.env.RECALL_TABLE = table;
      try {
        return await recall(['--endpoint', dynamo.endpoint, '--store', join(dir, table), ...args], NOW);
      } finally {
        delete process.env.RECALL_TABLE;
      }
    };

    // The shop as it would have run: each day, the orders placed before the run imported, then the run.
    expect((await onTable('daily', ['import', 'customers', join(dir, 'customers.csv'), '--as-of', FROM])).code).toBe(0);
    let previous = -Infinity;
    for (let day = FROM; day <= TO; day = addDays(day, 1)) {
      const moment = zonedInstant(day, config.runTime, config.merchantTimeZone).getTime();
      const file = join(dir, `orders-${day}.csv`);
      await writeFile(file, ordersCsv(orders.filter((order) => Date.parse(order.orderedAt) >= previous && Date.parse(order.orderedAt) < moment)));
      previous = moment;
      expect((await onTable('daily', ['import', 'orders', file, '--as-of', day])).code).toBe(0);
      expect((await onTable('daily', ['run', '--as-of', day])).code).toBe(0);
    }
    const report = JSON.parse((await onTable('daily', ['reconcile', '--from', FROM, '--to', TO, '--json'])).out) as { unconfirmed: unknown[] };
    expect(report.unconfirmed).toEqual([]);

    const simulated = await onTable('real', ['simulate', '--orders', join(dir, 'orders.csv'), '--customers', join(dir, 'customers.csv'), '--from', FROM, '--to', TO, '--json']);
    expect(simulated.code, simulated.err).toBe(0);
    const simulation = JSON.parse(simulated.out) as { days: number; messages: { runDate: string; customerId: string; journeyId: string; stepId: string }[]; totals: { messages: number; boughtAnyway: number } };
    expect(simulation.days).toBe(7);

    // The daily store's sent messages, from its ledger by day.
    const store = new DynamoStore(dynamoClient(dynamo.endpoint), 'daily');
    const sent: string[] = [];
    for (let day = FROM; day <= TO; day = addDays(day, 1)) {
      for (const entry of (await store.ledgerOfDay(day)).items) if (entry.outcome === 'sent') sent.push(`${day}|${entry.customerId}|${entry.journeyId}|${entry.stepId}`);
    }
    const replayed = simulation.messages.map((message) => `${message.runDate}|${message.customerId}|${message.journeyId}|${message.stepId}`);
    expect(sent.length).toBeGreaterThan(10);
    // The week exercises the journeys' kinds: due-index steps, birthdays and the holiday (calendar index).
    const journeys = new Set(sent.map((message) => message.split('|')[2]));
    for (const journey of ['category-recall', 'lifecycle', 'birthday', 'holiday-1111']) expect(journeys, journey).toContain(journey);
    expect(replayed.sort()).toEqual(sent.sort());
    expect(simulation.totals.boughtAnyway).toBeLessThanOrEqual(simulation.totals.messages);

    // Nothing was written to the store simulate ran on but its config version.
    const real = new DynamoStore(dynamoClient(dynamo.endpoint), 'real');
    for (let day = FROM; day <= TO; day = addDays(day, 1)) expect((await real.ledgerOfDay(day)).items).toEqual([]);
  });
});
