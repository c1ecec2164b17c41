import crypto from 'node:crypto';
import { plannedOnce, type Db } from '../db';
import type { SkuRow } from '../db/tables';
import { AppError, conflict, invalidInput } from '../lib/errors';
import { orderMetrics } from '../lib/metrics';
import { ACCEPTED_ROLLUPS_DONE, acceptedRollupSql, rollUpAccepted } from './daily-rollup';
import { tallySoldOut } from '../reports/sold-out-tally';
import { hashRequest, requireSameRequest } from './idempotency';
import { ACCEPTANCE_LOCK_SQL, velocityBindings, velocityEventsSql, velocityMarks } from '../risk/velocity';
import { reserveLine, soldOut, takeStockSql } from '../stock/reservations';
import { STOCK_NOT_TAKEN_SQLSTATE } from '../db/migrations/015_acceptance_hot_path';
import { holdCredit } from '../storefronts/credit';
import { expandBundleLine, loadComponents, type BundleMark } from './bundle-lines';
import { priceCustomAmount } from './custom-amount';
import { drawBalance } from '../storefronts/prepaid-balance';
import { MAX_UNITS_PER_ORDER, type OrderRequest } from './validators';
import type { AcceptedOrder } from './order-view';

// An order is accepted here: one transaction reserves stock and writes the order (a unique key
// on storefront + externalRef makes it idempotent even when resubmissions race); only then is
// its workflow started. A sold-out answer costs no workflow.

export interface StorefrontIdentity {
  id: string;
  merchantId: string;
  /** It has a credit limit (storefronts/credit.ts), checked in the acceptance transaction. */
  creditLimited?: boolean;
  /** It has a prepaid balance (storefronts/prepaid-balance.ts), drawn in the acceptance transaction. */
  prepaid?: boolean;
}

/** How a storefront pays, from its row: the one place that reads credit_limit and prepaid_currency for acceptance. */
export function payingStorefront(s: { id: string; merchant_id: string; credit_limit: unknown; prepaid_currency: unknown }): Required<StorefrontIdentity> {
  return { id: s.id, merchantId: s.merchant_id, creditLimited: s.credit_limit != null, prepaid: s.prepaid_currency != null };
}

export interface AcceptResult {
  orderId: string;
  /** false when the same externalRef and body were submitted before. */
  created: boolean;
  /** What a new order's acceptance wrote: its answer, with no second read (orders/order-view.ts acceptedOrderView). */
  written?: AcceptedOrder;
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
  const answered = orderMetrics.acceptSeconds.startTimer();
  try {
    const result = await acceptOrRecall(db, storefront, request, startFulfilment, checkAccounts);
    if (result.created) orderMetrics.accepted.inc();
    answered({ outcome: result.created ? 'accepted' : 'repeat' });
    return result;
  } catch (err) {
    const soldOut = err instanceof AppError && err.code === 'sold_out';
    if (soldOut) {
      orderMetrics.soldOut.inc();
      tallySoldOut(db, {
        merchantId: storefront.merchantId,
        storefrontId: storefront.id,
        channel: request.channel,
        campaign: request.campaign,
        units: request.items.reduce((n, i) => n + i.quantity, 0),
      });
    }
    answered({ outcome: soldOut ? 'sold_out' : 'refused' });
    throw err;
  }
}

async function acceptOrRecall(
  db: Db,
  storefront: StorefrontIdentity,
  request: OrderRequest,
  startFulfilment: (orderId: string) => void | Promise<void>,
  checkAccounts?: (merchantId: string, items: OrderRequest['items']) => Promise<void>,
): Promise<AcceptResult> {
  const requestHash = hashRequest(request);

  const { previous, skus } = await readBeforeAccepting(db, storefront, request, requestHash);
  if (previous) {
    await startFulfilmentIfPending(previous, startFulfilment);
    return { orderId: previous.id, created: false };
  }
  // What is wrong with the order's lines (unknown SKU, not on sale) matters only when it is not a resubmission.
  const lines = await checkLines(db, request, skus);
  answerSoldOutAtOnce(lines);
  // Per line as fulfilled: a bundle's top-up components carry the account given on the bundle.
  await checkAccounts?.(
    storefront.merchantId,
    lines.map((l) => l.item),
  );

  let written: AcceptedOrder;
  try {
    written = await writeOrder(db, storefront, request, requestHash, lines);
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
  await startFulfilment(written.order.id);
  return { orderId: written.order.id, created: true, written };
}

type Trx = Parameters<Parameters<Db['transaction']>[0]>[0];
/**
 * One line of the order as it is fulfilled: a SKU, its quantity and unit price. A bundle's line
 * is one line per component (orders/bundle-lines.ts), priced at its share; a custom face value's
 * line carries the amount and the price and cost computed for it (orders/custom-amount.ts).
 */
type Line = { item: OrderRequest['items'][number]; sku: SkuRow; unitPrice: number; bundle?: BundleMark; faceValue?: number; unitCost?: number };

/**
 * What acceptance reads before it writes, in one statement: the order an earlier submission of
 * this externalRef made, if any, and the SKUs the order names (as of now; only the stock counter
 * needs the accepting statement's word). In a flash sale every buyer makes both reads; as one
 * statement they cost one Postgres backend's turn on a busy CPU, not two side by side, and half
 * the api's sends and answers to parse.
 */
async function readBeforeAccepting(db: Db, storefront: StorefrontIdentity, request: OrderRequest, requestHash: string): Promise<{ previous?: PreviousOrder; skus: SkuRow[] }> {
  const { rows } = await db.raw<{ rows: (SkuRow & { previous_id: string | null; previous_request_hash: string | null; previous_status: string | null })[] }>(
    `SELECT p.id AS previous_id, p.request_hash AS previous_request_hash, p.status AS previous_status, s.*
       FROM (SELECT 1) AS one
       LEFT JOIN orders p ON p.storefront_id = :storefrontId AND p.external_ref = :externalRef
       LEFT JOIN skus s ON s.merchant_id = :merchantId AND s.code = ANY(:codes)`,
    { storefrontId: storefront.id, externalRef: request.externalRef, merchantId: storefront.merchantId, codes: request.items.map((i) => i.sku) },
  );
  const [first] = rows;
  const previous = first.previous_id
    ? sameRequestAs({ id: first.previous_id, request_hash: first.previous_request_hash!, status: first.previous_status! }, request.externalRef, requestHash)
    : undefined;
  // One row at least; with none of the codes known, its SKU columns are null.
  const skus = rows.filter((r) => r.id !== null).map(({ previous_id: _id, previous_request_hash: _hash, previous_status: _status, ...sku }) => sku);
  return { previous, skus };
}

type PreviousOrder = { id: string; request_hash: string; status: string };

/** The order's SKUs, checked: they exist, are on sale, take the account they were given, in one currency. */
async function checkLines(db: Db, request: OrderRequest, skus: SkuRow[]): Promise<Line[]> {
  const codes = request.items.map((i) => i.sku);
  const byCode = new Map(skus.map((s) => [s.code, s]));

  const unknown = codes.filter((c) => !byCode.has(c));
  if (unknown.length > 0) {
    throw invalidInput('unknown_sku', `Unknown SKU: ${unknown.join(', ')}`, { skus: unknown });
  }
  const requested = request.items.map((item) => ({ item, sku: byCode.get(item.sku)! }));
  const bundles = requested.filter((l) => l.sku.fulfilment_mode === 'bundle');
  const components = await loadComponents(
    db,
    bundles.map((l) => l.sku.id),
  );
  const lines: Line[] = requested.flatMap(({ item, sku }): Line[] => {
    if (!sku.active) throw invalidInput('sku_unavailable', `SKU ${sku.code} is not on sale`, { sku: sku.code });
    if (sku.max_per_order && item.quantity > sku.max_per_order) {
      throw invalidInput('quantity_exceeds_limit', `At most ${sku.max_per_order} of ${sku.code} per order`, { sku: sku.code, max: sku.max_per_order });
    }
    if (sku.fulfilment_mode !== 'bundle') {
      checkAccount(sku, item.account);
      const custom = priceCustomAmount(sku, item.amount);
      return [custom ? { item, sku, unitPrice: custom.price, faceValue: custom.faceValue, unitCost: custom.cost } : { item, sku, unitPrice: sku.price }];
    }
    if (item.amount !== undefined) throw invalidInput('amount_not_applicable', `SKU ${sku.code} has a fixed face value; leave out amount`, { sku: sku.code });
    if (item.account && !components.get(sku.id)?.some((c) => ACCOUNT_MODES.has(c.sku.fulfilment_mode))) checkAccount(sku, item.account);
    const parts = expandBundleLine(item, sku, components.get(sku.id) ?? [], (c) => ACCOUNT_MODES.has(c.fulfilment_mode));
    for (const part of parts) {
      if (!part.sku.active) throw invalidInput('sku_unavailable', `SKU ${part.sku.code} (in ${sku.code}) is not on sale`, { sku: part.sku.code });
      if (part.sku.fulfilment_mode === 'topup' && !part.item.account) checkAccount(part.sku, undefined);
    }
    return parts;
  });
  // One line per SKU (order_items is unique on it): a component may not also be ordered on its own or in a second bundle.
  const seen = new Set<string>();
  for (const { sku } of lines) {
    if (seen.has(sku.id))
      throw invalidInput('bundle_component_repeated', `SKU ${sku.code} is in the order more than once (on its own or in a bundle); order it in one place`, { sku: sku.code });
    seen.add(sku.id);
  }
  const units = lines.reduce((n, l) => n + l.item.quantity, 0);
  if (units > MAX_UNITS_PER_ORDER) {
    throw invalidInput('quantity_exceeds_limit', `An order may hold at most ${MAX_UNITS_PER_ORDER} units in all, counting each part of a bundle`, {
      sku: bundles[0]?.sku.code ?? '',
      max: MAX_UNITS_PER_ORDER,
    });
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

async function writeOrder(db: Db, storefront: StorefrontIdentity, request: OrderRequest, requestHash: string, lines: Line[]): Promise<AcceptedOrder> {
  // How each line is served: all from stock, from stock as far as it goes (supplier fallback),
  // or not from stock at all (bought, topped up, or fulfilled by a person).
  const plans = new Map<string, StockPlan>();
  for (const { item, sku } of lines) plans.set(sku.id, await stockPlan(db, sku, item.quantity));
  const rows = orderRows(storefront, request, requestHash, lines, plans);
  const fromStock = rows.items.filter((i) => plans.get(i.sku_id) !== 'none');

  // The usual order, and every order of a flash sale: at most one line from stock, which stock
  // covers. One statement reserves the stock and writes the order, or, sold out, writes
  // nothing. The hot SKU row is locked inside Postgres for that statement and its commit only,
  // never across a round trip to this process, so buyers do not queue behind each other's
  // network and event-loop delays.
  const line = fromStock[0];
  const sku = line && lines.find((l) => l.sku.id === line.sku_id)!.sku;
  // A storefront with a credit limit or a prepaid balance takes the transaction below, where its
  // credit is held or its balance drawn first; so does a bundle, whose components' stock is
  // reserved together, SKU rows locked by id.
  const bundled = lines.some((l) => l.bundle);
  if (
    !storefront.creditLimited &&
    !storefront.prepaid &&
    !bundled &&
    (fromStock.length === 0 || (fromStock.length === 1 && (plans.get(sku.id) === 'all' || sku.stock_available >= line.quantity)))
  ) {
    const reservation = line && { id: crypto.randomUUID(), order_id: rows.order.id, order_item_id: line.id, sku_id: line.sku_id, quantity: line.quantity, status: 'held' };
    const at = await insertOrder(db, rows, reservation);
    if (at) return acceptedOrder(rows, lines, at);
    if (plans.get(sku.id) === 'all') {
      const now = await db('skus').where({ id: sku.id }).first('stock_available');
      throw soldOut(sku, line.quantity, now?.stock_available ?? 0);
    }
    // A fallback line that found less stock than it hoped: take what is left below.
  }

  // Anything else (several lines from stock, or part stock, part supplier) in a transaction.
  // Stock is reserved last, so SKU rows stay locked only for the reservations and the commit.
  return db.transaction(async (trx) => {
    await payAtAcceptance(trx, storefront, { id: rows.order.id, amount: rows.order.total_amount, currency: rows.order.currency });
    const at = (await insertOrder(trx, rows, undefined, { rollup: false }))!;
    // Counted before its stock is reserved, as the one statement does (orders/daily-rollup.ts).
    await rollUpAccepted(trx, rows.order.id);
    // Lock SKU rows in a fixed order (by id) so multi-item orders never deadlock each other.
    for (const i of [...fromStock].sort((a, b) => (a.sku_id < b.sku_id ? -1 : 1))) {
      const lineSku = lines.find((l) => l.sku.id === i.sku_id)!.sku;
      const taken = await reserveLine(trx, lineSku, { orderId: rows.order.id, orderItemId: i.id, quantity: i.quantity }, plans.get(i.sku_id) as 'all' | 'up_to');
      if (taken < i.quantity) {
        await trx('order_units').where({ order_item_id: i.id }).andWhere('seq', '>', taken).update({ source: 'supplier' });
      }
    }
    return acceptedOrder(rows, lines, at);
  });
}

/** The rows as written, for the order's answer (the items are `lines` in the same order). */
function acceptedOrder(rows: OrderRows, lines: Line[], at: Date): AcceptedOrder {
  return {
    order: rows.order,
    lines: rows.items.map((i, n) => ({ ...i, code: lines[n].sku.code, name: lines[n].sku.name, bundle: lines[n].bundle })),
    units: rows.units,
    accepted: rows.accepted,
    at,
  };
}

type OrderRows = ReturnType<typeof orderRows>;

/** The order's rows, as they will be written. Units a line may take from stock start as stock units. */
function orderRows(storefront: StorefrontIdentity, request: OrderRequest, requestHash: string, lines: Line[], plans: Map<string, StockPlan>) {
  const orderId = crypto.randomUUID();
  const total = lines.reduce((sum, { item, unitPrice }) => sum + item.quantity * unitPrice, 0);
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
    channel: request.channel ?? null,
    campaign: request.campaign ?? null,
  };
  const items = lines.map(({ item, sku, unitPrice, bundle, faceValue, unitCost }) => ({
    id: crypto.randomUUID(),
    order_id: orderId,
    sku_id: sku.id,
    quantity: item.quantity,
    unit_price: unitPrice,
    account: item.account ?? null,
    bundle_sku_id: bundle?.skuId ?? null,
    bundle_quantity: bundle?.quantity ?? null,
    bundle_policy: bundle?.policy ?? null,
    face_value: faceValue ?? null,
    unit_cost: unitCost ?? null,
  }));
  const modeOf = new Map(lines.map(({ sku }) => [sku.id, sku.fulfilment_mode]));
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
  const accepted = {
    items: request.items.map((item) => ({ sku: item.sku, quantity: item.quantity, ...(item.amount !== undefined ? { amount: item.amount } : {}) })),
    totalAmount: total,
  };
  return { order, items, units, accepted };
}

/**
 * The order, its items, its units, its first timeline entry, its velocity events, (unless told
 * not to) its count in the rollups and (given one) its reservation in one statement; foreign keys are checked at its end. With a
 * reservation, the stock is taken in the same statement and nothing is written unless it could
 * be. The statement first locks the order's velocity subjects (risk/velocity.ts), so orders that
 * share one draw their acceptance numbers in the order they commit. Returns when it was written
 * (the transaction's time, which every row it wrote carries), or undefined if it was not.
 *
 * The stock is taken last: every buyer of a flash sale queues on the SKU's row, which stays
 * locked from the moment it is taken until the commit is flushed. So the statement writes the
 * order's rows and its rollup counts first (`written` pulls every insert before `taken` runs) and takes the stock, then
 * the reservation; if the stock is gone by then, stock_not_taken() (migration 015) undoes the
 * whole statement. Either way it is one atomic statement: the order exists with its stock, or
 * not at all.
 */
async function insertOrder(
  db: Db | Trx,
  rows: OrderRows,
  reservation?: { id: string; order_id: string; order_item_id: string; sku_id: string; quantity: number; status: string },
  opts = { rollup: true },
): Promise<Date | undefined> {
  const taken = reservation ? takeStockSql('all', 'written') : `SELECT 1 AS take FROM written`;
  const rollups = opts.rollup
    ? acceptedRollupSql('o', 'SELECT sku_id, quantity FROM json_populate_recordset(null::order_items, :itemRows::json)')
    : 'no_rollup AS (SELECT 1 WHERE false)';
  try {
    const { rows: answer } = await plannedOnce(
      db.raw(
        `WITH locked AS (${ACCEPTANCE_LOCK_SQL}),
            o AS (INSERT INTO orders (id, merchant_id, storefront_id, external_ref, request_hash, status, currency, total_amount, buyer, channel, campaign)
                  SELECT id, merchant_id, storefront_id, external_ref, request_hash, status, currency, total_amount, buyer, channel, campaign
                    FROM json_populate_record(null::orders, :orderRow::json) WHERE EXISTS (SELECT 1 FROM locked)
                  RETURNING id, merchant_id, created_at, currency, total_amount, accept_seq, storefront_id, channel, campaign),
            v AS (${velocityEventsSql('o')} RETURNING 1),
            i AS (INSERT INTO order_items (id, order_id, sku_id, quantity, unit_price, account, bundle_sku_id, bundle_quantity, bundle_policy, face_value, unit_cost)
                  SELECT id, order_id, sku_id, quantity, unit_price, account, bundle_sku_id, bundle_quantity, bundle_policy, face_value, unit_cost
                    FROM json_populate_recordset(null::order_items, :itemRows::json)
                  RETURNING 1),
            u AS (INSERT INTO order_units (id, order_id, order_item_id, sku_id, seq, status, source)
                  SELECT id, order_id, order_item_id, sku_id, seq, status, source FROM json_populate_recordset(null::order_units, :unitRows::json)
                  RETURNING 1),
            e AS (INSERT INTO order_events (order_id, type, detail) SELECT id, 'accepted', :accepted::jsonb FROM o RETURNING 1),
            ${rollups},
            written AS (SELECT (SELECT count(*) FROM v) + (SELECT count(*) FROM i) + (SELECT count(*) FROM u) + (SELECT count(*) FROM e)
                             + (SELECT count(*) FROM ${opts.rollup ? ACCEPTED_ROLLUPS_DONE : 'no_rollup'}) AS n),
            taken AS (${taken}),
            r AS (INSERT INTO reservations (id, order_id, order_item_id, sku_id, quantity, status)
                  SELECT id, order_id, order_item_id, sku_id, quantity, status FROM json_populate_recordset(null::reservations, :reservationRows::json)
                   WHERE EXISTS (SELECT 1 FROM taken))
       SELECT CASE WHEN EXISTS (SELECT 1 FROM taken) THEN 1 ELSE stock_not_taken() END AS written, now() AS at`,
        {
          quantity: reservation?.quantity ?? 0,
          skuId: reservation?.sku_id ?? null,
          merchantId: rows.order.merchant_id,
          ...velocityBindings(velocityMarks(rows.order.buyer)),
          // Named unlike the tables (null::orders): knex would take :orders for a binding.
          reservationRows: JSON.stringify(reservation ? [reservation] : []),
          orderRow: JSON.stringify(rows.order),
          itemRows: JSON.stringify(rows.items),
          unitRows: JSON.stringify(rows.units),
          accepted: JSON.stringify(rows.accepted),
        },
      ),
    );
    return answer[0].at as Date;
  } catch (err) {
    if ((err as { code?: string }).code === STOCK_NOT_TAKEN_SQLSTATE) return undefined;
    throw err;
  }
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
type StockPlan = 'all' | 'up_to' | 'none';

async function stockPlan(db: Db, sku: SkuRow, quantity: number): Promise<StockPlan> {
  if (sku.fulfilment_mode === 'stock' && !sku.supplier_fallback) return 'all';
  if (sku.fulfilment_mode === 'manual') return 'none';
  const routes = await db('sku_supplier_routes as r')
    .join('suppliers as p', 'p.id', 'r.supplier_id')
    .where({ 'r.sku_id': sku.id, 'r.active': true, 'p.active': true })
    .first('r.id');
  if (sku.fulfilment_mode === 'stock') return routes ? 'up_to' : 'all';
  if (!routes) throw conflict('sold_out', `SKU ${sku.code} has no supplier to buy from right now`, { sku: sku.code, requested: quantity, available: 0 });
  return 'none';
}

/**
 * What accepting an order costs its storefront, first in the acceptance transaction: a credit
 * limit held, a prepaid balance drawn (each locks the storefront's row, so two orders cannot both
 * spend the last of it). Not enough throws a 402 and the transaction writes nothing.
 */
export async function payAtAcceptance(trx: Trx, storefront: StorefrontIdentity, order: { id: string; amount: number; currency: string }): Promise<void> {
  if (storefront.creditLimited) await holdCredit(trx, storefront.id, order.amount, order.currency);
  if (storefront.prepaid) await drawBalance(trx, { id: order.id, merchantId: storefront.merchantId, storefrontId: storefront.id, amount: order.amount, currency: order.currency });
}

/** The order an earlier submission of this externalRef made, if the same request (else 409 idempotency_conflict). */
export async function findPrevious(db: Db, storefront: StorefrontIdentity, externalRef: string, requestHash: string): Promise<PreviousOrder | undefined> {
  const row = await db('orders').where({ storefront_id: storefront.id, external_ref: externalRef }).first('id', 'request_hash', 'status');
  return row ? sameRequestAs(row, externalRef, requestHash) : undefined;
}

/** An earlier submission's order answers this one only if it was the same request (else 409 idempotency_conflict). */
function sameRequestAs(previous: PreviousOrder, externalRef: string, requestHash: string): PreviousOrder {
  requireSameRequest(previous.request_hash, requestHash, `externalRef ${externalRef} was already used for a different order`, { externalRef, orderId: previous.id });
  return previous;
}

async function startFulfilmentIfPending(order: { id: string; status: string }, start: (id: string) => void | Promise<void>) {
  // A resubmission is a good moment to make sure a workflow exists (starting is idempotent).
  if (order.status === 'accepted') await start(order.id);
}

export function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return !(err instanceof AppError) && e?.code === '23505' && e.constraint === constraint;
}
