import * as z from 'zod/mini';

/*
 * A request to a Lambda function URL, as Powertools parser 2.35.0 defines it
 * (`LambdaFunctionUrlSchema`: API Gateway's HTTP API payload 2.0), copied for the reason
 * lib/events/eventbridge-envelope.ts gives; test/unit/events.test.ts holds it to the parser's.
 */

const StringRecordSchema = z.record(z.string(), z.string());
const StringArraySchema = z.array(z.string());

const ClientCertSchema = z.object({
  clientCertPem: z.string(),
  subjectDN: z.string(),
  issuerDN: z.string(),
  serialNumber: z.string(),
  validity: z.object({
    notBefore: z.string(),
    notAfter: z.string(),
  }),
});

const AuthorizerSchema = z.object({
  jwt: z.optional(
    z.object({
      claims: z.record(z.string(), z.any()),
      scopes: z.nullable(StringArraySchema),
    }),
  ),
  iam: z.optional(
    z.object({
      accessKey: z.optional(z.string()),
      accountId: z.optional(z.string()),
      callerId: z.optional(z.string()),
      principalOrgId: z.nullish(z.string()),
      userArn: z.optional(z.string()),
      userId: z.optional(z.string()),
      cognitoIdentity: z.nullish(
        z.object({
          amr: StringArraySchema,
          identityId: z.string(),
          identityPoolId: z.string(),
        }),
      ),
    }),
  ),
  lambda: z.nullish(z.record(z.string(), z.any())),
});

const RequestContextSchema = z.object({
  accountId: z.string(),
  apiId: z.string(),
  authorizer: z.optional(AuthorizerSchema),
  authentication: z.nullish(
    z.object({
      clientCert: z.optional(ClientCertSchema),
    }),
  ),
  domainName: z.string(),
  domainPrefix: z.string(),
  http: z.object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']),
    path: z.string(),
    protocol: z.string(),
    sourceIp: z.union([z.ipv4(), z.ipv6()]),
    userAgent: z.string(),
  }),
  requestId: z.string(),
  routeKey: z.string(),
  stage: z.string(),
  time: z.string(),
  timeEpoch: z.number(),
});

/** A request to a Lambda function URL. */
export const FunctionUrlRequestSchema = z.object({
  version: z.string(),
  routeKey: z.string(),
  rawPath: z.string(),
  rawQueryString: z.string(),
  cookies: z.optional(StringArraySchema),
  headers: StringRecordSchema,
  queryStringParameters: z.optional(StringRecordSchema),
  requestContext: RequestContextSchema,
  body: z.optional(z.string()),
  pathParameters: z.nullish(StringRecordSchema),
  isBase64Encoded: z.boolean(),
  stageVariables: z.nullish(StringRecordSchema),
});
export type FunctionUrlRequest = z.infer<typeof FunctionUrlRequestSchema>;
