import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { tracer } from '../../observability/powertools.ts';
import { EventBridgePublisher } from '../../adapters/event-bus.ts';
import { requireEnv } from './env.ts';

export function eventPublisher(): EventBridgePublisher {
  return new EventBridgePublisher(tracer.captureAWSv3Client(new EventBridgeClient({})), requireEnv('EVENT_BUS_NAME'));
}
