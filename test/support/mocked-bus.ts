import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgePublisher } from '../../lib/adapters/event-bus.ts';
import { DOMAIN_EVENTS } from '../../lib/events/catalog.ts';
import type { CrashPlan } from './crash.ts';

export interface BusEvent {
  type: string;
  detail: Record<string, unknown>;
}

/**
 * Our EventBridge bus, mocked with aws-sdk-client-mock: records every accepted entry. With a crash
 * plan and `countsAsWrite`, each PutEvents call is a crash point like a write.
 */
export class EventBus {
  readonly eventBridge = mockClient(EventBridgeClient);
  readonly events: BusEvent[] = [];
  plan: CrashPlan | undefined;
  countsAsWrite = false;

  constructor() {
    this.eventBridge.on(PutEventsCommand).callsFake(async (input: PutEventsCommandInput) => {
      this.plan?.ensureAlive('PutEvents');
      for (const entry of input.Entries ?? []) {
        const detail: unknown = JSON.parse(entry.Detail ?? '{}');
        this.events.push({ type: entry.DetailType ?? '', detail: typeof detail === 'object' && detail !== null ? { ...detail } : {} });
      }
      if (this.countsAsWrite) this.plan?.completed('PutEvents');
      return { FailedEntryCount: 0, Entries: (input.Entries ?? []).map(() => ({ EventId: randomUUID() })) };
    });
  }

  publisher(): EventBridgePublisher {
    return new EventBridgePublisher(new EventBridgeClient({ region: 'us-east-1' }), 'recall-reliability', DOMAIN_EVENTS, { sleep: async () => {} });
  }

  ofType(type: string): BusEvent[] {
    return this.events.filter((event) => event.type === type);
  }

  reset(): void {
    this.events.length = 0;
    this.plan = undefined;
    this.countsAsWrite = false;
  }

  restore(): void {
    this.eventBridge.restore();
  }
}
