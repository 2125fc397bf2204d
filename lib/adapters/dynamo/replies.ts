import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { personKey } from '../../domain/hashing.ts';
import type { MessageMove } from '../../domain/message-state.ts';
import type { LedgerEntry } from '../../domain/records.ts';
import type { LedgerRef, MessageMoveFields, Receipts, Replies, ReplyMark } from '../../ports/store.ts';
import { PORT_ACCESS } from '../../store/access.ts';
import { keys } from '../../store/tables.ts';
import { ledgerKey, markOptedOut, moveMessage, readCustomerLedger } from './customers.ts';
import { ProfileReadingAdapter } from './items.ts';
import { PortAdapter, type CapacityMeter } from './table.ts';

/* The ports of what comes back from the phone: delivery events and replies. */

export class DynamoReceipts extends PortAdapter implements Receipts {
  constructor(client: DynamoDBClient, tableName: string, usage?: CapacityMeter) {
    super(client, tableName, PORT_ACCESS.receipts, usage);
  }

  moveLedgerStatus(customerId: string, ledger: LedgerRef, move: MessageMove, extra: MessageMoveFields = {}): Promise<boolean> {
    return moveMessage(this.table, customerId, ledger, move, extra);
  }

  async hasLedgerEntry(customerId: string, ledger: LedgerRef): Promise<boolean> {
    const result = await this.table.doc.send(
      this.table.checked(new GetCommand({ TableName: this.table.tableName, Key: ledgerKey(customerId, ledger), ProjectionExpression: 'pk', ReturnConsumedCapacity: 'TOTAL' })),
    );
    this.table.count(result.ConsumedCapacity, 'read', 0.5);
    return result.Item !== undefined;
  }
}

export class DynamoReplies extends ProfileReadingAdapter implements Replies {
  constructor(client: DynamoDBClient, tableName: string, usage?: CapacityMeter) {
    super(client, tableName, PORT_ACCESS.replies, usage);
  }

  /** The customers linked to the number's person key (written by imports and seeding). */
  async customersLinkedTo(phone: string): Promise<string[]> {
    const links = await this.table.queryPartition({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :customer)',
      ExpressionAttributeValues: { ':pk': keys.person(personKey({ channel: 'sms', to: phone })), ':customer': keys.customer('') },
    });
    return links.flatMap((link) => (typeof link.customerId === 'string' ? [link.customerId] : [])).sort();
  }

  markOptedOut(customerId: string, at: string): Promise<void> {
    return markOptedOut(this.table, customerId, at);
  }

  getCustomerLedger(customerId: string, sinceRunDate: string): Promise<LedgerEntry[]> {
    return readCustomerLedger(this.table, customerId, sinceRunDate);
  }

  recordReply(customerId: string, ledger: LedgerRef, reply: ReplyMark): Promise<boolean> {
    return this.table.conditional(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: ledgerKey(customerId, ledger),
        UpdateExpression: 'SET #reply = :reason, #repliedAt = :at, #replyId = :id',
        // The latest reply wins; the same inbound message twice changes nothing.
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#repliedAt) OR (#repliedAt <= :at AND #replyId <> :id))',
        ExpressionAttributeNames: { '#reply': 'reply', '#repliedAt': 'repliedAt', '#replyId': 'replyId' },
        ExpressionAttributeValues: { ':reason': reply.reason, ':at': reply.at, ':id': reply.replyId },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  markOptedOutAfter(customerId: string, ledger: LedgerRef, at: string): Promise<boolean> {
    return this.table.markOnce(ledgerKey(customerId, ledger), { optedOutAt: at }, 'optedOutAt');
  }
}
