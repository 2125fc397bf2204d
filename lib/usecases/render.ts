import type { CampaignConfig, Step } from '../config/schema.ts';
import { couponCode } from '../domain/coupon.ts';
import { addDays, type CalendarDate } from '../domain/dates.ts';
import { categoryOf } from '../domain/journeys.ts';
import { smsParts } from '../domain/sms.ts';
import { renderMessage } from '../domain/template.ts';

export interface StepMessageInput {
  step: Step;
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
  /** The last day the coupon is valid, as the text says. */
  couponExpiry?: CalendarDate;
}

/**
 * One step's message for one customer: the template filled with the name, category and coupon
 * (its code derived from `couponKey`, so the same key always yields the same code), plus the
 * opt-out text on SMS. The daily run and the test campaign render through this one function.
 */
export function renderStepMessage(config: CampaignConfig, couponSecret: string, input: StepMessageInput): StepMessage {
  const { step } = input;
  const code = step.coupon ? couponCode(couponSecret, input.couponKey) : undefined;
  const expiry = step.coupon ? addDays(input.runDate, step.coupon.validDays) : undefined;
  const text = renderMessage(
    step.template,
    {
      shop: config.shopName,
      name: input.name,
      category: categoryOf(config, input.category)?.name ?? '',
      ...(step.coupon ? { couponValue: step.coupon.value, minSpend: step.coupon.minSpend } : {}),
      ...(expiry ? { expiry } : {}),
      ...(code ? { code } : {}),
    },
    step.channel === 'sms' ? config.sms.optOutText : '',
  );
  const parts = step.channel === 'sms' ? smsParts(text).parts : 1;
  return { text, parts, ...(code ? { couponCode: code } : {}), ...(expiry ? { couponExpiry: expiry } : {}) };
}
