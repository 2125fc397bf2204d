import type { SendJob, Transport } from '../ports/messaging.ts';

/**
 * One transport per channel behind the one the sender calls: on AWS, SMS through End User
 * Messaging and push through SNS. (Locally the outbox takes both.)
 */
export class Channels implements Transport {
  constructor(private readonly byChannel: Readonly<Record<SendJob['channel'], Transport>>) {}

  deliver(job: SendJob, sentAt: Date): Promise<void> {
    return this.byChannel[job.channel].deliver(job, sentAt);
  }
}
