import * as z from 'zod/mini';
import type { CampaignConfig } from '../config/schema.ts';
import { localDate } from '../domain/dates.ts';
import type { PlanRequest } from '../usecases/pipeline.ts';
import { LearnWindowsInputSchema, PlanRecallInputSchema, ScheduledInvocationSchema } from './schemas.ts';
import { BadInputError } from '../errors.ts';

/** An event no schema accepts: permanent, the message names what is wrong. */
export class InvalidEventError extends BadInputError {
  override name = 'InvalidEventError';
}

export function issuesOf(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues.map((issue) => `${issue.path.map(String).join('.') || '(event)'}: ${issue.message}`).join('; ');
}

/**
 * plan-recall's event: a schedule fires one run per merchant day (a schedule delivered twice plans
 * it once); a manual invoke is its own run (a retried invoke keeps its request id).
 */
export function planRequest(event: unknown, requestId: string, config: CampaignConfig): PlanRequest {
  const scheduled = ScheduledInvocationSchema.safeParse(event);
  if (scheduled.success) {
    const runDate = localDate(new Date(scheduled.data.scheduledTime), config.merchantTimeZone);
    return { runId: `daily-${runDate}`, asOf: scheduled.data.scheduledTime, dryRun: false, allowFuture: false };
  }
  if (typeof event === 'object' && event !== null && 'source' in event && event.source === 'aws.scheduler') {
    throw new InvalidEventError(`plan-recall: not a valid schedule invocation: ${issuesOf(scheduled.error)}`);
  }
  const manual = PlanRecallInputSchema.safeParse(event ?? {});
  if (!manual.success) throw new InvalidEventError(`plan-recall: not a schedule invocation nor { asOf?, journeys?, dryRun? }: ${issuesOf(manual.error)}`);
  return {
    runId: `manual-${requestId}`,
    dryRun: manual.data.dryRun,
    allowFuture: manual.data.allowFuture,
    ...(manual.data.asOf ? { asOf: manual.data.asOf } : {}),
    ...(manual.data.journeys ? { journeys: manual.data.journeys } : {}),
  };
}

/** learn-windows's event: the weekly schedule's invocation, or `{}` (or nothing) by hand. */
export function learnWindowsRequest(event: unknown): { scheduled: boolean } {
  const scheduled = ScheduledInvocationSchema.safeParse(event);
  if (scheduled.success) return { scheduled: true };
  if (typeof event === 'object' && event !== null && 'source' in event && event.source === 'aws.scheduler') {
    throw new InvalidEventError(`learn-windows: not a valid schedule invocation: ${issuesOf(scheduled.error)}`);
  }
  const manual = LearnWindowsInputSchema.safeParse(event ?? {});
  if (!manual.success) throw new InvalidEventError(`learn-windows: not a schedule invocation nor {}: ${issuesOf(manual.error)}`);
  return { scheduled: false };
}

/** The body of an SQS record, parsed against its schema; a bad body names the message id. */
export function parseBody<S extends z.core.$ZodType>(record: { messageId: string; body: string }, schema: S): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    throw new InvalidEventError(`message ${record.messageId}: body is not JSON`);
  }
  const parsed = z.safeParse(schema, json);
  if (!parsed.success) throw new InvalidEventError(`message ${record.messageId}: ${issuesOf(parsed.error)}`);
  return parsed.data;
}

/** A JSON document checked against `schema`; the problem named by field, never by value. */
export function parseJson<S extends z.core.$ZodType>(text: string, schema: S): { success: true; data: z.infer<S> } | { success: false; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { success: false, problem: 'not JSON' };
  }
  const parsed = z.safeParse(schema, json);
  return parsed.success ? { success: true, data: parsed.data } : { success: false, problem: issuesOf(parsed.error) };
}
