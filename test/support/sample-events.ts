import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { SqsEventSchema } from '../../lib/events/aws-shapes.ts';

/**
 * The sample payloads in `events/`, as a handler receives them, and SQS batches made from a
 * sample with other bodies or delivered again.
 */

const JsonObjectSchema = z.record(z.string(), z.unknown());

export const EVENTS_DIR = join(import.meta.dirname, '../../events');

/** A sample payload from `events/`, as a handler would receive it. */
export async function loadEvent(file: string): Promise<unknown> {
  return JSON.parse(await readFile(join(EVENTS_DIR, file), 'utf8'));
}

/** A sample that is a JSON object, to take apart or change a field of. */
export async function loadEventObject(file: string): Promise<Record<string, unknown>> {
  return JsonObjectSchema.parse(await loadEvent(file));
}

/** An SQS sample from `events/`, checked against the envelope schema so its shape stays real. */
export async function loadSqsEvent(file: string): Promise<SQSEvent> {
  return SqsEventSchema.parse(await loadEvent(file));
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/**
 * The sample's records with other bodies: every field as SQS sets it (a fresh message id, the MD5
 * of the new body), so only what our code owns (the body) differs from the sample.
 */
export function withBodies(sample: SQSEvent, bodies: readonly unknown[]): SQSEvent {
  return {
    Records: bodies.map((body, index): SQSRecord => {
      const template = sample.Records[index % sample.Records.length];
      if (!template) throw new Error('the sample has no records');
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      return { ...template, messageId: randomUUID(), receiptHandle: `AQEB${randomUUID()}`, body: text, md5OfBody: md5(text) };
    }),
  };
}

/** The same messages again, as SQS redelivers them after the visibility timeout. */
export function redelivered(event: SQSEvent): SQSEvent {
  return {
    Records: event.Records.map((record) => ({
      ...record,
      receiptHandle: `AQEB${randomUUID()}`,
      attributes: { ...record.attributes, ApproximateReceiveCount: String(Number(record.attributes.ApproximateReceiveCount) + 1) },
    })),
  };
}
