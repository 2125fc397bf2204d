import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { CampaignConfigSchema } from '../../config/schema.ts';
import { EmptyStringByDefaultSchema, PositiveIntSchema } from '../../domain/fields.ts';
import { CorruptItemError } from '../../domain/records.ts';
import type { ConfigPushes, StoredConfig } from '../../ports/store.ts';
import { PORT_ACCESS } from '../../store/access.ts';
import { keys } from '../../store/tables.ts';
import { PortAdapter, type CapacityMeter } from './table.ts';

/*
 * The campaign config's versions under `CONFIG` / `V#<version, 8 digits>`, so the newest sorts
 * last. The config is kept as its JSON text: DynamoDB would drop empty strings and reorder nothing
 * a reader cares about, but the text is what `config show` prints and what a diff compares.
 */

const StoredItemSchema = z.object({
  version: PositiveIntSchema,
  config: z.string(),
  /** The deploy's seed has none (a template cannot say when it runs). */
  storedAt: EmptyStringByDefaultSchema,
  source: z.string(),
});

function fromItem(item: Record<string, unknown>): StoredConfig {
  const parsed = StoredItemSchema.safeParse(item);
  const config = parsed.success ? CampaignConfigSchema.safeParse(parseJsonText(parsed.data.config)) : undefined;
  if (!parsed.success || !config?.success) throw new CorruptItemError(`config version item ${String(item.sk)} is not a valid config version`);
  return { ...parsed.data, config: config.data };
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export class DynamoConfigVersions extends PortAdapter implements ConfigPushes {
  constructor(client: DynamoDBClient, tableName: string, usage?: CapacityMeter, access = PORT_ACCESS.configPushes) {
    super(client, tableName, access, usage);
  }

  async currentConfig(): Promise<StoredConfig | undefined> {
    const result = await this.table.doc.send(
      this.table.checked(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.config },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    this.table.count(result.ConsumedCapacity, 'read', 1);
    const [item] = result.Items ?? [];
    return item ? fromItem(item) : undefined;
  }

  async configVersion(version: number): Promise<StoredConfig | undefined> {
    const item = await this.table.consistentGet({ pk: keys.config, sk: keys.configVersion(version) });
    return item ? fromItem(item) : undefined;
  }

  async configHistory(): Promise<StoredConfig[]> {
    const items = await this.table.queryPartition({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.config } });
    return items.map(fromItem);
  }

  putConfigVersion(stored: StoredConfig): Promise<boolean> {
    return this.table.conditional(
      new PutCommand({
        TableName: this.table.tableName,
        Item: { pk: keys.config, sk: keys.configVersion(stored.version), ...stored, config: JSON.stringify(stored.config, null, 2) },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }
}

/** The read-only view every function gets: its grant has no PutItem on `CONFIG`. */
export class DynamoConfigReads extends DynamoConfigVersions {
  constructor(client: DynamoDBClient, tableName: string, usage?: CapacityMeter) {
    super(client, tableName, usage, PORT_ACCESS.configReads);
  }
}
