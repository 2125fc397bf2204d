import { PutOptedOutNumberCommand, type PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { OptOutList } from '../ports/messaging.ts';

/**
 * End User Messaging's opt-out list: a number opted out by a reply that did not come through a
 * pool keyword (another provider's callback) goes onto it too, so the service itself refuses it
 * from then on, whatever sends next. Adding a number already there changes nothing.
 */
export class SmsVoiceOptOutList implements OptOutList {
  constructor(
    private readonly client: PinpointSMSVoiceV2Client,
    private readonly optOutListName: string,
  ) {}

  async add(phone: string): Promise<void> {
    await this.client.send(new PutOptedOutNumberCommand({ OptOutListName: this.optOutListName, OptedOutNumber: phone }));
  }
}
