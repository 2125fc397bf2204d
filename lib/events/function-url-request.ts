import * as z from 'zod';

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
  jwt: z
    .object({
      claims: z.record(z.string(), z.any()),
      scopes: StringArraySchema.nullable(),
    })
    .optional(),
  iam: z
    .object({
      accessKey: z.string().optional(),
      accountId: z.string().optional(),
      callerId: z.string().optional(),
      principalOrgId: z.string().nullish(),
      userArn: z.string().optional(),
      userId: z.string().optional(),
      cognitoIdentity: z
        .object({
          amr: StringArraySchema,
          identityId: z.string(),
          identityPoolId: z.string(),
        })
        .nullish(),
    })
    .optional(),
  lambda: z.record(z.string(), z.any()).nullish(),
});

const RequestContextSchema = z.object({
  accountId: z.string(),
  apiId: z.string(),
  authorizer: AuthorizerSchema.optional(),
  authentication: z
    .object({
      clientCert: ClientCertSchema.optional(),
    })
    .nullish(),
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
  cookies: StringArraySchema.optional(),
  headers: StringRecordSchema,
  queryStringParameters: StringRecordSchema.optional(),
  requestContext: RequestContextSchema,
  body: z.string().optional(),
  pathParameters: StringRecordSchema.nullish(),
  isBase64Encoded: z.boolean(),
  stageVariables: StringRecordSchema.nullish(),
});
export type FunctionUrlRequest = z.infer<typeof FunctionUrlRequestSchema>;
