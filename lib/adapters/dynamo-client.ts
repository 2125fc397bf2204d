import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
  InternalServerError,
  ItemCollectionSizeLimitExceededException,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ResourceNotFoundException,
  type AttributeValue,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { EmbeddedCall } from './embedded-dynamo.ts';
import { tracer } from '../observability/powertools.ts';

type Signer = Extract<NonNullable<DynamoDBClientConfig['signer']>, { sign: unknown }>;
type RequestHandler = NonNullable<DynamoDBClientConfig['requestHandler']>;

/**
 * The embedded store's signer: dynalite requires SigV4's headers (an Authorization header naming
 * a credential scope, and X-Amz-Date) but never checks the signature, so none is computed: signing
 * is about 7% of the client's work per request in the demo's lived days. Any other endpoint is signed.
 */
export const unsignedSigV4: Signer = {
  sign(request, options) {
    const date = new Date(options?.signingDate ?? Date.now()).toISOString().replace(/[-:]|\.\d{3}/g, '');
    request.headers['x-amz-date'] = date;
    request.headers.authorization = `AWS4-HMAC-SHA256 Credential=local/${date.slice(0, 8)}/${options?.signingRegion ?? 'us-east-1'}/${options?.signingService ?? 'dynamodb'}/aws4_request, SignedHeaders=host;x-amz-date, Signature=unsigned`;
    return Promise.resolve(request);
  },
};

/** Clients of an embedded store in its own thread: their document clients call it directly. */
const embeddedCalls = new WeakMap<DynamoDBClient, EmbeddedCall>();

/**
 * A client for any DynamoDB-API endpoint; local endpoints need no real credentials, and the
 * embedded store (`embedded`) no signature; `thread` is the embedded store's own thread, reached
 * without TCP. Captured by the tracer either way: it traces only inside Lambda, where a function
 * may still be pointed at another endpoint (the bundle tests).
 */
export function dynamoClient(endpoint?: string, options: { embedded?: boolean; thread?: { call: EmbeddedCall; requestHandler: RequestHandler } } = {}): DynamoDBClient {
  const client = endpoint
    ? new DynamoDBClient({
        endpoint,
        region: process.env.AWS_REGION ?? 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 5,
        ...(options.embedded || options.thread ? { signer: unsignedSigV4 } : {}),
        ...(options.thread ? { requestHandler: options.thread.requestHandler } : {}),
      })
    : new DynamoDBClient({});
  if (options.thread) embeddedCalls.set(client, options.thread.call);
  return tracer.captureAWSv3Client(client);
}

/**
 * The document client the adapters send their commands with. On an embedded store in its own
 * thread, the item commands skip the SDK's request pipeline (endpoint rules, serialization, retries,
 * signing, HTTP, deserialization: about half of a command's CPU on this thread in the demo's lived
 * days): each is marshalled as lib-dynamodb marshals it, sent to dynalite as the JSON body the SDK
 * would send, and its answer unmarshalled, or thrown as the SDK's exception of that name.
 * dynalite does everything it does for an HTTP request: validation, conditions, indexes.
 * Any other command, and every other endpoint, goes through the SDK.
 */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const call = embeddedCalls.get(client);
  if (!call) return doc;
  const sdkSend = doc.send.bind(doc);
  const send = (command: Parameters<typeof sdkSend>[0]): Promise<unknown> => {
    const operation = itemOperation(command);
    return operation ? sendEmbedded(call, operation, command.input) : sdkSend(command);
  };
  // The same overloads as the SDK's send: each command still gets its own output type.
  doc.send = send as typeof doc.send;
  return doc;
}

type Json = Record<string, unknown>;
type Operation = (typeof ITEM_OPERATIONS)[number][1];

/** The DynamoDB action of each document-client command the adapters send. */
export const ITEM_OPERATIONS = [
  [GetCommand, 'GetItem'],
  [PutCommand, 'PutItem'],
  [UpdateCommand, 'UpdateItem'],
  [DeleteCommand, 'DeleteItem'],
  [QueryCommand, 'Query'],
  [ScanCommand, 'Scan'],
  [BatchGetCommand, 'BatchGetItem'],
  [BatchWriteCommand, 'BatchWriteItem'],
] as const;

/** Parameters whose values lib-dynamodb would marshal beyond those handled here: such a command takes the SDK's path. */
const LEGACY_PARAMETERS = ['Expected', 'AttributeUpdates', 'KeyConditions', 'QueryFilter', 'ScanFilter'];

function itemOperation(command: { input: object }): Operation | undefined {
  if (LEGACY_PARAMETERS.some((name) => name in command.input)) return undefined;
  return ITEM_OPERATIONS.find(([type]) => command instanceof type)?.[1];
}

function record(value: unknown): Json {
  return typeof value === 'object' && value !== null ? (value as Json) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Each value of a map (RequestItems, Responses, Unprocessed...) mapped by `map`. */
function eachTable(value: unknown, map: (request: unknown) => unknown): Json | undefined {
  return value === undefined ? undefined : Object.fromEntries(Object.entries(record(value)).map(([table, request]) => [table, map(request)]));
}

const toItem = (value: unknown) => (value === undefined ? undefined : marshall(record(value), { removeUndefinedValues: true }));
const fromItem = (value: unknown) => (value === undefined ? undefined : unmarshall(record(value) as Record<string, AttributeValue>));

/** The input as lib-dynamodb's marshalling middleware would hand it to the serializer. */
function marshalled(operation: Operation, input: Json): Json {
  switch (operation) {
    case 'GetItem':
      return { ...input, Key: toItem(input.Key) };
    case 'PutItem':
      return { ...input, Item: toItem(input.Item), ExpressionAttributeValues: toItem(input.ExpressionAttributeValues) };
    case 'UpdateItem':
    case 'DeleteItem':
      return { ...input, Key: toItem(input.Key), ExpressionAttributeValues: toItem(input.ExpressionAttributeValues) };
    case 'Query':
    case 'Scan':
      return { ...input, ExclusiveStartKey: toItem(input.ExclusiveStartKey), ExpressionAttributeValues: toItem(input.ExpressionAttributeValues) };
    case 'BatchGetItem':
      return { ...input, RequestItems: eachTable(input.RequestItems, (request) => ({ ...record(request), Keys: list(record(request).Keys).map(toItem) })) };
    case 'BatchWriteItem':
      return { ...input, RequestItems: eachTable(input.RequestItems, (requests) => list(requests).map((request) => writeRequest(request, toItem))) };
  }
}

/** The output as lib-dynamodb's unmarshalling middleware would return it. */
function unmarshalled(operation: Operation, output: Json): Json {
  switch (operation) {
    case 'GetItem':
      return { ...output, Item: fromItem(output.Item) };
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return { ...output, Attributes: fromItem(output.Attributes) };
    case 'Query':
    case 'Scan':
      return { ...output, Items: output.Items === undefined ? undefined : list(output.Items).map(fromItem), LastEvaluatedKey: fromItem(output.LastEvaluatedKey) };
    case 'BatchGetItem':
      return {
        ...output,
        Responses: eachTable(output.Responses, (items) => list(items).map(fromItem)),
        UnprocessedKeys: eachTable(output.UnprocessedKeys, (request) => ({ ...record(request), Keys: list(record(request).Keys).map(fromItem) })),
      };
    case 'BatchWriteItem':
      return { ...output, UnprocessedItems: eachTable(output.UnprocessedItems, (requests) => list(requests).map((request) => writeRequest(request, fromItem))) };
  }
}

function writeRequest(request: unknown, convert: (item: unknown) => unknown): Json {
  const { PutRequest: put, DeleteRequest: remove } = record(request);
  return {
    ...(put === undefined ? {} : { PutRequest: { ...record(put), Item: convert(record(put).Item) } }),
    ...(remove === undefined ? {} : { DeleteRequest: { ...record(remove), Key: convert(record(remove).Key) } }),
  };
}

async function sendEmbedded(call: EmbeddedCall, operation: Operation, input: object): Promise<unknown> {
  const response = await call(operation, JSON.stringify(marshalled(operation, record(input))));
  const body = record(response.body ? JSON.parse(response.body) : {});
  const $metadata = { httpStatusCode: response.statusCode, requestId: response.headers['x-amzn-requestid'], attempts: 1, totalRetryDelay: 0 };
  if (response.statusCode === 200) return { ...unmarshalled(operation, body), $metadata };
  throw serviceError(body, response.statusCode, $metadata);
}

/**
 * The modeled exceptions of the item operations that dynalite answers with, by name. Listed, not
 * looked up on the client's namespace: that import keeps every export of the client in each
 * function's bundle (about 50 KB).
 */
const MODELED_ERRORS: Record<string, new (options: { $metadata: DynamoDBServiceException['$metadata']; message: string }) => DynamoDBServiceException> = {
  ConditionalCheckFailedException,
  InternalServerError,
  ItemCollectionSizeLimitExceededException,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ResourceNotFoundException,
};

/** The SDK's exception for an error answer: its modeled class when it has one (ConditionalCheckFailedException), else a DynamoDBServiceException of that name. */
function serviceError(body: Json, statusCode: number, $metadata: DynamoDBServiceException['$metadata']): DynamoDBServiceException {
  const name = String(body.__type ?? 'UnknownError').replace(/^.*#/, '');
  const message = String(body.message ?? body.Message ?? name);
  const $fault = statusCode >= 500 ? 'server' : 'client';
  const Exception = Object.hasOwn(MODELED_ERRORS, name) ? MODELED_ERRORS[name] : undefined;
  if (Exception) return Object.assign(new Exception({ $metadata, message }), errorFields(body));
  return new DynamoDBServiceException({ name, $fault, $metadata, message });
}

/** An error answer's own fields (a condition failure's Item when asked for), unmarshalled as the SDK would return them. */
function errorFields(body: Json): Json {
  return body.Item === undefined ? {} : { Item: body.Item };
}
