import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { tracer } from '../../observability/powertools.ts';
import { SmsVoiceOptOutList } from '../../adapters/sms-voice-opt-out-list.ts';
import { SmsVoiceTransport } from '../../adapters/sms-voice-transport.ts';
import type { CampaignConfig } from '../../config/schema.ts';
import { optionalEnv, requireEnv } from './env.ts';

/**
 * SMS through AWS End User Messaging SMS: the stack's configuration set (SMS_CONFIGURATION_SET_NAME)
 * and, once the merchant's identities are registered, its pool (SMS_POOL_ID).
 */
export function smsVoiceTransport(config: CampaignConfig): SmsVoiceTransport {
  // No SDK retries: a SendTextMessage that failed after reaching the service may have sent the
  // SMS. The sender decides what is safe to retry (a throttle), and SQS redelivers it.
  const client = tracer.captureAWSv3Client(new PinpointSMSVoiceV2Client({ maxAttempts: 1 }));
  const poolId = optionalEnv('SMS_POOL_ID');
  return new SmsVoiceTransport(client, config, { configurationSetName: requireEnv('SMS_CONFIGURATION_SET_NAME'), ...(poolId ? { poolId } : {}) });
}

/** The opt-out list the stack's messages are checked against (SMS_OPT_OUT_LIST_NAME). */
export function smsOptOutList(): SmsVoiceOptOutList {
  return new SmsVoiceOptOutList(tracer.captureAWSv3Client(new PinpointSMSVoiceV2Client({})), requireEnv('SMS_OPT_OUT_LIST_NAME'));
}
