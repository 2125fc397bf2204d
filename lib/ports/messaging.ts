import type * as z from 'zod/mini';
import { PermanentError, RetryableError } from '../errors.ts';
import type { DomainEvent } from '../events/catalog.ts';
import type { SendJobMessageSchema, ShardJobMessage } from '../events/schemas.ts';

/* The ports to everything that is not the table: channels, queues, the bus, time, the pacer. */

/** One claimed message on its way to the channel. */
export type SendJob = z.infer<typeof SendJobMessageSchema>;

/*
 * What a transport may throw: how the channel answered. Anything else is an outcome the sender
 * cannot know (a timeout, a 5xx), which leaves the message unconfirmed.
 */

/** A channel error that will not go away on retry (an invalid number, a disabled endpoint). */
export class PermanentDeliveryError extends PermanentError {
  override name = 'PermanentDeliveryError';
}

/** The channel refused before sending (throttled, unavailable): safe to try again. */
export class RetryableDeliveryError extends RetryableError {
  override name = 'RetryableDeliveryError';
}

/**
 * The number is on the provider's opt-out list (End User Messaging refuses it with ConflictException
 * DESTINATION_PHONE_NUMBER_OPTED_OUT): never try it again.
 */
export class OptedOutError extends PermanentError {
  override name = 'OptedOutError';
}

/** The channel: End User Messaging (SMS) and SNS (push) on AWS, the outbox file locally. */
export interface Transport {
  deliver(job: SendJob, sentAt: Date): Promise<void>;
}

/** The provider's own list of numbers it refuses to send to (End User Messaging's opt-out list on AWS). */
export interface OptOutList {
  add(phone: string): Promise<void>;
}

/** Hands claimed messages to the sender: the SQS send queue on AWS, inline delivery locally. */
export interface SendQueue {
  /** `delaySeconds` (at most 900, SQS's limit): a message waiting for the send window to open. */
  enqueue(jobs: readonly SendJob[], options?: { delaySeconds?: number }): Promise<void>;
}

export interface Clock {
  now(): Date;
}

/** Our EventBridge bus: MessageSent, CouponIssued, CustomerConverted, RunStarted, RunCompleted. */
export interface EventPublisher {
  publish(events: readonly DomainEvent[]): Promise<void>;
}

/** Shard jobs of a run: the SQS work queue on AWS. */
export interface WorkQueue {
  enqueue(jobs: readonly ShardJobMessage[]): Promise<void>;
}

/** Keeps all concurrent senders together at or below the configured SMS parts per second. */
export interface Pacer {
  /** Resolves when `parts` more parts may go out now. */
  reserve(parts: number): Promise<void>;
}
