import { readCustomerRows } from '../../lib/import/customers.ts';
import { readOrders } from '../../lib/import/orders.ts';
import { importCustomers, importOrders } from '../../lib/usecases/import.ts';
import { csv, fixedClock, RecordingQueue, testConfig } from './fixtures.ts';
import type { TestDynamo } from './store.ts';

/**
 * Five customers and their orders, imported from CSV into a fresh table as `recall import` does,
 * so that the daily run of IMPORTED_SHOP_TODAY meets each case named below.
 */

export const IMPORTED_SHOP_TODAY = '2026-11-22';

const CUSTOMERS = `customer_id,phone,name,timezone,sms_opt_in,push_endpoint
c1,+8613800138001,张三,,true,
c2,+8613800138002,李四,,false,
c3,+8614012345678,王五,,true,
c4,138 0013 8004,赵六,,yes,
c5,+8613800138005,钱七,,true,
`;

// c1..c3 bought cosmetics (window 76) 78 days ago: due 2 days ago, within grace.
// c4 bought womens-clothing (window 47) for 250 exactly 47 days ago: due today; its ladder is stale.
// c5 last bought two years ago: every step of every journey is long past.
const ORDERS = `order_id,customer_id,ordered_at,category,amount
o1,c1,2026-09-05 12:00,cosmetics,150
o2,c2,2026-09-05 12:00,cosmetics,150
o3,c3,2026-09-05 12:00,cosmetics,150
o4,c4,2026-10-06 12:00,womens-clothing,250
o5,c5,2024-10-01 12:00,mens-shoes,300
`;

/** The shop in a fresh table of `dynamo`, a clock at 10:00 in Shanghai, and a daily run's deps. */
export async function importedShop(dynamo: TestDynamo, couponSecret: string) {
  const store = await dynamo.freshStore();
  const config = await testConfig();
  const clock = fixedClock(`${IMPORTED_SHOP_TODAY}T02:00:00Z`);
  await importCustomers({ store }, readCustomerRows(csv(CUSTOMERS), 'customers.csv', { timeZone: 'Asia/Shanghai', defaultCountry: 'CN' }), clock.now());
  await importOrders({ store, config, clock }, readOrders(csv(ORDERS), 'orders.csv', { timeZone: config.merchantTimeZone, asOf: clock.now() }), clock.now());
  const queue = new RecordingQueue(store);
  return { store, config, clock, queue, deps: { store, config, sendQueue: queue, couponSecret } };
}
