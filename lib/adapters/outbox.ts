import { createHash } from 'node:crypto';
import { appendFile, chmod, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as z from 'zod/mini';
import { ChannelSchema, OptionalStringSchema, PositiveIntSchema } from '../domain/fields.ts';
import type { SmsEvent } from '../domain/sms-events.ts';
import type { SendJob, Transport } from '../ports/messaging.ts';

/** One line of `.recall/outbox.jsonl` (docs/architecture.md#contracts): what would have gone to SNS. */
export const OutboxLineSchema = z.object({
  customerId: z.string(),
  channel: ChannelSchema,
  to: z.string(),
  journey: z.string(),
  step: z.string(),
  couponCode: OptionalStringSchema,
  text: z.string(),
  parts: PositiveIntSchema,
  sentAt: z.string(),
});
export type OutboxLine = z.infer<typeof OutboxLineSchema>;

/**
 * The local transport: appends each delivered message to a JSON-lines file instead of calling SNS.
 * The file holds phone numbers, so it is readable by its owner only (also one an older version made).
 */
export class OutboxTransport implements Transport {
  private ready: Promise<unknown> | undefined;

  constructor(readonly file: string) {}

  async deliver(job: SendJob, sentAt: Date): Promise<void> {
    this.ready ??= this.prepare();
    await this.ready;
    const line: OutboxLine = {
      customerId: job.customerId,
      channel: job.channel,
      to: job.to,
      journey: job.journeyId,
      step: job.stepId,
      ...(job.couponCode ? { couponCode: job.couponCode } : {}),
      text: job.text,
      parts: job.parts,
      sentAt: sentAt.toISOString(),
    };
    await appendFile(this.file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
  }

  private async prepare(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await appendFile(this.file, '', { mode: 0o600 });
    await chmod(this.file, 0o600);
  }
}

/**
 * What End User Messaging would report for a message the outbox took: delivered, or for a share of
 * `failedPercent` (chosen by the message's key, so a re-run reports the same) unreachable. The
 * local runtime records it as record-delivery does on AWS.
 */
export function outboxDeliveryEvent(job: SendJob, at: Date, failedPercent: number): SmsEvent {
  const { customerId, journeyId, cycle, stepId } = job;
  const key = createHash('sha256').update(`${customerId}\n${journeyId}\n${cycle}\n${stepId}`).digest();
  const failed = key.readUInt16BE(0) % 10_000 < failedPercent * 100;
  return {
    eventType: failed ? 'TEXT_UNREACHABLE' : 'TEXT_DELIVERED',
    eventTimestamp: at.getTime(),
    isFinal: true,
    messageId: `outbox-${key.toString('hex', 0, 16)}`,
    messageStatus: failed ? 'UNREACHABLE' : 'DELIVERED',
    destinationPhoneNumber: job.to,
    context: { customerId, journeyId, cycle, stepId },
    totalMessageParts: job.parts,
  };
}
