import { OpenApiGeneratorV31, OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ListEntryInputSchema } from '../../risk/lists';
import { NotificationSettingsInput } from '../../notifications/settings';
import { RiskSettingsSchema, RuleInputSchema } from '../../risk/rules';
import { ChangePassword, NewToken } from '../admin/account';
import { Bulk as AttentionBulk } from '../admin/attention';
import { Lookup as LookupCode, Void as VoidCodes, VoidBatch } from '../admin/codes';
import { ManualBody } from '../admin/manual-tasks';
import { BulkAction, FailedOnSupplier, OptionalReason, Reason, Refund } from '../admin/orders';
import { Create as CreateProduct, Editable as EditableProduct } from '../admin/products';
import { GiftTemplateBody } from '../admin/gift-templates';
import { ReviewDecisionSchema } from '../admin/risk/reviews';
import { SignIn } from '../admin/session';
import { Editable as EditableStorefront } from '../admin/storefronts';
import { PaymentBody, RoutesBody, SupplierBody, TermsBody } from '../admin/suppliers';
import { ClosePeriod } from '../admin/ledger';
import { ResolveBody, RunRequestBody } from '../admin/reconciliation';
import { EnterRate, SetCurrency } from '../admin/reports';
import { CreditBody, TopUpBody } from '../admin/connections';
import { CreateBody as CreateBulkOrder } from '../admin/bulk-orders';
import { PriceTiersSchema } from '../../orders/bulk/validators';
import { Create as CreateUser, Update as UpdateUser } from '../admin/users';
import { SESSION_COOKIE } from '../../lib/sessions';
import { ErrorAnswerSchema } from './answers';

// The admin API (/admin, what the console uses) as OpenAPI 3.1. Request bodies are the zod
// schemas the handlers validate with. Answers are JSON objects (lists: arrays with a
// Content-Range header, react-admin's form); every error is the one error shape.

type Method = 'get' | 'post' | 'put' | 'delete';
type Operation = [method: Method, path: string, summary: string, body?: z.ZodType];

const operations: Record<string, Operation[]> = {
  session: [
    ['post', '/session', 'Sign in (sets the session cookie)', SignIn],
    ['get', '/session', 'Who is signed in'],
    ['delete', '/session', 'Sign out'],
    ['post', '/account/password', "Change one's own password", ChangePassword],
    ['get', '/admin-tokens', 'API tokens of the merchant'],
    ['post', '/admin-tokens', 'Make an API token', NewToken],
    ['delete', '/admin-tokens/{id}', 'Revoke an API token'],
    ['get', '/users', 'Console users'],
    ['post', '/users', 'Add a user', CreateUser],
    ['get', '/users/{id}', 'A user'],
    ['put', '/users/{id}', "Change a user's role or disable them", UpdateUser],
    ['post', '/users/{id}/password', "Set a user's password"],
    ['get', '/audit-log', 'Who did what'],
  ],
  orders: [
    ['get', '/orders', 'Orders (filter, sort, range)'],
    ['get', '/orders/{id}', 'An order with its units, timeline and allowed actions'],
    ['get', '/orders/{id}/workflow', "The order's live workflow state"],
    ['post', '/orders/{id}/retry', 'Retry a failed or stuck order', OptionalReason],
    ['post', '/orders/{id}/cancel', 'Cancel an order', Reason],
    ['post', '/orders/{id}/refund', 'Refund an order, or some of its units', Refund],
    ['post', '/orders/{id}/approve', 'Approve a held order', Reason],
    ['post', '/orders/{id}/reject', 'Reject a held order', Reason],
    ['post', '/orders/{id}/resend-webhook', "Send the order's webhook again"],
    ['post', '/orders/{id}/fulfil-manually', 'Fulfil an order by hand', ManualBody],
    ['post', '/orders/{id}/manual-fulfilment', 'Give the codes of a manual order', ManualBody],
    ['get', '/orders-failed-on-supplier', 'How many orders failed on a supplier since a time'],
    ['post', '/orders/bulk-retry', 'Retry the orders that failed on a supplier', FailedOnSupplier],
    ['post', '/orders/bulk', 'One action on many orders, with a result per order', BulkAction],
    ['get', '/exports/orders', 'Orders as CSV or XLSX (?format=csv|xlsx&filter=<the list filter>)'],
    ['get', '/exports/order-lines', 'Order lines as CSV or XLSX'],
    ['get', '/exports/refunds', 'Refunds as CSV or XLSX'],
    ['get', '/exports/audit-log', 'The audit log as CSV or XLSX'],
    ['get', '/needs-attention', 'Orders waiting on a person'],
    ['post', '/needs-attention/bulk', 'Resume, retry or close several such orders', AttentionBulk],
    ['get', '/manual-tasks', 'Manual fulfilment tasks'],
    ['get', '/manual-tasks/{id}', 'A manual fulfilment task'],
    ['get', '/webhook-attempts', 'Webhook deliveries to storefronts'],
    ['post', '/webhook-attempts/{id}/replay', 'Deliver a webhook again'],
    ['get', '/dashboard', "Today's figures"],
    ['get', '/alerts', 'Alerts'],
  ],
  catalogue: [
    ['get', '/skus', 'Products'],
    ['post', '/skus', 'Add a product', CreateProduct],
    ['get', '/skus/{sku}', 'A product'],
    ['put', '/skus/{sku}', 'Change a product', EditableProduct],
    ['get', '/gift-templates', 'E-gift designs'],
    ['post', '/gift-templates', 'Add an e-gift design', GiftTemplateBody],
    ['get', '/gift-templates/{id}', 'An e-gift design'],
    ['put', '/gift-templates/{id}', 'Change an e-gift design', GiftTemplateBody],
    ['get', '/skus/{sku}/routes', 'The suppliers a product is bought from'],
    ['put', '/skus/{sku}/routes', 'Set the suppliers a product is bought from', RoutesBody],
    ['post', '/skus/{sku}/codes', 'Import codes (CSV or text)'],
    ['get', '/stock', 'Stock per product'],
    ['get', '/stock/{sku}', 'Stock of a product'],
    ['get', '/batches', 'Code batches'],
    ['get', '/batches/{id}', 'A code batch'],
    ['post', '/batches/{id}/void', 'Void the codes of a batch still in stock', VoidBatch],
    ['get', '/codes', 'Codes (masked)'],
    ['post', '/codes/{id}/reveal', 'Reveal a code (audited)'],
    ['post', '/codes/void', 'Void codes', VoidCodes],
    ['post', '/codes/lookup', 'Find a code by its text (fingerprint): its order, buyer and dates', LookupCode],
    ['get', '/exports/codes', 'Codes as CSV or XLSX, masked (unmasked sold codes with reveal=true, audited)'],
  ],
  suppliers: [
    ['get', '/supplier-adapters', 'Supplier adapters this build knows'],
    ['get', '/suppliers', 'Suppliers'],
    ['post', '/suppliers', 'Add a supplier', SupplierBody],
    ['get', '/suppliers/{id}', 'A supplier'],
    ['put', '/suppliers/{id}', 'Change a supplier', SupplierBody.partial()],
    ['post', '/suppliers/{id}/balance/refresh', 'Ask a supplier for its balance now'],
    ['put', '/suppliers/{id}/terms', "Set a supplier's terms: prepaid, or credit (net days, statement period)", TermsBody],
    ['post', '/suppliers/{id}/payments', 'Record money paid to a supplier: a prepaid top-up, or a payment on credit', PaymentBody],
    ['get', '/suppliers/{id}/books', 'A supplier on the books: balance or amount owed, spend this period, failure rate, average cost per SKU'],
  ],
  money: [
    ['get', '/ledger/periods', 'Closed months of the ledger'],
    ['post', '/ledger/periods/close', 'Close a month of the ledger (and every month before it)', ClosePeriod],
    ['get', '/suppliers/{id}/statement', "Cardflow's own statement of a supplier (?from&to): every purchase by reference, price, status"],
    ['get', '/exports/supplier-statement', 'Our statement of a supplier as CSV or XLSX (?format&filter={"supplierId","from","to"})'],
    ['post', '/suppliers/{id}/statements', "Import the supplier's statement (?from&to; body: its CSV as text/csv)"],
    ['get', '/suppliers/{id}/statements', "The supplier's statements received"],
    ['post', '/reconciliation/runs', 'Reconcile a supplier and period now', RunRequestBody],
    ['get', '/reconciliation/runs', 'Reconciliation runs'],
    ['get', '/reconciliation/differences', 'Differences found (?status=open|resolved|all&supplierId)'],
    ['post', '/reconciliation/differences/{id}/resolve', 'Resolve a difference with a reason, optionally with an adjusting entry', ResolveBody],
    [
      'get',
      '/reports/{report}',
      'A report over a range of days (?from&to&compare&convert): profit by SKU, supplier, channel or day, sales by hour or weekday, orders by channel, refunds by reason, stock',
    ],
    ['get', '/exports/reports/{report}', 'A report as CSV or XLSX (?format=csv|xlsx and the report query)'],
    ['get', '/reporting', 'The reporting currency and the rates entered for it'],
    ['put', '/reporting/currency', 'Set the currency reports convert into', SetCurrency],
    ['post', '/reporting/rates', 'Enter a rate for a day and currency pair', EnterRate],
  ],
  storefronts: [
    ['get', '/storefronts', 'Storefronts'],
    ['post', '/storefronts', 'Add a storefront', EditableStorefront],
    ['get', '/storefronts/{id}', 'A storefront'],
    ['put', '/storefronts/{id}', 'Change a storefront', EditableStorefront],
    ['post', '/storefronts/{id}/keys', 'Make a storefront API key (shown once)'],
    ['delete', '/storefronts/{id}/keys/{keyId}', 'Revoke a storefront API key'],
    ['post', '/storefronts/{id}/webhook-secret', 'Make a new webhook signing secret (shown once)'],
  ],
  connections: [
    ['get', '/storefronts/{id}/dujiao', "A storefront's dujiao-next keys and credit"],
    ['put', '/storefronts/{id}/credit', "Set a storefront's credit limit", CreditBody],
    ['post', '/storefronts/{id}/balance/top-ups', "Top up a storefront's prepaid balance (money it paid ahead)", TopUpBody],
    ['get', '/storefronts/{id}/balance/entries', "A storefront's prepaid balance movements, with the balance after each"],
    ['get', '/suppliers/{id}/call-failures', "A supplier's latest refused or unanswered calls (never its answer or credentials)"],
    ['post', '/storefronts/{id}/dujiao-keys', 'Issue a dujiao-next API key and secret (the secret is shown once)'],
    ['delete', '/storefronts/{id}/dujiao-keys/{keyId}', 'Revoke a dujiao-next API key'],
    ['get', '/suppliers/{id}/catalogue', "A supplier's catalogue as last synced, with its routes and drift"],
    ['post', '/suppliers/{id}/catalogue/sync', "Sync a supplier's catalogue now"],
  ],
  'bulk orders': [
    ['get', '/bulk-orders', 'Bulk orders'],
    ['post', '/bulk-orders', 'Place a bulk order for one of the storefronts (up to 50,000 units)', CreateBulkOrder],
    ['get', '/bulk-orders/{id}', 'A bulk order and its progress (units done, in doubt, failed)'],
    ['post', '/bulk-orders/{id}/file', 'The encrypted file of codes and its password, handed over once (audited)'],
    ['get', '/bulk-price-tiers', 'Wholesale price tiers per storefront and SKU'],
    ['put', '/bulk-price-tiers', "Replace a storefront's price tiers for a SKU (never below cost)", PriceTiersSchema],
  ],
  notifications: [
    ['get', '/notification-settings', 'Who is told of alerts and how (the webhook URL is never answered, only its host), and what was sent lately'],
    ['put', '/notification-settings', 'Replace the notification settings (leave webhook.url out to keep the stored URL)', NotificationSettingsInput],
  ],
  risk: [
    ['get', '/risk/settings', 'Risk settings'],
    ['put', '/risk/settings', 'Change risk settings', RiskSettingsSchema],
    ['get', '/risk/rules', 'Risk rules'],
    ['post', '/risk/rules', 'Add a risk rule', RuleInputSchema],
    ['get', '/risk/rules/{id}', 'A risk rule'],
    ['put', '/risk/rules/{id}', 'Change a risk rule', RuleInputSchema],
    ['delete', '/risk/rules/{id}', 'Delete a risk rule'],
    ['get', '/risk/rule-sets', 'Published rule sets'],
    ['get', '/risk/rule-sets/{version}', 'A published rule set'],
    ['get', '/risk/lists', 'Allow and block lists'],
    ['post', '/risk/lists', 'Add a list entry', ListEntryInputSchema],
    ['get', '/risk/lists/{id}', 'A list entry'],
    ['put', '/risk/lists/{id}', 'Change a list entry', ListEntryInputSchema],
    ['delete', '/risk/lists/{id}', 'Delete a list entry'],
    ['get', '/risk/assessments', 'Risk assessments'],
    ['get', '/risk/assessments/{id}', 'A risk assessment'],
    ['get', '/risk/reviews', 'Orders held for review'],
    ['get', '/risk/reviews/{orderId}', "A held order's review"],
    ['post', '/risk/reviews/{orderId}/decision', 'Approve or reject a held order', ReviewDecisionSchema],
  ],
};

// Answered by api/admin/list-query.ts: a page of records and `Content-Range: orders 0-24/319`.
const LISTS = new Set([
  '/admin-tokens',
  '/audit-log',
  '/stock',
  '/batches',
  '/codes',
  '/orders',
  '/skus',
  '/gift-templates',
  '/storefronts',
  '/webhook-attempts',
  '/suppliers',
  '/users',
  '/alerts',
  '/needs-attention',
  '/manual-tasks',
  '/risk/lists',
  '/risk/reviews',
  '/risk/assessments',
  '/risk/rules',
  '/risk/rule-sets',
]);
const ListSchema = z.array(z.looseObject({ id: z.union([z.string(), z.number()]) })).meta({ id: 'List', description: 'One page of records, each with its id' });
const ListQuery = z.object({
  sort: z.string().optional().meta({ description: 'JSON ["field","ASC"|"DESC"]' }),
  range: z.string().optional().meta({ description: 'JSON [first, last], at most 500 records' }),
  filter: z.string().optional().meta({ description: 'JSON object of filters' }),
});
const list = {
  description: 'One page of records',
  headers: { 'Content-Range': { description: 'e.g. orders 0-24/319', schema: { type: 'string' as const } } },
  content: { 'application/json': { schema: ListSchema } },
};
const answer = { description: 'JSON', content: { 'application/json': { schema: z.unknown() } } };
const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorAnswerSchema } } });

let document: ReturnType<OpenApiGeneratorV31['generateDocument']> | undefined;

export function adminDocument() {
  if (document) return document;
  const registry = new OpenAPIRegistry();
  const session = registry.registerComponent('securitySchemes', 'session', { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE });
  const token = registry.registerComponent('securitySchemes', 'adminToken', { type: 'http', scheme: 'bearer', description: 'An admin API token' });
  for (const [tag, ops] of Object.entries(operations)) {
    for (const [method, path, summary, body] of ops) {
      const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const isList = method === 'get' && LISTS.has(path);
      registry.registerPath({
        method,
        path,
        summary,
        tags: [tag],
        ...(path === '/session' && method === 'post' ? {} : { security: [{ [session.name]: [] }, { [token.name]: [] }] }),
        request: {
          ...(params.length ? { params: z.object(Object.fromEntries(params.map((p) => [p, z.string()]))) } : {}),
          ...(isList ? { query: ListQuery } : {}),
          ...(body ? { body: { content: { 'application/json': { schema: body } } } } : {}),
        },
        responses: {
          200: isList ? list : answer,
          400: error('Invalid request'),
          401: error('Not signed in'),
          403: error('Not permitted'),
          404: error('Not found'),
          409: error('Not allowed in this state'),
        },
      });
    }
  }
  document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Cardflow admin API', version: '1', description: "What the console uses. Unsafe calls from a browser must come from the console's own origin." },
    servers: [{ url: '/admin' }],
  });
  return document;
}
