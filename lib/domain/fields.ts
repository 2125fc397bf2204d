import * as z from 'zod';
import { CalendarDateSchema } from '../config/schema.ts';

/*
 * The field schemas the records, events and messages share. A zod schema is immutable, so one
 * instance serves every field of its kind: each chained method builds new instances (a
 * `z.number().int().nonnegative()` is five), and building them is most of what a cold start
 * spends beyond the SDK (docs/architecture.md#bundles-and-cold-start). A field with a check of
 * its own (a length limit, a message) is still written where it is.
 */

export const NonEmptyStringSchema = z.string().min(1);
export const OptionalNonEmptyStringSchema = NonEmptyStringSchema.optional();
export const OptionalStringSchema = z.string().optional();
/** A whole number >= 0: counts, versions, indexes. */
export const CountSchema = z.number().int().nonnegative();
export const PositiveIntSchema = z.number().int().positive();
export const OptionalPositiveIntSchema = PositiveIntSchema.optional();
/** An amount of money (or any quantity) >= 0. */
export const AmountSchema = z.number().nonnegative();
export const OptionalAmountSchema = AmountSchema.optional();
/** An ISO 8601 instant with an offset or `Z`. */
export const InstantSchema = z.iso.datetime({ offset: true });
export const OptionalCalendarDateSchema = CalendarDateSchema.optional();
export const ChannelSchema = z.enum(['sms', 'push']);
export const OptionalBooleanSchema = z.boolean().optional();
export const FalseByDefaultSchema = z.boolean().default(false);
/** A count that is 0 when absent. */
export const ZeroByDefaultSchema = CountSchema.default(0);
export const EmptyStringByDefaultSchema = z.string().default('');
export const StringListSchema = z.array(z.string());
/** A string list that is `[]` when absent (zod clones the default for every parse). */
export const EmptyListByDefaultSchema = StringListSchema.default([]);
/** Trimmed, then at least one character. */
export const TrimmedNonEmptyStringSchema = z.string().trim().min(1);
