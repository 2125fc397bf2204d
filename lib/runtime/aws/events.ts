import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '../../adapters/event-bus.ts';
import { requireEnv } from './env.ts';

export function eventPublisher(): EventBridgePublisher {
  return new EventBridgePublisher(new EventBridgeClient({}), requireEnv('EVENT_BUS_NAME'));
}
