import * as z from 'zod/mini';

/**
 * An EventBridge event as Powertools parser 2.35.0 defines it (`EventBridgeSchema`), copied here
 * so that a bundle that parses one EventBridge event does not carry all of zod: the parser's
 * schema modules import `{ z }`, which keeps every zod export and locale (about 330 KB of each
 * bundle, some 15 ms of its cold start). test/unit/events.test.ts holds this copy to the parser's
 * own schema, so an upgrade that changes the shape fails there.
 */
export const EventBridgeSchema = z.object({
  version: z.string(),
  id: z.string(),
  source: z.string(),
  account: z.string(),
  time: z.iso.datetime(),
  region: z.string(),
  resources: z.array(z.string()),
  'detail-type': z.string(),
  detail: z.unknown(),
  'replay-name': z.optional(z.string()),
});

/** An EventBridge event of one detail type, its detail parsed by `detailSchema`. */
export function eventBridgeEnvelope<const Type extends string, Detail extends z.core.$ZodType>(detailType: Type, detailSchema: Detail) {
  return z.extend(EventBridgeSchema, {
    'detail-type': z.literal(detailType),
    detail: detailSchema,
  });
}
