import { appendFile, chmod, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as z from 'zod';
import type { SendJob, Transport } from '../ports/messaging.ts';

/** One line of `.recall/outbox.jsonl` (docs/architecture.md#contracts): what would have gone to SNS. */
export const OutboxLineSchema = z.object({
  customerId: z.string(),
  channel: z.enum(['sms', 'push']),
  to: z.string(),
  journey: z.string(),
  step: z.string(),
  couponCode: z.string().optional(),
  text: z.string(),
  parts: z.number().int().positive(),
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
