/**
 * The environment the AWS composition root (lib/runtime/aws/) reads, as a handler test sets it:
 * the table and the names of the AWS resources around it, which test/support/aws-mocks.ts answers.
 */

import { SMS_RESOURCES } from './sms-channel.ts';

export const WORK_QUEUE_URL = 'https://sqs.ap-southeast-1.amazonaws.com/123456789012/recall-work';
export const SEND_QUEUE_URL = 'https://sqs.ap-southeast-1.amazonaws.com/123456789012/recall-send';
export const EVENT_BUS_NAME = 'recall-events';
export const COUPON_SECRET_ARN = 'arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:recall/coupon-AbC123';
export const COUPON_SECRET = 'handler-test-coupon-secret';

/** Sets what lib/runtime/aws/ reads; the handlers build their clients on first invocation. */
export function setHandlerEnv(table: { tableName: string; endpoint: string }): void {
  process.env.TABLE_NAME = table.tableName;
  process.env.DYNAMODB_ENDPOINT = table.endpoint;
  process.env.EVENT_BUS_NAME = EVENT_BUS_NAME;
  process.env.WORK_QUEUE_URL = WORK_QUEUE_URL;
  process.env.SEND_QUEUE_URL = SEND_QUEUE_URL;
  process.env.COUPON_SECRET_ARN = COUPON_SECRET_ARN;
  process.env.SMS_CONFIGURATION_SET_NAME = SMS_RESOURCES.configurationSetName;
}
