import * as z from 'zod/mini';
import { CalendarDateSchema, NonEmptyStringSchema } from '../config/schema.ts';

/*
 * The field schemas the records, events and messages share. A zod schema is immutable, so one
 * instance serves every field of its kind: each schema and check is an object built at import,
 * and building them is part of what a cold start spends beyond the SDK
 * (docs/architecture.md#bundles-and-cold-start). A field with a check of its own (a length limit,
 * a message) is still written where it is. Those the config schema needs too are defined there, the
 * bottom layer, and given on from here.
 */

export { AmountSchema, NonEmptyStringSchema, OptionalAmountSchema, OptionalBooleanSchema, TrimmedNonEmptyStringSchema } from '../config/schema.ts';

export const OptionalNonEmptyStringSchema = z.optional(NonEmptyStringSchema);
export const OptionalStringSchema = z.optional(z.string());
/** A whole number >= 0: counts, versions, indexes. */
export const CountSchema = z.number().check(z.int(), z.nonnegative());
export const OptionalCountSchema = z.optional(CountSchema);
export const PositiveIntSchema = z.number().check(z.int(), z.positive());
export const OptionalPositiveIntSchema = z.optional(PositiveIntSchema);
/** An ISO 8601 instant with an offset or `Z`. */
export const InstantSchema = z.iso.datetime({ offset: true });
export const OptionalInstantSchema = z.optional(InstantSchema);
export const OptionalCalendarDateSchema = z.optional(CalendarDateSchema);
export const ChannelSchema = z.enum(['sms', 'push']);
export const OptionalChannelSchema = z.optional(ChannelSchema);
export const FalseByDefaultSchema = z._default(z.boolean(), false);
/** A count that is 0 when absent. */
export const ZeroByDefaultSchema = z._default(CountSchema, 0);
export const EmptyStringByDefaultSchema = z._default(z.string(), '');
export const StringListSchema = z.array(z.string());
export const OptionalStringListSchema = z.optional(StringListSchema);
/** A string list that is `[]` when absent (zod clones the default for every parse). */
export const EmptyListByDefaultSchema = z._default(StringListSchema, []);
