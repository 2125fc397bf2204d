import type * as z from 'zod/mini';
import { CouponIssuedSchema, CustomerConvertedSchema, MessageSentSchema, RunCompletedSchema, RunStartedSchema, WindowsLearnedSchema } from './domain-events.ts';
import { ImportCompletedSchema } from './imports.ts';

/**
 * Every domain event type on our bus with its detail schema: the contract subscribers read, which
 * the local runtime checks everything against and the tests hold the samples in `events/` to. A
 * deployed function imports only the schemas of the events it publishes (`EventSchemas`), not this.
 */
export const DOMAIN_EVENTS = {
  RunStarted: RunStartedSchema,
  RunCompleted: RunCompletedSchema,
  MessageSent: MessageSentSchema,
  CouponIssued: CouponIssuedSchema,
  CustomerConverted: CustomerConvertedSchema,
  WindowsLearned: WindowsLearnedSchema,
  ImportCompleted: ImportCompletedSchema,
} as const;
export type DomainEventType = keyof typeof DOMAIN_EVENTS;
export type DomainEvent = {
  [K in DomainEventType]: { type: K; detail: z.infer<(typeof DOMAIN_EVENTS)[K]> };
}[DomainEventType];

/** The detail schemas of the events one publisher may publish. */
export type EventSchemas = Partial<typeof DOMAIN_EVENTS>;
