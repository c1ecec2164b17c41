import crypto from 'node:crypto';
import type { Db } from '../db';
import { AppError, conflict, invalidInput } from '../lib/errors';
import { reserveStock, reserveUpTo } from '../stock/reservations';
import type { OrderRequest } from './validators';
import { appendEvent } from './events';

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
  startFulfilment: (orderId: string) => Promise<void>,
  /** Asks a supplier whether top-up accounts exist (suppliers/account-check.ts). */
  checkAccounts?: (merchantId: string, items: OrderRequest['items']) => Promise<void>,
): Promise<AcceptResult> {
  const requestHash = hashRequest(request);

  const previous = await findPrevious(db, storefront, request.externalRef, requestHash);
  if (previous) {
    await startFulfilmentIfPending(previous, startFulfilment);
    return { orderId: previous.id, created: false };
  }

  await checkAccounts?.(storefront.merchantId, request.items);

  let orderId: string;
  try {
    orderId = await db.transaction((trx) => writeOrder(trx, storefront, request, requestHash));
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

async function writeOrder(
  trx: Parameters<Parameters<Db['transaction']>[0]>[0],
  storefront: StorefrontIdentity,
  request: OrderRequest,
  requestHash: string,
): Promise<string> {
  const codes = request.items.map((i) => i.sku);
  const skus = await trx('skus').where({ merchant_id: storefront.merchantId }).whereIn('code', codes);
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

  // Decide where each line's units come from, and reserve stock for those from stock. Reserve
  // in a fixed order (by SKU id) so multi-item orders never deadlock each other.
  const fromStock = new Map<string, number>();
  for (const { item, sku } of [...lines].sort((a, b) => (a.sku.id < b.sku.id ? -1 : 1))) {
    fromStock.set(sku.id, await reserveForLine(trx, sku, item.quantity));
  }

  const orderId = crypto.randomUUID();
  const total = lines.reduce((sum, { item, sku }) => sum + item.quantity * Number(sku.price), 0);
  await trx('orders').insert({
    id: orderId,
    merchant_id: storefront.merchantId,
    storefront_id: storefront.id,
    external_ref: request.externalRef,
    request_hash: requestHash,
    status: 'accepted',
    currency: lines[0].sku.currency,
    total_amount: total,
    buyer: JSON.stringify(request.buyer),
  });

  const items = lines.map(({ item, sku }) => ({
    id: crypto.randomUUID(),
    order_id: orderId,
    sku_id: sku.id,
    quantity: item.quantity,
    unit_price: sku.price,
    account: item.account ?? null,
  }));
  await trx('order_items').insert(items);
  const reservations = items
    .filter((i) => fromStock.get(i.sku_id)! > 0)
    .map((i) => ({ id: crypto.randomUUID(), order_id: orderId, order_item_id: i.id, sku_id: i.sku_id, quantity: fromStock.get(i.sku_id)!, status: 'held' }));
  if (reservations.length > 0) await trx('reservations').insert(reservations);
  const modeOf = new Map(lines.map(({ sku }) => [sku.id as string, sku.fulfilment_mode as string]));
  const units = items.flatMap((i) =>
    Array.from({ length: i.quantity }, (_, seq) => ({
      id: crypto.randomUUID(),
      order_id: orderId,
      order_item_id: i.id,
      sku_id: i.sku_id,
      seq: seq + 1,
      status: 'pending',
      source: seq < fromStock.get(i.sku_id)! ? 'stock' : modeOf.get(i.sku_id) === 'manual' ? 'manual' : 'supplier',
    })),
  );
  await trx.batchInsert('order_units', units, 500);
  await appendEvent(trx, orderId, 'accepted', {
    items: lines.map(({ item }) => ({ sku: item.sku, quantity: item.quantity })),
    totalAmount: total,
  });
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
 * Units taken from imported stock for one line. A stock SKU reserves them all or answers sold
 * out; with supplier fallback it takes what stock there is and buys the rest. Other modes hold
 * no stock: their units are bought, topped up or fulfilled by a person.
 */
async function reserveForLine(trx: Parameters<Parameters<Db['transaction']>[0]>[0], sku: any, quantity: number): Promise<number> {
  if (sku.fulfilment_mode === 'stock' && !sku.supplier_fallback) {
    await reserveStock(trx, sku, quantity);
    return quantity;
  }
  if (sku.fulfilment_mode === 'manual') return 0;
  const routes = await trx('sku_supplier_routes as r')
    .join('suppliers as p', 'p.id', 'r.supplier_id')
    .where({ 'r.sku_id': sku.id, 'r.active': true, 'p.active': true })
    .first('r.id');
  if (sku.fulfilment_mode === 'stock') {
    if (!routes) {
      await reserveStock(trx, sku, quantity);
      return quantity;
    }
    return reserveUpTo(trx, sku, quantity);
  }
  if (!routes) throw conflict('sold_out', `SKU ${sku.code} has no supplier to buy from right now`, { sku: sku.code, requested: quantity, available: 0 });
  return 0;
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

async function startFulfilmentIfPending(order: { id: string; status: string }, start: (id: string) => Promise<void>) {
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
