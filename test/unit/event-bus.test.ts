import {
  EventBridgeClient,
  PutEventsCommand,
  ThrottlingException,
  type PutEventsCommandInput,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBridgePublisher, EventPublishError, InvalidDomainEventError } from '../../lib/adapters/event-bus.ts';
import { DOMAIN_EVENTS, type DomainEvent } from '../../lib/events/catalog.ts';
import { EVENT_SOURCE, MessageSentSchema } from '../../lib/events/domain-events.ts';

const BUS = 'recall-events';
const noSleep = async () => {};

const client = new EventBridgeClient({ region: 'ap-southeast-1' });
const bus = mockClient(client);

afterEach(() => bus.reset());

type MessageSentEvent = Extract<DomainEvent, { type: 'MessageSent' }>;

function messageSent(n: number): MessageSentEvent {
  return {
    type: 'MessageSent',
    detail: {
      customerId: `c${String(n).padStart(6, '0')}`,
      journeyId: 'category-recall',
      stepId: 'coupon-1',
      cycle: 'cosmetics@2026-09-07',
      channel: 'sms',
      parts: 2,
      sentAt: '2026-11-22T02:00:05.000Z',
    },
  };
}

function putCalls(): PutEventsCommandInput[] {
  return bus.commandCalls(PutEventsCommand).map((call) => call.args[0].input);
}

function customerIds(input: PutEventsCommandInput | undefined): string[] {
  return (input?.Entries ?? []).map((entry) => MessageSentSchema.parse(JSON.parse(entry.Detail ?? '{}')).customerId);
}

/** A bus that answers each entry by its customer id: `codes(id)` is its error code, if any. */
function busAnswering(codes: (customerId: string) => string | undefined): void {
  bus.on(PutEventsCommand).callsFake((input: PutEventsCommandInput): PutEventsCommandOutput => {
    const entries = customerIds(input).map((id, index) => {
      const code = codes(id);
      return code === undefined ? { EventId: `evt-${id}-${index}` } : { ErrorCode: code, ErrorMessage: `${code} for ${id}` };
    });
    return { $metadata: {}, FailedEntryCount: entries.filter((entry) => 'ErrorCode' in entry).length, Entries: entries };
  });
}

describe('EventBridgePublisher', () => {
  it('sends 23 events as PutEvents calls of 10, 10 and 3 entries, in order', async () => {
    busAnswering(() => undefined);
    const events = Array.from({ length: 23 }, (_, n) => messageSent(n));

    await new EventBridgePublisher(client, BUS, DOMAIN_EVENTS, { sleep: noSleep }).publish(events);

    const calls = putCalls();
    expect(calls.map((input) => input.Entries?.length)).toEqual([10, 10, 3]);
    expect(calls.flatMap(customerIds)).toEqual(events.map((event) => event.detail.customerId));
    const [first] = calls[0]?.Entries ?? [];
    expect(first).toEqual({
      EventBusName: BUS,
      Source: EVENT_SOURCE,
      DetailType: 'MessageSent',
      Detail: JSON.stringify(messageSent(0).detail),
    });
  });

  it('sends nothing for no events', async () => {
    await new EventBridgePublisher(client, BUS, DOMAIN_EVENTS, { sleep: noSleep }).publish([]);

    expect(putCalls()).toHaveLength(0);
  });

  it('resends only the entries that failed, and waits before it does', async () => {
    const failOnce = new Set(['c000003', 'c000007']);
    busAnswering((id) => (failOnce.delete(id) ? 'ThrottlingException' : undefined));
    const waits: number[] = [];

    await new EventBridgePublisher(client, BUS, DOMAIN_EVENTS, { sleep: async (ms) => void waits.push(ms) }).publish(
      Array.from({ length: 10 }, (_, n) => messageSent(n)),
    );

    const calls = putCalls();
    expect(calls.map((input) => input.Entries?.length)).toEqual([10, 2]);
    expect(customerIds(calls[1])).toEqual(['c000003', 'c000007']);
    expect(waits).toHaveLength(1);
  });

  it('gives up after maxAttempts and names how many entries failed and why', async () => {
    busAnswering((id) => (id === 'c000004' ? 'InternalFailure' : undefined));
    const publisher = new EventBridgePublisher(client, BUS, DOMAIN_EVENTS, { maxAttempts: 4, sleep: noSleep });

    const error = await publisher.publish(Array.from({ length: 6 }, (_, n) => messageSent(n))).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(EventPublishError);
    expect(error).toMatchObject({ message: 'PutEvents: 1 entry failed (InternalFailure)', retryable: true });
    expect(putCalls().map((input) => input.Entries?.length)).toEqual([6, 1, 1, 1]);
  });

  it('does not resend an entry refused with a permanent code', async () => {
    busAnswering((id) => (id === 'c000001' ? 'NotAuthorizedForSourceException' : undefined));

    const publish = new EventBridgePublisher(client, BUS, DOMAIN_EVENTS, { sleep: noSleep }).publish([messageSent(0), messageSent(1)]);

    await expect(publish).rejects.toMatchObject({
      message: 'PutEvents: 1 entry failed (NotAuthorizedForSourceException)',
      retryable: false,
    });
    expect(putCalls()).toHaveLength(1);
  });

  it('retries a whole call that was throttled', async () => {
    bus
      .on(PutEventsCommand)
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }))
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }, { EventId: 'e2' }] });

    await new EventBridgePublisher(client, BUS, DOMAIN_EVENTS, { sleep: noSleep }).publish([messageSent(0), messageSent(1)]);

    expect(putCalls().map((input) => input.Entries?.length)).toEqual([2, 2]);
  });

  it('rethrows an error that is not throttling at once', async () => {
    bus.on(PutEventsCommand).rejects(new Error('AccessDeniedException: not authorized'));

    const publish = new EventBridgePublisher(client, BUS, DOMAIN_EVENTS, { sleep: noSleep }).publish([messageSent(0)]);

    await expect(publish).rejects.toThrow('AccessDeniedException');
    expect(putCalls()).toHaveLength(1);
  });

  it('treats a failure count with no per-entry codes as every entry failed', async () => {
    bus.on(PutEventsCommand).resolvesOnce({ FailedEntryCount: 1 }).resolves({ FailedEntryCount: 0 });

    await new EventBridgePublisher(client, BUS, DOMAIN_EVENTS, { sleep: noSleep }).publish([messageSent(0), messageSent(1)]);

    expect(putCalls().map((input) => input.Entries?.length)).toEqual([2, 2]);
  });

  it('refuses an event with an invalid detail before any call', async () => {
    busAnswering(() => undefined);
    const valid = messageSent(1);
    // Well typed, yet no message has zero parts: only the schema can tell.
    const bad: MessageSentEvent = { type: 'MessageSent', detail: { ...valid.detail, parts: 0 } };

    const publish = new EventBridgePublisher(client, BUS, DOMAIN_EVENTS, { sleep: noSleep }).publish([messageSent(0), bad]);

    await expect(publish).rejects.toBeInstanceOf(InvalidDomainEventError);
    await expect(publish).rejects.toThrow(/MessageSent detail is invalid/);
    expect(putCalls()).toHaveLength(0);
  });

  it('refuses an event its function does not publish, before any call', async () => {
    busAnswering(() => undefined);

    const publish = new EventBridgePublisher(client, BUS, { RunStarted: DOMAIN_EVENTS.RunStarted }, { sleep: noSleep }).publish([messageSent(0)]);

    await expect(publish).rejects.toBeInstanceOf(InvalidDomainEventError);
    await expect(publish).rejects.toThrow('MessageSent is not an event this publisher publishes');
    expect(putCalls()).toHaveLength(0);
  });
});
