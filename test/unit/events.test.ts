import { TestCampaignInputSchema } from '../../lib/usecases/test-campaign.ts';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import { smsParts } from '../../lib/domain/sms.ts';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { EventBridgeSchema as PowertoolsEventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { LambdaFunctionUrlSchema as PowertoolsFunctionUrlSchema } from '@aws-lambda-powertools/parser/schemas/lambda';
import { SnsRecordSchema, SnsSchema as PowertoolsSnsSchema } from '@aws-lambda-powertools/parser/schemas/sns';
import { EventBridgeSchema } from '../../lib/events/eventbridge-envelope.ts';
import { SmsEventSchema } from '../../lib/domain/sms-events.ts';
import { eventBridgeEnvelope, FunctionUrlRequestSchema, SnsEventSchema, SqsEventSchema, SqsRecordSchema } from '../../lib/events/aws-shapes.ts';
import { DOMAIN_EVENTS } from '../../lib/events/catalog.ts';
import { EVENT_SOURCE } from '../../lib/events/domain-events.ts';
import { ImportContinuationSchema, S3ObjectCreatedEventSchema } from '../../lib/events/imports.ts';
import { InboundSmsSchema, LearnWindowsInputSchema, OrderPlacedEventSchema, PlanRecallInputSchema, ReplyCallbackSchema, ScheduledInvocationSchema, SendJobMessageSchema, ShardJobMessageSchema } from '../../lib/events/schemas.ts';

/**
 * docs/architecture.md#contracts: `events/` holds a sample payload for every function and every event type, named
 * `<function>.<case>.json`, and every one of them parses against its schema.
 */
const EVENTS_DIR = join(import.meta.dirname, '../../events');

/** Powertools' JSONStringified for our schemas (zod/mini): the helper's type takes only classic ones, its pipe any. */
function jsonStringified<Schema extends z.core.$ZodType>(schema: Schema) {
  return JSONStringified(schema as unknown as z.ZodType) as unknown as z.ZodPipe<z.ZodPipe<z.ZodString, z.ZodTransform<unknown, string>>, Schema>;
}

/** An SQS batch whose every body is a JSON message of `bodySchema`. */
function sqsBatchOf<Body extends z.core.$ZodType>(bodySchema: Body) {
  return SqsEventSchema.extend({ Records: z.array(SqsRecordSchema.extend({ body: jsonStringified(bodySchema) })).min(1) });
}

/** An SNS delivery whose every message is a JSON document of `messageSchema`. */
function snsOf<Message extends z.core.$ZodType>(messageSchema: Message) {
  return zm.extend(SnsEventSchema, {
    Records: z.array(SnsRecordSchema.extend({ Sns: SnsRecordSchema.shape.Sns.extend({ Message: jsonStringified(messageSchema) }) })).min(1),
  });
}

/** MessageSent -> message-sent */
const kebab = (type: string) => type.replace(/(?<!^)([A-Z])/g, '-$1').toLowerCase();

/**
 * Sample name -> schema: `<function>.<case>` for one case, `<function>` for all its cases.
 * Domain events are samples of the envelope our bus delivers to a subscriber.
 */
const registry: Record<string, z.core.$ZodType> = {
  'plan-recall.scheduled': ScheduledInvocationSchema,
  'plan-recall.manual': PlanRecallInputSchema,
  'scan-shard': sqsBatchOf(ShardJobMessageSchema),
  'send-message': sqsBatchOf(SendJobMessageSchema),
  'record-order': OrderPlacedEventSchema,
  'run-test-campaign': TestCampaignInputSchema,
  'learn-windows.scheduled': ScheduledInvocationSchema,
  'learn-windows.manual': LearnWindowsInputSchema,
  'record-delivery': snsOf(SmsEventSchema),
  'record-reply.two-way': snsOf(InboundSmsSchema),
  'record-reply.callback': zm.extend(FunctionUrlRequestSchema, { body: jsonStringified(ReplyCallbackSchema) }),
  'import-file.s3-object-created': S3ObjectCreatedEventSchema,
  'import-file.continuation': ImportContinuationSchema,
  ...Object.fromEntries(
    Object.entries(DOMAIN_EVENTS).map(([type, detail]) => [
      `event.${kebab(type)}`,
      zm.extend(eventBridgeEnvelope(type, detail), { source: z.literal(EVENT_SOURCE) }),
    ]),
  ),
};

const SAMPLE_NAME = /^([a-z0-9]+(?:-[a-z0-9]+)*)\.([a-z0-9]+(?:-[a-z0-9]+)*)\.json$/;

const files = readdirSync(EVENTS_DIR)
  .filter((file) => !file.startsWith('.'))
  .sort();
const readJson = (file: string): unknown => JSON.parse(readFileSync(join(EVENTS_DIR, file), 'utf8'));

function sampleOf(file: string): { fn: string; name: string } {
  const match = SAMPLE_NAME.exec(file);
  if (!match?.[1] || !match[2]) throw new Error(`events/${file}: expected <function>.<case>.json in kebab case`);
  return { fn: match[1], name: `${match[1]}.${match[2]}` };
}

function schemaFor(file: string): z.core.$ZodType | undefined {
  const { fn, name } = sampleOf(file);
  return registry[name] ?? registry[fn];
}

describe('events/ samples', () => {
  it('are named <function>.<case>.json', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(() => sampleOf(file), file).not.toThrow();
  });

  it.each(files)('%s parses against its schema', (file) => {
    const schema = schemaFor(file);
    if (!schema) expect.fail(`events/${file} has no schema in the registry of test/unit/events.test.ts`);
    const parsed = zm.safeParse(schema, readJson(file));
    if (!parsed.success) expect.fail(`events/${file}: ${z.prettifyError(parsed.error)}`);
  });

  it('cover every registry entry and every domain event type', () => {
    const covered = new Set(files.flatMap((file) => [sampleOf(file).name, sampleOf(file).fn]));
    expect(Object.keys(registry).filter((name) => !covered.has(name))).toEqual([]);
    for (const type of Object.keys(DOMAIN_EVENTS)) expect(files).toContain(`event.${kebab(type)}.json`);
  });

  it('are real SQS batches: unique message ids and md5OfBody the MD5 of the body', () => {
    for (const file of files.filter((name) => ['scan-shard', 'send-message'].includes(sampleOf(name).fn))) {
      const { Records } = SqsEventSchema.parse(readJson(file));
      expect(new Set(Records.map((record) => record.messageId)).size).toBe(Records.length);
      for (const record of Records) {
        expect(record.md5OfBody, `${file} ${record.messageId}`).toBe(createHash('md5').update(record.body, 'utf8').digest('hex'));
      }
    }
  });

  it('send jobs carry the parts their text really takes', () => {
    for (const file of files.filter((name) => sampleOf(name).fn === 'send-message')) {
      const batch = sqsBatchOf(SendJobMessageSchema).parse(readJson(file));
      for (const { body } of batch.Records) expect(body.parts, body.text).toBe(smsParts(body.text).parts);
    }
  });

  it('use only synthetic phone numbers (+86 138 0013 8xxx)', () => {
    for (const file of files) {
      const numbers = readFileSync(join(EVENTS_DIR, file), 'utf8').match(/\+\d{6,}/g) ?? [];
      for (const number of numbers) expect(number, file).toMatch(/^\+8613800138\d{3}$/);
    }
  });
});

describe('the envelopes copied from Powertools parser (kept out of the bundles: its modules keep all of zod)', () => {
  it('are the shapes the installed parser defines', () => {
    expect(z.toJSONSchema(EventBridgeSchema)).toEqual(z.toJSONSchema(PowertoolsEventBridgeSchema));
    expect(z.toJSONSchema(SnsEventSchema)).toEqual(z.toJSONSchema(PowertoolsSnsSchema));
    expect(z.toJSONSchema(FunctionUrlRequestSchema)).toEqual(z.toJSONSchema(PowertoolsFunctionUrlSchema));
  });
});

describe('the SQS envelope', () => {
  it('takes the nulls AWS may send (no attribute digest, a binary attribute) as absent fields', () => {
    // Prepare: a sample record as AWS may deliver it
    const sample = SqsEventSchema.parse(readJson('scan-shard.sqs-batch.json'));
    const [record] = sample.Records;
    const event = {
      Records: [{ ...record, md5OfMessageAttributes: null, messageAttributes: { trace: { dataType: 'Binary', binaryValue: 'AAE=', stringValue: null } } }],
    };

    // Act
    const parsed = SqsEventSchema.parse(event);

    // Assess
    expect(parsed.Records[0]?.md5OfMessageAttributes).toBeUndefined();
    expect(parsed.Records[0]?.messageAttributes.trace).toEqual({ dataType: 'Binary', binaryValue: 'AAE=', stringValue: undefined });
  });

  it('refuses a batch without records', () => {
    expect(SqsEventSchema.safeParse({ Records: [] }).success).toBe(false);
  });
});
