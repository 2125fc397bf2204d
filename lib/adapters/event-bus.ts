import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import * as z from 'zod/mini';
import type { DomainEvent, EventSchemas } from '../events/catalog.ts';
import { EVENT_SOURCE } from '../events/domain-events.ts';
import { backoffMs, isThrottling, positiveAttempts, wait, type RetryOptions } from './retry.ts';
import type { EventPublisher } from '../ports/messaging.ts';
import { PermanentError, RecallError } from '../errors.ts';

/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_BATCH_SIZE = 10;

/**
 * Per-entry codes that no retry will fix (the PutEvents API reference lists them as
 * non-retryable): sending them again only delays the error.
 */
const PERMANENT_ENTRY_CODES = new Set([
  'AccessDeniedException',
  'InvalidAccountIdException',
  'InvalidArgument',
  'MalformedDetail',
  'RedactionFailure',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
]);

const THROTTLING_ERROR_NAMES = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException']);

export type EventPublisherOptions = RetryOptions;

/** A domain event whose detail does not match its schema: a bug in the caller, never retried. */
export class InvalidDomainEventError extends PermanentError {
  override name = 'InvalidDomainEventError';
}

/** Entries the bus did not accept after every attempt (or refused for good). */
export class EventPublishError extends RecallError {
  override name = 'EventPublishError';

  constructor(
    readonly failures: readonly { type: string; code: string }[],
    /** False when at least one entry failed with a code that no retry will fix. */
    readonly retryable: boolean,
  ) {
    const codes = [...new Set(failures.map((failure) => failure.code))].join(', ');
    super(`PutEvents: ${failures.length} ${failures.length === 1 ? 'entry' : 'entries'} failed (${codes})`);
  }
}

/**
 * Publishes our domain events to our EventBridge bus (docs/architecture.md#domain-events), each
 * checked against its schema among `schemas`: a function's publisher is given those of the events
 * it publishes, so its bundle builds no other, and any other type is refused.
 */
export class EventBridgePublisher implements EventPublisher {
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly schemas: EventSchemas,
    { maxAttempts = 5, sleep = wait }: EventPublisherOptions = {},
  ) {
    this.maxAttempts = positiveAttempts(maxAttempts);
    this.sleep = sleep;
  }

  async publish(events: readonly DomainEvent[]): Promise<void> {
    // Every event is checked before the first call, so a bad one never leaves half a batch sent.
    const entries = events.map((event) => this.entry(event));
    for (let start = 0; start < entries.length; start += PUT_EVENTS_BATCH_SIZE) {
      await this.putBatch(entries.slice(start, start + PUT_EVENTS_BATCH_SIZE));
    }
  }

  private entry(event: DomainEvent): PutEventsRequestEntry {
    const schema: z.core.$ZodType | undefined = this.schemas[event.type];
    if (schema === undefined) throw new InvalidDomainEventError(`${String(event.type)} is not an event this publisher publishes`);
    const parsed = z.safeParse(schema, event.detail);
    if (!parsed.success) {
      throw new InvalidDomainEventError(`${event.type} detail is invalid: ${z.prettifyError(parsed.error)}`);
    }
    return { EventBusName: this.busName, Source: EVENT_SOURCE, DetailType: event.type, Detail: JSON.stringify(parsed.data) };
  }

  private async putBatch(batch: PutEventsRequestEntry[]): Promise<void> {
    let pending = batch;
    let lastCodes: string[] = [];
    const permanent: { type: string; code: string }[] = [];
    for (let attempt = 0; attempt < this.maxAttempts && pending.length > 0; attempt += 1) {
      if (attempt > 0) await this.sleep(backoffMs(attempt));
      let codes: (string | undefined)[];
      try {
        codes = await this.put(pending);
      } catch (error) {
        if (!isThrottling(error, THROTTLING_ERROR_NAMES)) throw error;
        codes = pending.map(() => error.name);
      }
      const retry: PutEventsRequestEntry[] = [];
      lastCodes = [];
      codes.forEach((code, index) => {
        const entry = pending[index];
        if (code === undefined || entry === undefined) return;
        if (PERMANENT_ENTRY_CODES.has(code)) {
          permanent.push({ type: entry.DetailType ?? '', code });
        } else {
          retry.push(entry);
          lastCodes.push(code);
        }
      });
      pending = retry;
    }
    const failures = [
      ...permanent,
      ...pending.map((entry, index) => ({ type: entry.DetailType ?? '', code: lastCodes[index] ?? 'Unknown' })),
    ];
    if (failures.length > 0) throw new EventPublishError(failures, permanent.length === 0);
  }

  /** The error code of each entry, by index; undefined where the entry was accepted. */
  private async put(entries: PutEventsRequestEntry[]): Promise<(string | undefined)[]> {
    const result = await this.client.send(new PutEventsCommand({ Entries: entries }));
    const codes = entries.map((_, index) => result.Entries?.[index]?.ErrorCode);
    // A failure count with no per-entry code to match it: nothing tells which ones went through.
    if ((result.FailedEntryCount ?? 0) > 0 && codes.every((code) => code === undefined)) {
      return entries.map(() => 'Unknown');
    }
    return codes;
  }
}
