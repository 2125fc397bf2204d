import * as z from 'zod';

/** A calendar date, `YYYY-MM-DD`, that exists in the Gregorian calendar. */
export const CalendarDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((value) => {
    const parsed = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
  }, 'not a real calendar date');

const TimeOfDaySchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time as HH:MM (24h)');

export const TimeZoneSchema = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'not an IANA time zone (e.g. Asia/Shanghai)');

const IdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lowercase letters, digits and dashes')
  .max(40);

export const CouponSchema = z.strictObject({
  value: z.number().positive(),
  minSpend: z.number().nonnegative(),
  validDays: z.number().int().positive().max(366),
  /** Member tiers get a bigger coupon (docs/architecture.md#members): tier id to value; others get `value`. */
  valueByTier: z.record(z.string(), z.number().positive()).optional(),
  /** Tier id to minimum spend; others spend `minSpend`. */
  minSpendByTier: z.record(z.string(), z.number().nonnegative()).optional(),
});
export type Coupon = z.infer<typeof CouponSchema>;

/** One arm of a tested step (docs/architecture.md#variants): what it changes from the step. */
export const VariantSchema = z.strictObject({
  id: IdSchema,
  /** Relative share of the step's customers (weights need not sum to 100). */
  weight: z.number().positive().max(1000),
  template: z.string().min(1).optional(),
  coupon: CouponSchema.optional(),
});
export type Variant = z.infer<typeof VariantSchema>;

export const StepSchema = z.strictObject({
  id: IdSchema,
  /** What the report calls the step (e.g. "第1张券"); the id when absent. */
  name: z.string().trim().min(1).max(60).optional(),
  after: z.strictObject({
    days: z.number().int().nonnegative().max(3650),
    /** `anchor`: counted from the journey anchor (for category-window, from the end of the category window). */
    from: z.enum(['anchor', 'previous-step']),
  }),
  channel: z.enum(['sms', 'push']),
  template: z.string().min(1),
  coupon: CouponSchema.optional(),
  /**
   * A survey step: reply keys (as the customer types them, e.g. "1") to the reasons they stand for.
   * A reply within `replyDays` after the message is recorded on it (docs/architecture.md#replies).
   */
  replies: z.record(z.string().trim().min(1), IdSchema).optional(),
  replyDays: z.number().int().positive().max(90).default(7),
  /** Tested arms: each customer gets one, by a stable hash of (customer, journey, step). */
  variants: z.array(VariantSchema).min(2).max(10).optional(),
});
export type Step = z.infer<typeof StepSchema>;

/** A date-triggered message is sent from `daysBefore` its day until `lateDays` after it, never later. */
const DateTimingShape = {
  daysBefore: z.number().int().nonnegative().max(60).default(0),
  lateDays: z.number().int().nonnegative().max(30).default(0),
};

export const HolidaySchema = z.strictObject({ date: CalendarDateSchema, name: z.string().trim().min(1).max(30) });
export type Holiday = z.infer<typeof HolidaySchema>;

export const TriggerSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('category-window') }),
  z.strictObject({ type: z.literal('recency') }),
  z.strictObject({ type: z.literal('purchase'), minAmount: z.number().positive() }),
  /** The customer's birthday (the `birthday` column), once a year (docs/architecture.md#birthdays-and-holidays). */
  z.strictObject({ type: z.literal('birthday'), ...DateTimingShape }),
  /** Listed dates (lunar holidays move each year: list each year's date), once per holiday. */
  z.strictObject({ type: z.literal('holiday'), dates: z.array(HolidaySchema).min(1).max(100), ...DateTimingShape }),
  /** A customer reaching a higher member tier (`tiers`: only these; default every tier above the first), once per tier. */
  z.strictObject({ type: z.literal('tier-up'), tiers: z.array(IdSchema).min(1).optional() }),
]);
export type Trigger = z.infer<typeof TriggerSchema>;
export type DateTrigger = Extract<Trigger, { type: 'birthday' | 'holiday' }>;

/** Birthday and holiday journeys: one message on a date, which expires after it. */
export function isDateTriggered(trigger: Trigger): trigger is DateTrigger {
  return trigger.type === 'birthday' || trigger.type === 'holiday';
}

const RangeSchema = z
  .strictObject({ min: z.number().nonnegative().optional(), max: z.number().nonnegative().optional() })
  .refine((range) => range.min === undefined || range.max === undefined || range.min <= range.max, 'min must not exceed max');

/**
 * Who a journey may message (docs/architecture.md#audiences); every condition given must hold on
 * the day a step is decided. Customers outside it end the step as `skipped:audience`.
 */
export const AudienceSchema = z.strictObject({
  /** Member tier ids. */
  tiers: z.array(IdSchema).min(1).optional(),
  /** Bought in at least one of these categories (ever). */
  categories: z.array(IdSchema).min(1).optional(),
  /** Orders within the tier period (`tierPeriodDays`). */
  orders: RangeSchema.optional(),
  /** Spend within the tier period. */
  spend: RangeSchema.optional(),
  /** Last order at most this many days before the day. Holiday journeys need it: their reads follow it. */
  lastOrderWithinDays: z.number().int().positive().max(3650).optional(),
  hasSms: z.boolean().optional(),
  hasPush: z.boolean().optional(),
});
export type Audience = z.infer<typeof AudienceSchema>;

/**
 * A member tier (docs/architecture.md#members): reached when every threshold it sets is met over
 * the tier period (`requires: any`: one is enough). The first tier sets none: everyone has it.
 */
export const TierSchema = z.strictObject({
  id: IdSchema,
  /** What messages call it (`{tier}`), e.g. 至尊VIP. */
  name: z.string().trim().min(1).max(20),
  minSpend: z.number().nonnegative().optional(),
  minOrders: z.number().int().positive().optional(),
  requires: z.enum(['all', 'any']).default('all'),
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
    name: z.string().min(1),
    enabled: z.boolean().default(true),
    /** Higher wins when several journeys are due for one customer in one run. */
    priority: z.number().int(),
    trigger: TriggerSchema,
    exit: ExitRuleSchema,
    audience: AudienceSchema.optional(),
    steps: z.array(StepSchema).min(1).max(12),
    /**
     * Where `--backfill` enters a long-lapsed cycle: `first` (a staged ladder starts at its first
     * step, due on the backfill date, later steps on their spacing) or `latest` (the latest step
     * crossed, once: a lifecycle threshold). Default: `latest` for recency, `first` otherwise.
     */
    backfillFrom: z.enum(['first', 'latest']).optional(),
  })
  .superRefine((journey, ctx) => {
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
  });
export type Journey = z.infer<typeof JourneySchema>;

export const CategorySchema = z.strictObject({
  id: IdSchema,
  name: z.string().min(1),
  /** Days after a purchase within which half of second purchases happen. */
  windowDays: z.number().int().positive().max(1000),
  /** The date the current window took effect; lateness never counts from before it (docs/architecture.md#lateness). */
  windowSince: CalendarDateSchema.optional(),
});
export type Category = z.infer<typeof CategorySchema>;

export const CampaignConfigSchema = z
  .strictObject({
    shopName: z.string().min(1).default('Our shop'),
    /** The language of `recall report` (text and HTML); absent: Chinese when defaultCountry is CN, else English. */
    language: z.enum(['zh', 'en']).optional(),
    merchantTimeZone: TimeZoneSchema.default('Asia/Shanghai'),
    defaultCountry: z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166 alpha-2 country code').default('CN'),
    sendWindow: z
      .strictObject({ start: TimeOfDaySchema, end: TimeOfDaySchema })
      .refine((window) => window.start < window.end, 'start must be before end')
      .default({ start: '08:00', end: '20:00' }),
    /** The local time a date-only run (`--as-of DATE`, the daily schedule) stands for. */
    runTime: TimeOfDaySchema.default('10:00'),
    frequencyCap: z
      .strictObject({
        maxMessages: z.number().int().positive().max(20),
        perDays: z.number().int().positive().max(90),
      })
      .default({ maxMessages: 1, perDays: 7 }),
    holdoutPercent: z.number().min(0).max(50).default(10),
    /**
     * `journey`: each journey holds out its own customers; `global`: the same customers are held
     * out of every journey, so the report can measure the whole programme (docs/architecture.md#measurement).
     */
    holdout: z.strictObject({ scope: z.enum(['journey', 'global']).default('journey') }).default({ scope: 'journey' }),
    /** Member tiers, lowest first (docs/architecture.md#members); none: no tiers. */
    tiers: z.array(TierSchema).max(10).default([]),
    /** The period tier thresholds, audience orders and spend count over, in days, or `lifetime`. */
    tierPeriodDays: z.union([z.number().int().positive().max(3650), z.literal('lifetime')]).default(365),
    attributionDays: z.number().int().positive().max(90).default(7),
    /**
     * Days a ledger item is kept after its run date; then the table's TTL deletes it. At least the
     * longest coupon validity + `attributionDays` + REPORT_HORIZON_DAYS (checked below); the
     * default is at least that for any valid config.
     */
    retentionDays: z.number().int().positive().max(3650).default(900),
    graceDays: z.number().int().nonnegative().max(365).default(14),
    /** Write shards of the due index; each shard is one job of the daily run. */
    shards: z.number().int().positive().max(1024).default(8),
    sms: z
      .strictObject({
        maxParts: z.number().int().positive().max(10).default(3),
        optOutText: z.string().default('拒收请回复R'),
        /** Messages (SMS parts) per second across all senders. */
        mps: z.number().positive().max(10_000).default(20),
        smsType: z.enum(['Promotional', 'Transactional']).default('Promotional'),
        /** The most one part may cost (USD): End User Messaging's MaxPrice takes at most two integer digits. */
        maxPriceUsd: z.number().positive().lt(100).optional(),
        /**
         * Replies that opt a number out (case, full width and surrounding spaces ignored). China's
         * rules require R / TD / 退订 to work.
         */
        optOutKeywords: z.array(z.string().trim().min(1)).min(1).default(['R', 'TD', '退订', 'STOP', 'UNSUBSCRIBE']),
        /** What one SMS part costs (USD) where the provider's event has no price: the report's estimate. */
        pricePerPartUsd: z.number().nonnegative().default(0.02),
      })
      .default({ maxParts: 3, optOutText: '拒收请回复R', mps: 20, smsType: 'Promotional', optOutKeywords: ['R', 'TD', '退订', 'STOP', 'UNSUBSCRIBE'], pricePerPartUsd: 0.02 }),
    /** The shop's currency and how many of it one USD buys: SMS spend is shown in it too. */
    currency: z
      .strictObject({ code: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code'), perUsd: z.number().positive() })
      .default({ code: 'CNY', perUsd: 7.1 }),
    /** Only these numbers may receive ad-hoc test campaigns. */
    testAllowlist: z.array(z.string()).default([]),
    categories: z.array(CategorySchema).min(1),
    journeys: z.array(JourneySchema).min(1),
  })
  .superRefine((config, ctx) => {
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
  });
export type CampaignConfig = z.infer<typeof CampaignConfigSchema>;

type ConfigInput = Pick<CampaignConfig, 'tiers' | 'journeys' | 'categories'>;

/** Tiers ascend, the first is everyone's, and every tier or category a journey names exists. */
function checkTiers(config: ConfigInput, ctx: z.RefinementCtx): void {
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
