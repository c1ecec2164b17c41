import type { Db } from '../db';
import { raiseAlert } from '../lib/alerts';
import type { CodeVault } from '../lib/code-vault';
import { InvariantBroken } from '../lib/errors';
import { SupplierRefused, SupplierUnavailable } from './adapter';
import { recordSeenBalance } from './balances';
import { mayCall, recordAnswer, recordFailure } from './circuit-breaker';
import { codedReason } from '../orders/reasons';
import { supplierOutcome, type SupplierOutcome } from './outcome-codes';
import { applyOutcome, markFailed } from './purchase-results';
import type { SupplierRateLimits } from './rate-limit';
import type { SupplierRegistry } from './registry';

// A supplier is called here: one order unit, bought along the SKU's routes in priority order.
//
// Exactly one charge per unit: every attempt is written (status pending) before it is sent,
// under a reference `<unit id>.<attempt>` the supplier treats as its idempotency key, and a
// partial unique index allows one live attempt per unit. When an attempt gets no usable answer
// (timeout, 5xx, an HTML page) it stays pending and this function throws; the retry first asks
// the supplier about that reference and buys nothing else until it knows.

export interface PurchaseDeps {
  db: Db;
  vault: CodeVault;
  registry: SupplierRegistry;
  rateLimits: SupplierRateLimits;
  /** Base URL suppliers call back on (…/supplier-callbacks/:supplierId); none = poll only. */
  callbackBaseUrl?: string;
}

/**
 * A failed unit's reason is English for logs and the storefront (`reason`); `coded`, when set, is
 * the order's reason for a person as a code with parameters (orders/reasons.ts codedReason). When
 * it is not (a supplier failure: the order's reason keeps its English, and the console reads what
 * each supplier said from the purchases), `outcomes` are those answers as codes, for a bulk order
 * to record per unit (orders/bulk/fulfil-pages.ts).
 */
export type UnitPurchase =
  { status: 'succeeded' } | { status: 'processing'; purchaseId: string } | { status: 'failed'; reason: string; coded?: string; outcomes?: SupplierOutcome[] };

/**
 * A wait the purchase retries through; `coded` is why, for a person, should the waiting run out
 * (the order's supplier_unavailable reason, which the workflow reads from the failure's details).
 */
export class PurchaseWait extends Error {
  constructor(
    message: string,
    readonly coded: string,
  ) {
    super(message);
  }
}

/** Retryable: the last attempt's outcome is unknown; it is asked about on the next try. */
export class PurchaseOutcomeUnknown extends PurchaseWait {
  name = 'PurchaseOutcomeUnknown';
  constructor(message: string, supplier: string, said: string) {
    super(message, codedReason('supplier_unavailable', {}, [supplierOutcome(supplier, 'no_answer', said)]));
  }
}

/** Retryable: every usable route is paused (circuit open, rate limit) for now. */
export class NoSupplierAvailableNow extends PurchaseWait {
  name = 'NoSupplierAvailableNow';
  constructor(message: string, outcomes: SupplierOutcome[]) {
    super(message, codedReason('supplier_unavailable', {}, outcomes));
  }
}

// Failures after which the same route may be tried again for this unit: the supplier never
// took the order, or asked us to slow down. Any other refusal or failure moves on for good.
const ROUTE_RETRYABLE = new Set(['not_committed', 'rate_limited']);

export async function purchaseUnit(deps: PurchaseDeps, unitId: string): Promise<UnitPurchase> {
  const { db } = deps;
  const unit = await db('order_units as u')
    .join('order_items as i', 'i.id', 'u.order_item_id')
    .join('skus as s', 's.id', 'u.sku_id')
    .where('u.id', unitId)
    .first('u.id', 'u.order_id', 'u.status', 'u.sku_id', 'i.account', 'i.face_value', 'i.unit_cost', 's.code as sku_code', 's.merchant_id');
  if (!unit) throw new InvariantBroken('unit_missing', { unitId });
  if (unit.status === 'allocated' || unit.status === 'delivered') return { status: 'succeeded' };
  if (unit.status !== 'pending') return { status: 'failed', reason: `unit is ${unit.status}`, coded: codedReason('supplier_unit_closed', { status: unit.status }) };

  // 1. Settle whatever was already sent for this unit.
  // A purchase whose goods were given back (a retried bundle part, orders/retry-order.ts) is not the unit's.
  const live = await db('supplier_purchases').where({ unit_id: unitId }).whereIn('status', ['pending', 'processing', 'succeeded']).whereNull('given_back_at').first();
  if (live) {
    const status = live.status === 'pending' ? await resolvePending(deps, live) : live.status;
    if (status === 'succeeded') return { status: 'succeeded' };
    if (status === 'processing') return { status: 'processing', purchaseId: live.id };
  }

  // 2. Buy along the routes.
  // A person's retry of the order starts the routes afresh: failures before it no longer count.
  const previous = await db('supplier_purchases')
    .where({ unit_id: unitId, status: 'failed' })
    .whereRaw(`created_at > coalesce((SELECT retried_at FROM orders WHERE id = ?), '-infinity')`, [unit.order_id])
    .select('route_id', 'failure_code');
  const retryable = (code: string | null) => code !== null && ROUTE_RETRYABLE.has(code);
  const exhausted = new Map(previous.filter((p) => !retryable(p.failure_code)).map((p) => [p.route_id, p.failure_code]));
  // A route that just failed to answer goes to the back of the line: the unit tries the others
  // first instead of waiting on the same supplier again.
  const unanswered = new Set(previous.filter((p) => retryable(p.failure_code)).map((p) => p.route_id));
  const inPriority = await db('sku_supplier_routes as r')
    .join('suppliers as p', 'p.id', 'r.supplier_id')
    .where({ 'r.sku_id': unit.sku_id, 'r.active': true, 'p.active': true, 'p.kind': 'api' })
    .orderBy('r.priority')
    .select('r.id', 'r.supplier_id', 'r.supplier_product', 'r.max_unit_cost', 'p.name', 'p.rate_limit_per_second', 'p.circuit_open_until', 'p.consecutive_failures');
  // A custom face value's price guard is the cost computed for its amount (orders/custom-amount.ts),
  // not the route's fixed maximum, which was set for no amount in particular.
  const guarded = inPriority.map((r) => (unit.unit_cost == null ? r : { ...r, max_unit_cost: Number(unit.unit_cost) }));
  const routes = [...guarded.filter((r) => !unanswered.has(r.id)), ...guarded.filter((r) => unanswered.has(r.id))];
  if (routes.length === 0)
    return { status: 'failed', reason: `SKU ${unit.sku_code} has no active supplier route`, coded: codedReason('supplier_no_route', { sku: unit.sku_code }) };

  // The supplier answered: close its circuit, but skip the write when it was healthy already
  // (the common case, on the path of every purchase).
  const healthy = (route: { supplier_id: string; consecutive_failures: number; circuit_open_until: Date | null }) =>
    route.consecutive_failures > 0 || route.circuit_open_until ? recordAnswer(db, route.supplier_id) : undefined;

  // Why each route did not supply: in English for the logs, and as codes for a person.
  const reasons: string[] = [];
  const outcomes: SupplierOutcome[] = [];
  const said = (route: { name: string }, english: string, code: string | null, message: string | null = null) => {
    reasons.push(`${route.name}: ${english}`);
    outcomes.push(supplierOutcome(route.name, code, message));
  };
  let pausedRoute = false;
  for (const route of routes) {
    if (exhausted.has(route.id)) {
      said(route, `${exhausted.get(route.id)}`, exhausted.get(route.id) ?? null);
      continue;
    }
    if (!(await mayCall(db, route))) {
      said(route, 'circuit open', 'circuit_open');
      pausedRoute = true;
      continue;
    }
    if (!(await deps.rateLimits.take(route.supplier_id, route.rate_limit_per_second))) {
      said(route, 'at our rate limit', 'at_rate_limit');
      pausedRoute = true;
      continue;
    }

    const purchase = await recordAttempt(db, unit, route);
    const { adapter } = await deps.registry.adapterFor(route.supplier_id);
    let outcome;
    try {
      outcome = await adapter.purchase({
        reference: purchase.reference,
        product: route.supplier_product,
        maxUnitPrice: route.max_unit_cost,
        account: unit.account ?? undefined,
        ...(unit.face_value != null ? { faceValue: Number(unit.face_value) } : {}),
        callbackUrl: deps.callbackBaseUrl ? `${deps.callbackBaseUrl}/supplier-callbacks/${route.supplier_id}` : undefined,
      });
    } catch (err) {
      if (err instanceof SupplierUnavailable) {
        await recordFailure(db, route.supplier_id);
        throw new PurchaseOutcomeUnknown(
          `${route.name} gave no usable answer for ${purchase.reference} (${err.message}); asking about it before buying anything else`,
          route.name,
          err.message,
        );
      }
      if (!(err instanceof SupplierRefused)) throw err;
      await healthy(route);
      await markFailed(db, purchase, err.code, err.message);
      if (err.code === 'invalid_account')
        return { status: 'failed', reason: `the account was rejected by ${route.name}: ${err.message}`, outcomes: [supplierOutcome(route.name, err.code, err.message)] };
      if (err.code === 'rate_limited') pausedRoute = true;
      if (err.code === 'insufficient_balance' && err.detail.balance !== undefined) await recordSeenBalance(db, route.supplier_id, err.detail.balance);
      said(route, describeRefusal(err, route.max_unit_cost), err.code, err.message);
      continue;
    }
    await healthy(route);
    const status = await applyOutcome(db, deps.vault, purchase.id, outcome);
    if (status === 'succeeded') return { status: 'succeeded' };
    if (status === 'processing') return { status: 'processing', purchaseId: purchase.id };
    if (outcome.status === 'failed') said(route, `${outcome.code}: ${outcome.message}`, outcome.code, outcome.message);
    else said(route, 'failed', 'failed');
  }

  if (pausedRoute) throw new NoSupplierAvailableNow(`no supplier can take unit ${unitId} right now: ${reasons.join('; ')}`, outcomes);
  return { status: 'failed', reason: `no supplier could supply ${unit.sku_code}: ${reasons.join('; ')}`, outcomes };
}

/**
 * Asks the supplier what became of an attempt whose answer never arrived. 'failed' means it was
 * never taken (safe to buy elsewhere). Throws while the supplier cannot say.
 */
export async function resolvePending(
  deps: Pick<PurchaseDeps, 'db' | 'vault' | 'registry'>,
  purchase: {
    id: string;
    order_id: string;
    unit_id: string;
    supplier_id: string;
    reference: string;
    supplier_order_id?: string | null;
    supplier_product: string;
    max_unit_cost: number;
  },
) {
  const { adapter, supplier } = await deps.registry.adapterFor(purchase.supplier_id);
  let found;
  try {
    found = await adapter.getPurchase(purchase.reference, knownOf(purchase));
  } catch (err) {
    if (err instanceof SupplierUnavailable || err instanceof SupplierRefused) {
      throw new PurchaseOutcomeUnknown(`${supplier.name} cannot yet say what became of ${purchase.reference} (${err.message})`, supplier.name, err.message);
    }
    throw err;
  }
  if (found === 'not_found') {
    await deps.db.transaction((trx) => markFailed(trx, purchase, 'not_committed', 'the supplier has no order with this reference'));
    return 'failed' as const;
  }
  return applyOutcome(deps.db, deps.vault, purchase.id, found);
}

/** Polls an asynchronous purchase (when its callback is late or lost). */
export async function checkPurchase(deps: Pick<PurchaseDeps, 'db' | 'vault' | 'registry'>, purchaseId: string): Promise<'processing' | 'succeeded' | 'failed'> {
  const status = await askAboutPurchase(deps, purchaseId);
  return status === 'pending' ? 'processing' : status;
}

async function askAboutPurchase(deps: Pick<PurchaseDeps, 'db' | 'vault' | 'registry'>, purchaseId: string) {
  const p = await deps.db('supplier_purchases').where({ id: purchaseId }).first();
  if (!p) throw new InvariantBroken('purchase_missing', { purchaseId });
  if (p.status === 'succeeded' || p.status === 'failed') return p.status;
  const found = await (async () => {
    const { adapter } = await deps.registry.adapterFor(p.supplier_id);
    try {
      return await adapter.getPurchase(p.reference, knownOf(p));
    } catch (err) {
      if (err instanceof SupplierUnavailable || err instanceof SupplierRefused) return undefined; // ask again later
      throw err;
    }
  })();
  if (found === undefined) return 'processing' as const;
  if (found === 'not_found') return resolvePending(deps, p);
  return applyOutcome(deps.db, deps.vault, purchaseId, found);
}

function knownOf(p: { supplier_order_id?: string | null; supplier_product: string; max_unit_cost: number | string }) {
  return { supplierOrderId: p.supplier_order_id ?? null, product: p.supplier_product, maxUnitPrice: Number(p.max_unit_cost) };
}

async function recordAttempt(
  db: Db,
  unit: { id: string; order_id: string; merchant_id: string },
  route: { id: string; supplier_id: string; supplier_product: string; max_unit_cost: number },
) {
  // The attempt number is derived from the rows themselves; UNIQUE (unit_id, attempt) and the
  // one-live-purchase index make a concurrent second attempt fail instead of double-buying.
  const [{ max }] = await db('supplier_purchases').where({ unit_id: unit.id }).max<{ max: number | null }[]>('attempt as max');
  const attempt = (max ?? 0) + 1;
  const row = {
    id: crypto.randomUUID(),
    merchant_id: unit.merchant_id,
    order_id: unit.order_id,
    unit_id: unit.id,
    supplier_id: route.supplier_id,
    route_id: route.id,
    supplier_product: route.supplier_product,
    reference: `${unit.id}.${attempt}`,
    attempt,
    max_unit_cost: route.max_unit_cost,
    status: 'pending' as const,
  };
  await db('supplier_purchases').insert(row);
  return row;
}

function describeRefusal(err: SupplierRefused, maxUnitCost: number): string {
  if (err.code === 'price_changed') return `price ${err.detail.unitPrice ?? 'unknown'} is above our maximum of ${maxUnitCost}`;
  if (err.code === 'insufficient_balance') return 'prepaid balance too low';
  if (err.code === 'out_of_stock') return 'out of stock';
  return `${err.code}: ${err.message}`;
}

/** An asynchronous purchase we paid for is taking far too long: tell a person (once). */
export async function flagSlowPurchase(db: Db, purchaseId: string): Promise<void> {
  const p = await db('supplier_purchases as p')
    .join('suppliers as s', 's.id', 'p.supplier_id')
    .where('p.id', purchaseId)
    .first('p.merchant_id', 'p.order_id', 'p.reference', 'p.created_at', 's.name');
  await raiseAlert(db, {
    merchantId: p.merchant_id,
    kind: 'supplier_purchase_slow',
    subjectId: purchaseId,
    message: `${p.name} has been processing purchase ${p.reference} (order ${p.order_id}) since ${p.created_at.toISOString()}; it is still being polled`,
    detail: { orderId: p.order_id, reference: p.reference },
  });
}
