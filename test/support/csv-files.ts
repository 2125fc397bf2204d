import { Readable } from 'node:stream';
import { readCustomerRows, type CustomerRowResult } from '../../lib/import/customers.ts';
import { readOrders, type OrderResult } from '../../lib/import/orders.ts';
import { CsvFormatError } from '../../lib/import/results.ts';

/**
 * CSV files as the import readers (lib/import/) receive them: bytes, bytes in small chunks, and
 * what a reader yields, collected (its rows, its rejections, the format error that ends it).
 */

export const CUSTOMER_HEADER = 'customer_id,phone,name,timezone,sms_opt_in,push_endpoint';
export const ORDER_HEADER = 'order_id,customer_id,ordered_at,category,amount,coupon_code';
export const SHANGHAI = 'Asia/Shanghai';
export const CUSTOMER_OPTIONS = { timeZone: SHANGHAI, defaultCountry: 'CN' };
/** After every order in these tests: only the future-date tests date one past it. */
export const IMPORT_AS_OF = new Date('2030-01-01T00:00:00Z');

export function bytes(text: string | Buffer): Readable {
  return Readable.from(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
}

/** The same bytes arriving in small chunks, to cross every boundary a file stream could cut. */
export function chunked(data: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) chunks.push(data.subarray(at, at + size));
  return Readable.from(chunks);
}

export async function collect<T>(results: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const result of results) all.push(result);
  return all;
}

export const customers = (text: string | Buffer): Promise<CustomerRowResult[]> =>
  collect(readCustomerRows(bytes(text), 'customers.csv', CUSTOMER_OPTIONS));
export const orders = (text: string | Buffer, timeZone = SHANGHAI): Promise<OrderResult[]> =>
  collect(readOrders(bytes(text), 'orders.csv', { timeZone, asOf: IMPORT_AS_OF }));

export async function formatError(results: AsyncIterable<unknown>): Promise<CsvFormatError> {
  try {
    await collect(results);
  } catch (error) {
    if (error instanceof CsvFormatError) return error;
    throw error;
  }
  throw new Error('expected a CsvFormatError');
}

export function rejections(results: readonly (CustomerRowResult | OrderResult)[]): { line: number; reason: string }[] {
  return results.flatMap((result) => (result.ok ? [] : [{ line: result.line, reason: result.reason }]));
}
