import crypto from 'node:crypto';
import type { Db } from '../db';
import { AppError, conflict, invalidInput } from '../lib/errors';
import { reserveLine, soldOut } from '../stock/reservations';
import type { OrderRequest } from './validators';

// An order is accepted here: one transaction reserves stock and writes the order (a unique key
// on storefront + externalRef makes it idempotent even when resubmissions race); only then is
// its workflow started. A sold-out answer costs no workflow.

export interface StorefrontIdentity {
  id: string;
  merchantId: string;
}

export interface AcceptResult {
  orderId: string;
  /** false when the same externalRef and body were submitted before. */
  created: boolean;
}

export async function acceptOrder(
  db: Db,
  storefront: StorefrontIdentity,
  request: OrderRequest,
  /** Starts (or queues the start of) the order's workflow; never throws. */
  startFulfilment: (orderId: string) => void | Promise<void>,
  /** Asks a supplier whether top-up accounts exist (suppliers/account-check.ts). */
  checkAccounts?: (merchantId: string, items: OrderRequest['items']) => Promise<void>,
): Promise<AcceptResult> {
  const requestHash = hashRequest(request);

  const previous = await findPrevious(db, storefront, request.externalRef, requestHash);
  if (previous) {
    await startFulfilmentIfPending(previous, startFulfilment);
    return { orderId: previous.id, created: false };
  }

  // SKU details as of now; only the stock counter needs the transaction's word (reserveLine).
  const lines = await loadLines(db, storefront.merchantId, request);
  answerSoldOutAtOnce(lines);
  await checkAccounts?.(storefront.merchantId, request.items);

  let orderId: string;
  try {
    orderId = await db.transaction((trx) => writeOrder(trx, storefront, request, requestHash, lines));
  } catch (err) {
    // Two submissions of one externalRef raced; the loser answers like a resubmission.
    if (isUniqueViolation(err, 'orders_storefront_id_external_ref_unique')) {
      const winner = await findPrevious(db, storefront, request.externalRef, requestHash);
      if (winner) return { orderId: winner.id, created: false };
    }
    throw err;
  }

  // The order is durable now. startFulfilment never throws: if Temporal is unreachable it logs,
  // the reconciler in the worker starts the workflow later, and the storefront still gets its 202.
  await startFulfilment(orderId);
  return { orderId, created: true };
}

type Trx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Line = { item: OrderRequest['items'][number]; sku: any };

/** The order's SKUs, checked: they exist, are on sale, take the account they were given, in one currency. */
async function loadLines(db: Db | Trx, merchantId: string, request: OrderRequest): Promise<Line[]> {
  const codes = request.items.map((i) => i.sku);
  const skus = await db('skus').where({ merchant_id: merchantId }).whereIn('code', codes);
  const byCode = new Map(skus.map((s) => [s.code as string, s]));

  const unknown = codes.filter((c) => !byCode.has(c));
  if (unknown.length > 0) {
    throw invalidInput('unknown_sku', `Unknown SKU: ${unknown.join(', ')}`, { skus: unknown });
  }
  const lines = request.items.map((item) => ({ item, sku: byCode.get(item.sku)! }));
  for (const { item, sku } of lines) {
    if (!sku.active) throw invalidInput('sku_unavailable', `SKU ${sku.code} is not on sale`, { sku: sku.code });
    checkAccount(sku, item.account);
    if (sku.max_per_order && item.quantity > sku.max_per_order) {
      throw invalidInput('quantity_exceeds_limit', `At most ${sku.max_per_order} of ${sku.code} per order`, { sku: sku.code, max: sku.max_per_order });
    }
  }
  const currencies = new Set(lines.map((l) => l.sku.currency));
  if (currencies.size > 1) {
    throw invalidInput('mixed_currency', 'All items of an order must be priced in one currency', { currencies: [...currencies] });
  }
  return lines;
}

/**
 * In a flash sale most buyers come after the last code is gone. A stock-only SKU whose counter
 * already reads too low is answered sold out from one read, with no transaction and no lock on
 * the hot SKU row. (A code released a moment later is the same as a buyer arriving a moment
 * sooner; the counter is only ever trusted for "yes" inside the transaction.)
 */
function answerSoldOutAtOnce(lines: Line[]) {
  for (const { item, sku } of lines) {
    if (sku.fulfilment_mode === 'stock' && !sku.supplier_fallback && sku.stock_available < item.quantity) {
      throw soldOut(sku, item.quantity, sku.stock_available);
    }
  }
}

async function writeOrder(trx: Trx, storefront: StorefrontIdentity, request: OrderRequest, requestHash: string, lines: Line[]): Promise<string> {
  // How each line is served: all from stock, from stock as far as it goes (supplier fallback),
  // or not from stock at all (bought, topped up, or fulfilled by a person).
  const plans = new Map<string, Awaited<ReturnType<typeof stockPlan>>>();
  for (const { item, sku } of lines) plans.set(sku.id, await stockPlan(trx, sku, item.quantity));

  const orderId = crypto.randomUUID();
  const total = lines.reduce((sum, { item, sku }) => sum + item.quantity * Number(sku.price), 0);
  const order = {
    id: orderId,
    merchant_id: storefront.merchantId,
    storefront_id: storefront.id,
    external_ref: request.externalRef,
    request_hash: requestHash,
    status: 'accepted',
    currency: lines[0].sku.currency,
    total_amount: total,
    buyer: request.buyer,
  };
  const items = lines.map(({ item, sku }) => ({
    id: crypto.randomUUID(),
    order_id: orderId,
    sku_id: sku.id,
    quantity: item.quantity,
    unit_price: sku.price,
    account: item.account ?? null,
  }));
  const modeOf = new Map(lines.map(({ sku }) => [sku.id as string, sku.fulfilment_mode as string]));
  // Units a line may take from stock are written as stock units; a fallback line that finds
  // less stock than it hoped turns the rest into supplier units below.
  const units = items.flatMap((i) =>
    Array.from({ length: i.quantity }, (_, seq) => ({
      id: crypto.randomUUID(),
      order_id: orderId,
      order_item_id: i.id,
      sku_id: i.sku_id,
      seq: seq + 1,
      status: 'pending',
      source: plans.get(i.sku_id) !== 'none' ? 'stock' : modeOf.get(i.sku_id) === 'manual' ? 'manual' : 'supplier',
    })),
  );
  const accepted = { items: lines.map(({ item }) => ({ sku: item.sku, quantity: item.quantity })), totalAmount: total };
  // The order, its items, its units and its first timeline entry in one statement: one round
  // trip instead of four (foreign keys are checked at the end of the statement).
  await trx.raw(
    `WITH o AS (INSERT INTO orders (id, merchant_id, storefront_id, external_ref, request_hash, status, currency, total_amount, buyer)
                SELECT id, merchant_id, storefront_id, external_ref, request_hash, status, currency, total_amount, buyer
                  FROM json_populate_record(null::orders, ?::json)),
          i AS (INSERT INTO order_items (id, order_id, sku_id, quantity, unit_price, account)
                SELECT id, order_id, sku_id, quantity, unit_price, account FROM json_populate_recordset(null::order_items, ?::json)),
          u AS (INSERT INTO order_units (id, order_id, order_item_id, sku_id, seq, status, source)
                SELECT id, order_id, order_item_id, sku_id, seq, status, source FROM json_populate_recordset(null::order_units, ?::json))
     INSERT INTO order_events (order_id, type, detail) VALUES (?, 'accepted', ?::jsonb)`,
    [JSON.stringify(order), JSON.stringify(items), JSON.stringify(units), orderId, JSON.stringify(accepted)],
  );

  // Stock is reserved last, so the hot SKU row stays locked only for the reservation and the
  // commit, not for the whole order's inserts: in a flash sale every buyer queues on that row.
  // Lock SKU rows in a fixed order (by id) so multi-item orders never deadlock each other.
  for (const i of [...items].sort((a, b) => (a.sku_id < b.sku_id ? -1 : 1))) {
    const plan = plans.get(i.sku_id)!;
    if (plan === 'none') continue;
    const sku = lines.find((l) => l.sku.id === i.sku_id)!.sku;
    const taken = await reserveLine(trx, sku, { orderId, orderItemId: i.id, quantity: i.quantity }, plan);
    if (taken < i.quantity) {
      await trx('order_units').where({ order_item_id: i.id }).andWhere('seq', '>', taken).update({ source: 'supplier' });
    }
  }
  return orderId;
}

const ACCOUNT_MODES = new Set(['topup', 'manual']);

function checkAccount(sku: { code: string; fulfilment_mode: string }, account: string | undefined) {
  if (sku.fulfilment_mode === 'topup' && !account) {
    throw invalidInput('account_required', `SKU ${sku.code} is a direct top-up: give the buyer's account in items[].account`, { sku: sku.code });
  }
  if (account && !ACCOUNT_MODES.has(sku.fulfilment_mode)) {
    throw invalidInput('account_not_applicable', `SKU ${sku.code} delivers a code; items[].account applies only to top-up SKUs`, { sku: sku.code });
  }
}

/**
 * Where a line's units come from. A stock SKU takes them all from stock or answers sold out
 * ('all'); with supplier fallback it takes what stock there is and buys the rest ('up_to').
 * Other modes hold no stock ('none'): their units are bought, topped up or fulfilled by a person.
 */
async function stockPlan(trx: Trx, sku: any, quantity: number): Promise<'all' | 'up_to' | 'none'> {
  if (sku.fulfilment_mode === 'stock' && !sku.supplier_fallback) return 'all';
  if (sku.fulfilment_mode === 'manual') return 'none';
  const routes = await trx('sku_supplier_routes as r')
    .join('suppliers as p', 'p.id', 'r.supplier_id')
    .where({ 'r.sku_id': sku.id, 'r.active': true, 'p.active': true })
    .first('r.id');
  if (sku.fulfilment_mode === 'stock') return routes ? 'up_to' : 'all';
  if (!routes) throw conflict('sold_out', `SKU ${sku.code} has no supplier to buy from right now`, { sku: sku.code, requested: quantity, available: 0 });
  return 'none';
}

async function findPrevious(db: Db, storefront: StorefrontIdentity, externalRef: string, requestHash: string) {
  const row = await db('orders')
    .where({ storefront_id: storefront.id, external_ref: externalRef })
    .first('id', 'request_hash', 'status');
  if (!row) return undefined;
  if (row.request_hash !== requestHash) {
    throw conflict('idempotency_conflict', `externalRef ${externalRef} was already used for a different order`, {
      externalRef,
      orderId: row.id,
    });
  }
  return row as { id: string; status: string };
}

async function startFulfilmentIfPending(order: { id: string; status: string }, start: (id: string) => void | Promise<void>) {
  // A resubmission is a good moment to make sure a workflow exists (starting is idempotent).
  if (order.status === 'accepted') await start(order.id);
}

/** Key order is fixed by the validator's schema, so equal requests hash equally. */
function hashRequest(request: OrderRequest): string {
  return crypto.createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return !(err instanceof AppError) && e?.code === '23505' && e.constraint === constraint;
}
