import type { CampaignConfig, Step, Tier, Variant } from '../config/schema.ts';
import { couponCode } from '../domain/coupon.ts';
import { addDays, type CalendarDate } from '../domain/dates.ts';
import { categoryOf } from '../domain/journeys.ts';
import { smsParts } from '../domain/sms.ts';
import { armOf, couponForTier, renderMessage } from '../domain/template.ts';

export interface StepMessageInput {
  step: Step;
  /** The customer's member tier on the day the step is decided; undefined without tiers. */
  tier: Tier | undefined;
  /** The customer's arm of a tested step (`variantOf`); undefined when the step has no variants. */
  variant: Variant | undefined;
  /** The customer's name as the shop has it (an empty one becomes the neutral greeting). */
  name: string;
  /** The category id of a category-window cycle. */
  category: string | undefined;
  /** The coupon's validity counts from this day. */
  runDate: CalendarDate;
  /** What the coupon code is derived from: the ledger key of a real send. */
  couponKey: string;
}

export interface StepMessage {
  text: string;
  /** SMS parts for an SMS step, 1 for push. */
  parts: number;
  couponCode?: string;
  /** The coupon's value for the customer's tier: what the ledger keeps as its cost. */
  couponValue?: number;
  /** The last day the coupon is valid, as the text says. */
  couponExpiry?: CalendarDate;
}

/**
 * One step's message for one customer: the variant's (else the step's) template filled with the
 * name, category, tier and coupon (its amounts for the tier, its code derived from `couponKey`, so
 * the same key always yields the same code), plus the opt-out text on SMS. The daily run, the test
 * campaign and the forecast render through this one function.
 */
export function renderStepMessage(config: CampaignConfig, couponSecret: string, input: StepMessageInput): StepMessage {
  const { step } = input;
  const { template, coupon } = armOf(step, input.variant);
  const amounts = coupon ? couponForTier(coupon, input.tier) : undefined;
  const code = coupon ? couponCode(couponSecret, input.couponKey) : undefined;
  const expiry = coupon ? addDays(input.runDate, coupon.validDays) : undefined;
  const text = renderMessage(
    template,
    {
      shop: config.shopName,
      name: input.name,
      category: categoryOf(config, input.category)?.name ?? '',
      tier: input.tier?.name ?? '',
      ...(amounts ? { couponValue: amounts.value, minSpend: amounts.minSpend } : {}),
      ...(expiry ? { expiry } : {}),
      ...(code ? { code } : {}),
    },
    step.channel === 'sms' ? config.sms.optOutText : '',
  );
  const parts = step.channel === 'sms' ? smsParts(text).parts : 1;
  return { text, parts, ...(code ? { couponCode: code } : {}), ...(amounts ? { couponValue: amounts.value } : {}), ...(expiry ? { couponExpiry: expiry } : {}) };
}
