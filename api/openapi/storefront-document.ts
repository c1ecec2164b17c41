import { OpenApiGeneratorV31, OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { BulkOrderRequestSchema } from '../../orders/bulk/validators';
import { CancelRequestSchema, OrderLookupQuerySchema, OrderRequestSchema } from '../../orders/validators';
import { ErrorAnswerSchema, OrderViewSchema, ProductListSchema } from './answers';
import { DeliveryLinkRequestSchema, DeliveryLinkSchema } from '../../orders/buyer-delivery';
import { GiftRequestSchema, GiftTemplateListSchema, GiftViewSchema } from '../../orders/gifts';

// The storefront API (/v1) as OpenAPI 3.1, generated from the zod schemas that validate its
// requests (orders/validators.ts) and describe its answers (./answers.ts).

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ErrorAnswerSchema, description);

const IdempotencyKeyHeader = z.object({
  'idempotency-key': z.string().optional().meta({
    description: 'Up to 255 printable ASCII characters. The same key with the same body answers as the first request did; with a different body, 409 idempotency_conflict.',
  }),
});
const OrderId = z.object({ id: z.uuid() });
const PreferHeader = z.object({
  prefer: z
    .string()
    .optional()
    .meta({
      description:
        'wait=N (RFC 7240), N seconds up to 10 (more is taken as 10): the answer waits for the order to be delivered and then carries its codes. ' +
        'Ends early when the risk check holds or rejects the order. Not delivered by then: the usual answer. A malformed preference is ignored.',
      example: 'wait=5',
    }),
});
const PreferenceApplied = {
  'Preference-Applied': { description: 'wait=N: the wait this answer applied (present when the request asked for one and it was honoured)', schema: { type: 'string' as const } },
};

const unauthorized = { 401: error('No or an unknown API key (unauthorized)'), 429: error('Too many requests for this key (rate_limited)') };

const routes: RouteConfig[] = [
  {
    method: 'post',
    path: '/orders',
    operationId: 'createOrder',
    summary: 'Submit a paid order',
    description:
      'Accepts the order in one transaction (stock reserved) and starts its fulfilment. Idempotent by externalRef and by the Idempotency-Key header. ' +
      'With Prefer: wait=N a new order is answered once delivered (200, codes included, Preference-Applied) or after N seconds (202); a repeat is answered at once.',
    request: { headers: IdempotencyKeyHeader.extend(PreferHeader.shape), body: { required: true, content: { 'application/json': { schema: OrderRequestSchema } } } },
    responses: {
      202: {
        ...json(
          OrderViewSchema,
          'Accepted: a new order as it was accepted (status accepted; GET it for its progress), or with Prefer: wait as it stands when not delivered within the wait or held for review',
        ),
        headers: PreferenceApplied,
      },
      200: {
        ...json(
          OrderViewSchema,
          'The same order submitted before (same externalRef or Idempotency-Key, same body), without Preference-Applied; or, with Prefer: wait, the new order delivered within the wait, with its codes and Preference-Applied',
        ),
        headers: PreferenceApplied,
      },
      400: error('Invalid request (validation_failed, unknown_sku, account_required, ...)'),
      409: error('sold_out, or idempotency_conflict: the externalRef or key was used with a different body'),
      413: error('The body is too large (body_too_large)'),
      ...unauthorized,
    },
  },
  {
    method: 'get',
    path: '/orders',
    operationId: 'findOrder',
    summary: 'Find an order by its externalRef',
    request: { query: OrderLookupQuerySchema },
    responses: { 200: json(OrderViewSchema, 'The order'), 400: error('Invalid query'), 404: error('No such order of this storefront'), ...unauthorized },
  },
  {
    method: 'get',
    path: '/orders/{id}',
    operationId: 'getOrder',
    summary: 'Read an order, with its delivered codes',
    description: 'With Prefer: wait=N an order still on its way is answered once delivered, held or rejected, or after N seconds (up to 10) as it then is.',
    request: { params: OrderId, query: z.object({ live: z.enum(['true', 'false']).optional() }), headers: PreferHeader },
    responses: { 200: { ...json(OrderViewSchema, 'The order'), headers: PreferenceApplied }, 404: error('No such order of this storefront'), ...unauthorized },
  },
  {
    method: 'post',
    path: '/orders/{id}/cancel',
    operationId: 'cancelOrder',
    summary: 'Cancel an order before its goods are taken',
    request: { params: OrderId, headers: IdempotencyKeyHeader, body: { required: false, content: { 'application/json': { schema: CancelRequestSchema } } } },
    responses: {
      200: json(OrderViewSchema, 'The cancelled order'),
      400: error('Invalid request'),
      404: error('No such order of this storefront'),
      409: error('not_cancellable, or idempotency_conflict'),
      413: error('The body is too large (body_too_large)'),
      503: error("The order's workflow did not answer in time (workflow_unavailable); send the cancel again"),
      ...unauthorized,
    },
  },
  {
    method: 'post',
    path: '/orders/{id}/delivery-link',
    operationId: 'createDeliveryLink',
    summary: "A link to the buyer's own delivery page",
    description:
      'An unguessable link (stored only as a hash) that opens the hosted page where the buyer reveals each code (a button; every reveal is recorded) beside the SKU usage instructions, in Chinese or English. Each call makes a new link; earlier ones work until they expire.',
    request: { params: OrderId, body: { required: false, content: { 'application/json': { schema: DeliveryLinkRequestSchema } } } },
    responses: { 201: json(DeliveryLinkSchema, 'The link, shown once'), 400: error('Invalid request'), 404: error('No such order of this storefront'), ...unauthorized },
  },
  {
    method: 'post',
    path: '/orders/{id}/gift',
    operationId: 'sendAsGift',
    summary: 'Send the order as an e-gift card',
    description:
      "The recipient gets an email (or text message) with a link to the gift page at deliverAt (now when left out), once the order is delivered; the code is in the email only if the SKU's 'code in email' setting is on. The sender is emailed when the recipient first opens it. One gift per order.",
    request: { params: OrderId, body: { required: true, content: { 'application/json': { schema: GiftRequestSchema } } } },
    responses: {
      201: json(GiftViewSchema, 'The gift, scheduled'),
      200: json(GiftViewSchema, 'The gift this order already has'),
      400: error('Invalid request (validation_failed, unknown_gift_template)'),
      404: error('No such order of this storefront'),
      409: error('The order is closed (gift_order_closed)'),
      503: error('The gift could not be scheduled now (workflow_unavailable); send the same request again'),
      ...unauthorized,
    },
  },
  {
    method: 'get',
    path: '/orders/{id}/gift',
    operationId: 'getGift',
    summary: "An order's gift: sent, opened or bounced",
    request: { params: OrderId },
    responses: { 200: json(GiftViewSchema, 'The gift'), 404: error('No such order of this storefront, or it is no gift'), ...unauthorized },
  },
  {
    method: 'get',
    path: '/gift-templates',
    operationId: 'listGiftTemplates',
    summary: "The merchant's e-gift designs a buyer may choose",
    responses: { 200: json(GiftTemplateListSchema, 'Active designs'), ...unauthorized },
  },
  {
    method: 'post',
    path: '/bulk-orders',
    operationId: 'createBulkOrder',
    summary: 'Place a bulk order (up to 50,000 units), fulfilled in pages',
    description:
      'A quantity or one recipient per unit; all or none unless partialAllowed. Idempotent on externalRef. The codes are handed over to the merchant as one encrypted file, not in this answer; read the progress with GET /v1/bulk-orders/{id}.',
    request: { body: { required: true, content: { 'application/json': { schema: BulkOrderRequestSchema } } } },
    responses: {
      202: json(z.unknown(), 'Accepted: the bulk order and its progress'),
      200: json(z.unknown(), 'The bulk order this externalRef already placed'),
      400: error('Invalid request (validation_failed, unknown_sku, sku_unavailable, bulk_mode_unsupported)'),
      402: error('Not enough credit or prepaid balance (insufficient_credit, balance_insufficient)'),
      409: error('Too few codes (sold_out), or externalRef used for a different order (idempotency_conflict)'),
      ...unauthorized,
    },
  },
  {
    method: 'get',
    path: '/bulk-orders/{id}',
    operationId: 'getBulkOrder',
    summary: 'A bulk order and its progress: units done, in doubt, failed',
    request: { params: OrderId },
    responses: { 200: json(z.unknown(), 'The bulk order'), 404: error('No such bulk order of this storefront'), ...unauthorized },
  },
  {
    method: 'get',
    path: '/products',
    operationId: 'listProducts',
    summary: 'The catalogue this storefront can sell, with units available',
    responses: { 200: json(ProductListSchema, 'Active SKUs'), ...unauthorized },
  },
];

let document: ReturnType<OpenApiGeneratorV31['generateDocument']> | undefined;

export function storefrontDocument() {
  if (document) return document;
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'storefrontKey', { type: 'http', scheme: 'bearer', description: 'A storefront API key, made in the console' });
  for (const route of routes) registry.registerPath({ ...route, security: [{ [bearer.name]: [] }] });
  document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Cardflow storefront API',
      version: '1',
      description: 'Submit paid orders and read their deliveries. Webhooks follow Standard Webhooks. Errors: { error: { code, message, details? } }.',
    },
    servers: [{ url: '/v1' }],
  });
  return document;
}
