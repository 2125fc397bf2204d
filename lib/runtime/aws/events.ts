import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { tracer } from '../../observability/powertools.ts';
import { EventBridgePublisher } from '../../adapters/event-bus.ts';
import type { EventSchemas } from '../../events/catalog.ts';
import { requireEnv } from './env.ts';

/** The bus publisher of a function that publishes the events of `schemas` (and no other). */
export function eventPublisher(schemas: EventSchemas): EventBridgePublisher {
  return new EventBridgePublisher(tracer.captureAWSv3Client(new EventBridgeClient({})), requireEnv('EVENT_BUS_NAME'), schemas);
}
