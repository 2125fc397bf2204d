import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/*
 * The campaign config's schema, which every function builds at import and parses its config
 * versions with on its first invocation. Every schema in the code is written with zod/mini, whose
 * bundle and import cost a fraction of classic zod's (docs/architecture.md#bundles-and-cold-start),
 * with the same checks, defaults and messages (checked on 9,542 altered configs).
 */

/**
 * zod/mini ships no messages of its own: English, as classic zod sets it. Here, because every
 * module with a schema imports this one, so it is set before any parse.
 */
z.config(en());

/** A calendar date, `YYYY-MM-DD`, that exists in the Gregorian calendar. */
export const CalendarDateSchema = z.string().check(
  z.regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD'),
  z.refine((value) => {
    const parsed = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
  }, 'not a real calendar date'),
);

const TimeOfDaySchema = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time as HH:MM (24h)'));

export const TimeZoneSchema = z.string().check(
  z.refine((zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'not an IANA time zone (e.g. Asia/Shanghai)'),
);

const IdSchema = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]*$/, 'use lowercase letters, digits and dashes'), z.maxLength(40));

/** Numbers as the config uses them: `int` and the bounds are checks on one schema. */
const int = (...checks: z.core.$ZodCheck<number>[]) => z.number().check(z.int(), ...checks);

/*
 * Fields that recur share one instance (a schema is immutable; each schema and check is built at
 * import). Those the records and events share too are exported: lib/domain/fields.ts gives them
 * on with the rest of the shared fields, so each is built once.
 */
export const NonEmptyStringSchema = z.string().check(z.minLength(1));
export const TrimmedNonEmptyStringSchema = z.string().check(z.trim(), z.minLength(1));
const PositiveNumberSchema = z.number().check(z.positive());
/** An amount of money (or any quantity) >= 0. */
export const AmountSchema = z.number().check(z.nonnegative());
export const OptionalAmountSchema = z.optional(AmountSchema);
export const OptionalBooleanSchema = z.optional(z.boolean());
const DaysUpTo90Schema = int(z.positive(), z.lte(90));
const DaysUpTo3650Schema = int(z.positive(), z.lte(3650));
const OptionalIdListSchema = z.optional(z.array(IdSchema).check(z.minLength(1)));

export const CouponSchema = z.strictObject({
  value: PositiveNumberSchema,
  minSpend: AmountSchema,
  validDays: int(z.positive(), z.lte(366)),
  /** Member tiers get a bigger coupon (docs/architecture.md#members): tier id to value; others get `value`. */
  valueByTier: z.optional(z.record(z.string(), PositiveNumberSchema)),
  /** Tier id to minimum spend; others spend `minSpend`. */
  minSpendByTier: z.optional(z.record(z.string(), AmountSchema)),
});
export type Coupon = z.infer<typeof CouponSchema>;
const OptionalCouponSchema = z.optional(CouponSchema);

/** One arm of a tested step (docs/architecture.md#variants): what it changes from the step. */
export const VariantSchema = z.strictObject({
  id: IdSchema,
  /** Relative share of the step's customers (weights need not sum to 100). */
  weight: z.number().check(z.positive(), z.lte(1000)),
  template: z.optional(NonEmptyStringSchema),
  coupon: OptionalCouponSchema,
});
export type Variant = z.infer<typeof VariantSchema>;

export const StepSchema = z.strictObject({
  id: IdSchema,
  /** What the report calls the step (e.g. "第1张券"); the id when absent. */
  name: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(60))),
  after: z.strictObject({
    days: int(z.nonnegative(), z.lte(3650)),
    /** `anchor`: counted from the journey anchor (for category-window, from the end of the category window). */
    from: z.enum(['anchor', 'previous-step']),
  }),
  channel: z.enum(['sms', 'push']),
  template: NonEmptyStringSchema,
  coupon: OptionalCouponSchema,
  /**
   * A survey step: reply keys (as the customer types them, e.g. "1") to the reasons they stand for.
   * A reply within `replyDays` after the message is recorded on it (docs/architecture.md#replies).
   */
  replies: z.optional(z.record(TrimmedNonEmptyStringSchema, IdSchema)),
  replyDays: z._default(DaysUpTo90Schema, 7),
  /** Tested arms: each customer gets one, by a stable hash of (customer, journey, step). */
  variants: z.optional(z.array(VariantSchema).check(z.minLength(2), z.maxLength(10))),
});
export type Step = z.infer<typeof StepSchema>;

/** A date-triggered message is sent from `daysBefore` its day until `lateDays` after it, never later. */
const DateTimingShape = {
  daysBefore: z._default(int(z.nonnegative(), z.lte(60)), 0),
  lateDays: z._default(int(z.nonnegative(), z.lte(30)), 0),
};

export const HolidaySchema = z.strictObject({ date: CalendarDateSchema, name: z.string().check(z.trim(), z.minLength(1), z.maxLength(30)) });
export type Holiday = z.infer<typeof HolidaySchema>;

export const TriggerSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('category-window') }),
  z.strictObject({ type: z.literal('recency') }),
  z.strictObject({ type: z.literal('purchase'), minAmount: PositiveNumberSchema }),
  /** The customer's birthday (the `birthday` column), once a year (docs/architecture.md#birthdays-and-holidays). */
  z.strictObject({ type: z.literal('birthday'), ...DateTimingShape }),
  /** Listed dates (lunar holidays move each year: list each year's date), once per holiday. */
  z.strictObject({ type: z.literal('holiday'), dates: z.array(HolidaySchema).check(z.minLength(1), z.maxLength(100)), ...DateTimingShape }),
  /** A customer reaching a higher member tier (`tiers`: only these; default every tier above the first), once per tier. */
  z.strictObject({ type: z.literal('tier-up'), tiers: OptionalIdListSchema }),
]);
export type Trigger = z.infer<typeof TriggerSchema>;
export type DateTrigger = Extract<Trigger, { type: 'birthday' | 'holiday' }>;

/** Birthday and holiday journeys: one message on a date, which expires after it. */
export function isDateTriggered(trigger: Trigger): trigger is DateTrigger {
  return trigger.type === 'birthday' || trigger.type === 'holiday';
}

const RangeSchema = z
  .strictObject({ min: OptionalAmountSchema, max: OptionalAmountSchema })
  .check(z.refine((range) => range.min === undefined || range.max === undefined || range.min <= range.max, 'min must not exceed max'));
const OptionalRangeSchema = z.optional(RangeSchema);

/**
 * Who a journey may message (docs/architecture.md#audiences); every condition given must hold on
 * the day a step is decided. Customers outside it end the step as `skipped:audience`.
 */
export const AudienceSchema = z.strictObject({
  /** Member tier ids. */
  tiers: OptionalIdListSchema,
  /** Bought in at least one of these categories (ever). */
  categories: OptionalIdListSchema,
  /** Orders within the tier period (`tierPeriodDays`). */
  orders: OptionalRangeSchema,
  /** Spend within the tier period. */
  spend: OptionalRangeSchema,
  /** Last order at most this many days before the day. Holiday journeys need it: their reads follow it. */
  lastOrderWithinDays: z.optional(DaysUpTo3650Schema),
  hasSms: OptionalBooleanSchema,
  hasPush: OptionalBooleanSchema,
});
export type Audience = z.infer<typeof AudienceSchema>;

/**
 * A member tier (docs/architecture.md#members): reached when every threshold it sets is met over
 * the tier period (`requires: any`: one is enough). The first tier sets none: everyone has it.
 */
export const TierSchema = z.strictObject({
  id: IdSchema,
  /** What messages call it (`{tier}`), e.g. 至尊VIP. */
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(20)),
  minSpend: OptionalAmountSchema,
  minOrders: z.optional(int(z.positive())),
  requires: z._default(z.enum(['all', 'any']), 'all'),
});
export type Tier = z.infer<typeof TierSchema>;

export const ExitRuleSchema = z.enum(['category-purchase', 'any-purchase', 'never']);
export type ExitRule = z.infer<typeof ExitRuleSchema>;

/** The exit rule each trigger implies (docs/architecture.md#exits); a journey may not contradict it. */
export const exitRuleOf: Record<Trigger['type'], ExitRule> = {
  'category-window': 'category-purchase',
  recency: 'any-purchase',
  purchase: 'never',
  birthday: 'never',
  holiday: 'never',
  'tier-up': 'never',
};

export const JourneySchema = z
  .strictObject({
    id: IdSchema,
    name: NonEmptyStringSchema,
    enabled: z._default(z.boolean(), true),
    /** Higher wins when several journeys are due for one customer in one run. */
    priority: int(),
    trigger: TriggerSchema,
    exit: ExitRuleSchema,
    audience: z.optional(AudienceSchema),
    steps: z.array(StepSchema).check(z.minLength(1), z.maxLength(12)),
    /**
     * Where `--backfill` enters a long-lapsed cycle: `first` (a staged ladder starts at its first
     * step, due on the backfill date, later steps on their spacing) or `latest` (the latest step
     * crossed, once: a lifecycle threshold). Default: `latest` for recency, `first` otherwise.
     */
    backfillFrom: z.optional(z.enum(['first', 'latest'])),
  })
  .check(z.superRefine((journey, ctx) => {
    const expected = exitRuleOf[journey.trigger.type];
    if (journey.exit !== expected) {
      ctx.addIssue({
        code: 'custom',
        path: ['exit'],
        message: `a ${journey.trigger.type} journey exits on "${expected}", not "${journey.exit}"`,
      });
    }
    const seen = new Set<string>();
    journey.steps.forEach((step, index) => {
      if (seen.has(step.id)) {
        ctx.addIssue({ code: 'custom', path: ['steps', index, 'id'], message: `duplicate step id "${step.id}"` });
      }
      seen.add(step.id);
    });
    if (isDateTriggered(journey.trigger)) {
      if (journey.steps.length !== 1) {
        ctx.addIssue({ code: 'custom', path: ['steps'], message: `a ${journey.trigger.type} journey sends one message: give it exactly one step` });
      }
      if (journey.steps[0] && journey.steps[0].after.days !== 0) {
        ctx.addIssue({ code: 'custom', path: ['steps', 0, 'after', 'days'], message: `must be 0: a ${journey.trigger.type} message is timed by trigger.daysBefore` });
      }
    }
    if (journey.trigger.type === 'holiday' && journey.audience?.lastOrderWithinDays === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['audience', 'lastOrderWithinDays'],
        message: 'a holiday journey needs it (e.g. 365: customers who bought within a year): its reads follow customers by last order date, never the whole table',
      });
    }
    journey.steps.forEach((step, index) => {
      const ids = new Set<string>();
      step.variants?.forEach((variant, at) => {
        if (ids.has(variant.id)) ctx.addIssue({ code: 'custom', path: ['steps', index, 'variants', at, 'id'], message: `duplicate variant id "${variant.id}"` });
        ids.add(variant.id);
        if (variant.coupon && !step.coupon) {
          ctx.addIssue({ code: 'custom', path: ['steps', index, 'variants', at, 'coupon'], message: 'the step has no coupon: a variant may change a coupon, not add one' });
        }
      });
    });
    const first = journey.steps[0];
    if (first && first.after.from !== 'anchor') {
      ctx.addIssue({
        code: 'custom',
        path: ['steps', 0, 'after', 'from'],
        message: 'the first step has no previous step: use "anchor"',
      });
    }
  }));
export type Journey = z.infer<typeof JourneySchema>;

export const CategorySchema = z.strictObject({
  id: IdSchema,
  name: NonEmptyStringSchema,
  /** Days after a purchase within which half of second purchases happen. */
  windowDays: int(z.positive(), z.lte(1000)),
  /** The date the current window took effect; lateness never counts from before it (docs/architecture.md#lateness). */
  windowSince: z.optional(CalendarDateSchema),
});
export type Category = z.infer<typeof CategorySchema>;

export const CampaignConfigSchema = z
  .strictObject({
    shopName: z._default(NonEmptyStringSchema, 'Our shop'),
    /** The language of `recall report` (text and HTML); absent: Chinese when defaultCountry is CN, else English. */
    language: z.optional(z.enum(['zh', 'en'])),
    merchantTimeZone: z._default(TimeZoneSchema, 'Asia/Shanghai'),
    defaultCountry: z._default(z.string().check(z.regex(/^[A-Z]{2}$/, 'expected an ISO 3166 alpha-2 country code')), 'CN'),
    sendWindow: z._default(
      z.strictObject({ start: TimeOfDaySchema, end: TimeOfDaySchema }).check(z.refine((window) => window.start < window.end, 'start must be before end')),
      { start: '08:00', end: '20:00' },
    ),
    /** The local time a date-only run (`--as-of DATE`, the daily schedule) stands for. */
    runTime: z._default(TimeOfDaySchema, '10:00'),
    frequencyCap: z._default(z.strictObject({ maxMessages: int(z.positive(), z.lte(20)), perDays: DaysUpTo90Schema }), { maxMessages: 1, perDays: 7 }),
    holdoutPercent: z._default(z.number().check(z.gte(0), z.lte(50)), 10),
    /**
     * `journey`: each journey holds out its own customers; `global`: the same customers are held
     * out of every journey, so the report can measure the whole programme (docs/architecture.md#measurement).
     */
    holdout: z._default(z.strictObject({ scope: z._default(z.enum(['journey', 'global']), 'journey') }), { scope: 'journey' }),
    /** Member tiers, lowest first (docs/architecture.md#members); none: no tiers. */
    tiers: z._default(z.array(TierSchema).check(z.maxLength(10)), []),
    /** The period tier thresholds, audience orders and spend count over, in days, or `lifetime`. */
    tierPeriodDays: z._default(z.union([DaysUpTo3650Schema, z.literal('lifetime')]), 365),
    attributionDays: z._default(DaysUpTo90Schema, 7),
    /**
     * Days a ledger item is kept after its run date; then the table's TTL deletes it. At least the
     * longest coupon validity + `attributionDays` + REPORT_HORIZON_DAYS (checked below); the
     * default is at least that for any valid config.
     */
    retentionDays: z._default(DaysUpTo3650Schema, 900),
    graceDays: z._default(int(z.nonnegative(), z.lte(365)), 14),
    /** Write shards of the due index; each shard is one job of the daily run. */
    shards: z._default(int(z.positive(), z.lte(1024)), 8),
    sms: z._default(
      z.strictObject({
        maxParts: z._default(int(z.positive(), z.lte(10)), 3),
        optOutText: z._default(z.string(), '拒收请回复R'),
        /** Messages (SMS parts) per second across all senders. */
        mps: z._default(z.number().check(z.positive(), z.lte(10_000)), 20),
        smsType: z._default(z.enum(['Promotional', 'Transactional']), 'Promotional'),
        /** The most one part may cost (USD): End User Messaging's MaxPrice takes at most two integer digits. */
        maxPriceUsd: z.optional(z.number().check(z.positive(), z.lt(100))),
        /**
         * Replies that opt a number out (case, full width and surrounding spaces ignored). China's
         * rules require R / TD / 退订 to work.
         */
        optOutKeywords: z._default(z.array(TrimmedNonEmptyStringSchema).check(z.minLength(1)), ['R', 'TD', '退订', 'STOP', 'UNSUBSCRIBE']),
        /** What one SMS part costs (USD) where the provider's event has no price: the report's estimate. */
        pricePerPartUsd: z._default(AmountSchema, 0.02),
      }),
      { maxParts: 3, optOutText: '拒收请回复R', mps: 20, smsType: 'Promotional', optOutKeywords: ['R', 'TD', '退订', 'STOP', 'UNSUBSCRIBE'], pricePerPartUsd: 0.02 },
    ),
    /** The shop's currency and how many of it one USD buys: SMS spend is shown in it too. */
    currency: z._default(z.strictObject({ code: z.string().check(z.regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code')), perUsd: PositiveNumberSchema }), { code: 'CNY', perUsd: 7.1 }),
    /** Only these numbers may receive ad-hoc test campaigns. */
    testAllowlist: z._default(z.array(z.string()), []),
    categories: z.array(CategorySchema).check(z.minLength(1)),
    journeys: z.array(JourneySchema).check(z.minLength(1)),
  })
  .check(z.superRefine((config, ctx) => {
    if (config.defaultCountry === 'CN' && config.sms.optOutText.trim() === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['sms', 'optOutText'],
        message: 'must not be blank while defaultCountry is CN: China requires an opt-out instruction (e.g. 拒收请回复R) in every marketing SMS',
      });
    }
    const minimum = ledgerRetentionMinimum(config);
    if (config.retentionDays < minimum) {
      ctx.addIssue({
        code: 'custom',
        path: ['retentionDays'],
        message:
          `must be at least ${minimum} days: the longest coupon validity (${longestCouponDays(config)}) + attributionDays (${config.attributionDays}) + ` +
          `the report horizon (${REPORT_HORIZON_DAYS}); a ledger item deleted sooner could still be redeemed, converted or reported`,
      });
    }
    if (config.sms.mps < config.sms.maxParts) {
      ctx.addIssue({ code: 'custom', path: ['sms', 'mps'], message: `must be at least sms.maxParts (${config.sms.maxParts}): a message of that many parts could never be sent` });
    }
    const categoryIds = new Set<string>();
    config.categories.forEach((category, index) => {
      if (categoryIds.has(category.id)) {
        ctx.addIssue({ code: 'custom', path: ['categories', index, 'id'], message: `duplicate category "${category.id}"` });
      }
      categoryIds.add(category.id);
    });
    checkTiers(config, ctx);
    const journeyIds = new Set<string>();
    config.journeys.forEach((journey, index) => {
      if (journeyIds.has(journey.id)) {
        ctx.addIssue({ code: 'custom', path: ['journeys', index, 'id'], message: `duplicate journey "${journey.id}"` });
      }
      journeyIds.add(journey.id);
    });
  }));
export type CampaignConfig = z.infer<typeof CampaignConfigSchema>;

type ConfigInput = Pick<CampaignConfig, 'tiers' | 'journeys' | 'categories'>;

/** Tiers ascend, the first is everyone's, and every tier or category a journey names exists. */
function checkTiers(config: ConfigInput, ctx: z.core.$RefinementCtx): void {
  const tierIds = new Set(config.tiers.map((tier) => tier.id));
  if (tierIds.size !== config.tiers.length) ctx.addIssue({ code: 'custom', path: ['tiers'], message: 'tier ids must be unique' });
  const [base, ...higher] = config.tiers;
  if (base && (base.minSpend !== undefined || base.minOrders !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['tiers', 0], message: 'the first tier is every customer\'s: it sets no minSpend or minOrders' });
  }
  higher.forEach((tier, index) => {
    const below = config.tiers[index];
    if (tier.minSpend === undefined && tier.minOrders === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tiers', index + 1], message: 'a tier above the first needs minSpend or minOrders' });
    } else if (below && ((tier.minSpend ?? Infinity) < (below.minSpend ?? 0) || (tier.minOrders ?? Infinity) < (below.minOrders ?? 0))) {
      ctx.addIssue({ code: 'custom', path: ['tiers', index + 1], message: `tiers go lowest first: "${tier.id}" asks less than "${below.id}"` });
    }
  });
  const categoryIds = new Set(config.categories.map((category) => category.id));
  config.journeys.forEach((journey, index) => {
    const unknownTier = (ids: readonly string[] | undefined, path: (string | number)[]) => {
      for (const id of ids ?? []) {
        if (!tierIds.has(id)) ctx.addIssue({ code: 'custom', path: ['journeys', index, ...path], message: `unknown tier "${id}" (tiers: ${[...tierIds].join(', ') || 'none'})` });
      }
    };
    unknownTier(journey.audience?.tiers, ['audience', 'tiers']);
    if (journey.trigger.type === 'tier-up') {
      if (config.tiers.length < 2) ctx.addIssue({ code: 'custom', path: ['journeys', index, 'trigger'], message: 'a tier-up journey needs at least two tiers' });
      unknownTier(journey.trigger.tiers, ['trigger', 'tiers']);
    }
    for (const id of journey.audience?.categories ?? []) {
      if (!categoryIds.has(id)) ctx.addIssue({ code: 'custom', path: ['journeys', index, 'audience', 'categories'], message: `unknown category "${id}"` });
    }
    journey.steps.forEach((step, at) => {
      for (const [where, coupon] of [['coupon', step.coupon], ...(step.variants ?? []).map((variant, v) => [`variants.${v}.coupon`, variant.coupon] as const)] as const) {
        unknownTier(Object.keys(coupon?.valueByTier ?? {}), ['steps', at, ...where.split('.'), 'valueByTier']);
        unknownTier(Object.keys(coupon?.minSpendByTier ?? {}), ['steps', at, ...where.split('.'), 'minSpendByTier']);
      }
    });
  });
}

/** The longest period one report covers (`recall report --from --to`), in days. */
export const REPORT_HORIZON_DAYS = 400;

/** The longest validity of any step's coupon, 0 without coupons. */
export function longestCouponDays(config: Pick<CampaignConfig, 'journeys'>): number {
  return Math.max(
    0,
    ...config.journeys.flatMap((journey) => journey.steps.flatMap((step) => [step.coupon?.validDays ?? 0, ...(step.variants ?? []).map((variant) => variant.coupon?.validDays ?? 0)])),
  );
}

/** The shortest `retentionDays` that keeps a ledger item while a coupon, a conversion or a report can still need it. */
export function ledgerRetentionMinimum(config: Pick<CampaignConfig, 'journeys' | 'attributionDays'>): number {
  return longestCouponDays(config) + config.attributionDays + REPORT_HORIZON_DAYS;
}
