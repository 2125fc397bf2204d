import { PinpointSMSVoiceV2Client, SendTextMessageCommand, type SendTextMessageCommandInput } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { CampaignConfig } from '../config/schema.ts';
import { windowState } from '../domain/send-window.ts';
import type { SendJob, Transport } from '../ports/messaging.ts';
import { OptedOutError, PermanentDeliveryError, RetryableDeliveryError } from '../ports/messaging.ts';

/** SendTextMessage's TimeToLive range, in seconds (API reference). */
export const TIME_TO_LIVE = { min: 5, max: 259_200 } as const;

/** The stack's End User Messaging resources a send names. */
export interface SmsVoiceResources {
  /** Its event destination carries each message's delivery events, with `Context`, back to the ledger. */
  configurationSetName: string;
  /** The pool of the merchant's registered identities; absent, the account's default route is used. */
  poolId?: string;
}

/** The ledger key of a message, as `Context` carries it to every delivery event of that message. */
export function ledgerContext(job: Pick<SendJob, 'customerId' | 'journeyId' | 'cycle' | 'stepId'>): Record<string, string> {
  return { customerId: job.customerId, journeyId: job.journeyId, cycle: job.cycle, stepId: job.stepId };
}

/**
 * `sms.maxPriceUsd` as SendTextMessage's MaxPrice: a string of dollars per part, at most 5
 * decimals (the API's pattern `[0-9]{0,2}\.[0-9]{1,5}`): 0.05 -> "0.05", 1 -> "1.0".
 */
export function maxPrice(usd: number): string {
  const fixed = usd.toFixed(5).replace(/0+$/, '');
  return fixed.endsWith('.') ? `${fixed}0` : fixed;
}

const MESSAGE_TYPES = { Promotional: 'PROMOTIONAL', Transactional: 'TRANSACTIONAL' } as const;

/**
 * SMS through AWS End User Messaging SMS (SendTextMessage), at most once: the sender moved the
 * ledger to `sending` before this is called, and an outcome this cannot know is rethrown, so the
 * message stays unconfirmed instead of going out twice.
 *
 * Each message names the stack's configuration set (its delivery events find the ledger item
 * through `Context`), the pool, the SMS type, the price ceiling per part, and a time to live that
 * ends when the customer's send window closes: a message the carrier cannot take before then
 * expires instead of arriving late at night.
 */
export class SmsVoiceTransport implements Transport {
  constructor(
    private readonly client: PinpointSMSVoiceV2Client,
    private readonly config: CampaignConfig,
    private readonly resources: SmsVoiceResources,
  ) {}

  async deliver(job: SendJob, sentAt: Date): Promise<void> {
    if (job.channel !== 'sms') throw new PermanentDeliveryError(`${job.journeyId}/${job.stepId}: End User Messaging sends SMS, not ${job.channel}`);
    const window = windowState(sentAt, job.timeZone ?? this.config.merchantTimeZone, this.config);
    // Not called at all: certainly not taken, so the message goes back to `claimed` for a later try.
    if (!window.open || window.closesInSeconds < TIME_TO_LIVE.min) {
      throw new RetryableDeliveryError(`${job.journeyId}/${job.stepId}: the send window is closed in the customer's time zone; not sent`);
    }
    const input: SendTextMessageCommandInput = {
      DestinationPhoneNumber: job.to,
      MessageBody: job.text,
      MessageType: MESSAGE_TYPES[this.config.sms.smsType],
      ConfigurationSetName: this.resources.configurationSetName,
      ...(this.resources.poolId ? { OriginationIdentity: this.resources.poolId } : {}),
      ...(this.config.sms.maxPriceUsd !== undefined ? { MaxPrice: maxPrice(this.config.sms.maxPriceUsd) } : {}),
      TimeToLive: Math.min(window.closesInSeconds, TIME_TO_LIVE.max),
      Context: ledgerContext(job),
    };
    try {
      await this.client.send(new SendTextMessageCommand(input));
    } catch (error) {
      throw sorted(error);
    }
  }
}

/**
 * What an error says about the message. Only errors the service returned before sending are
 * sorted; anything else (a timeout, a 5xx, a crash) is returned as it is: the message may have
 * gone out. Messages name the error and its reason, never the number or the text.
 */
function sorted(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const { Reason: reason, ResourceType: resourceType } = error as { Reason?: unknown; ResourceType?: unknown };
  const why = [error.name, typeof reason === 'string' ? reason : undefined, typeof resourceType === 'string' ? `on ${resourceType}` : undefined].filter(Boolean).join(' ');
  switch (error.name) {
    case 'ConflictException':
      // The number is on the opt-out list (a STOP, a keyword reply, or an import): the real opt-out signal.
      if (reason === 'DESTINATION_PHONE_NUMBER_OPTED_OUT') return new OptedOutError(why, { cause: error });
      return new PermanentDeliveryError(why, { cause: error });
    // A quota (the monthly spend limit, a daily limit per destination) refuses the request before
    // anything is sent, as a throttle does: the message may go on a later try, and meanwhile the
    // send queue's DLQ and the spend alarm tell a person.
    case 'ThrottlingException':
    case 'ServiceQuotaExceededException':
      return new RetryableDeliveryError(why, { cause: error });
    case 'ValidationException':
    case 'ResourceNotFoundException':
    case 'AccessDeniedException':
      return new PermanentDeliveryError(why, { cause: error });
    default:
      return error;
  }
}
