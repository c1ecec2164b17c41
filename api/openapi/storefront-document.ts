import { OpenApiGeneratorV31, OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { CancelRequestSchema, OrderLookupQuerySchema, OrderRequestSchema } from '../../orders/validators';
import { ErrorAnswerSchema, OrderViewSchema, ProductListSchema } from './answers';

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

const unauthorized = { 401: error('No or an unknown API key (unauthorized)'), 429: error('Too many requests for this key (rate_limited)') };

const routes: RouteConfig[] = [
  {
    method: 'post',
    path: '/orders',
    operationId: 'createOrder',
    summary: 'Submit a paid order',
    description: 'Accepts the order in one transaction (stock reserved) and starts its fulfilment. Idempotent by externalRef and by the Idempotency-Key header.',
    request: { headers: IdempotencyKeyHeader, body: { required: true, content: { 'application/json': { schema: OrderRequestSchema } } } },
    responses: {
      202: json(OrderViewSchema, 'Accepted: a new order, being fulfilled'),
      200: json(OrderViewSchema, 'The same order submitted before (same externalRef or Idempotency-Key, same body)'),
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
    request: { params: OrderId, query: z.object({ live: z.enum(['true', 'false']).optional() }) },
    responses: { 200: json(OrderViewSchema, 'The order'), 404: error('No such order of this storefront'), ...unauthorized },
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
