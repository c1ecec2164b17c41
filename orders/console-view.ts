import type { Db } from '../db';
import { eventDetail } from './events';
import { orderReason, riskReasonCodes, type OrderReason } from './reasons';
import { withSupplierOutcomes } from './supplier-outcomes';
import { allowedActions, type OrderAction } from './lifecycle';
import { loadOrderFacts } from './order-facts';

// The order as the console shows it to a merchant's staff: everything a storefront sees except
// the codes themselves (each unit shows its code's mask; revealing one is a separate, audited
// request), plus the storefront, settlement, refund and webhook attempts, and which actions the
// order's state allows. The actions a role allows are the console's business (lib/permissions.ts).

export interface ConsoleOrder {
  id: string;
  externalRef: string;
  status: string;
  reason: string | null;
  /** The reason as a code with parameters for the console to word; null for a person's own words. */
  reasonCode: OrderReason | null;
  currency: string;
  totalAmount: number;
  storefront: { id: string; name: string; webhookUrl: string | null };
  buyer: Record<string, unknown>;
  risk: { decision: string; reasons: string[]; checkedAt?: string; score?: number; ruleVersion?: number; reviewDeadline?: string } | null;
  /** For an order the risk check held: its review, and who decided it. */
  review: { status: string; deadlineAt: string; decidedAt: string | null; decidedBy: string | null; note: string | null } | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
  items: {
    sku: string;
    name: string;
    quantity: number;
    unitPrice: number;
    /** The buyer's account, for top-ups. */
    account: string | null;
    units: {
      id: string;
      seq: number;
      status: string;
      code: null | { id: string; mask: string; status: string; expiresAt: string | null };
      /** Where the goods come from: imported stock, a supplier, or a person. */
      source: 'stock' | 'supplier' | 'manual';
      /** A top-up's proof instead of a code (not secret). */
      receipt: null | { receipt: string; account: string; enteredBy: string | null };
    }[];
  }[];
  /** Set when the order waits (or waited) on a person to fulfil it by hand. */
  manualTask: null | { status: string; escalateAt: string; cancelAt: string; doneBy: string | null };
  timeline: ({ id: number; type: string; at: string } & Record<string, unknown>)[];
  settlement: { revenue: number; cost: number; grossProfit: number; at: string } | null;
  /** All its refunds together (an order may be refunded unit by unit); reason, by and at of the last. */
  refund: { amount: number; reason: string; by: string; at: string; codesVoided: number; unitsReleased: number; revenueReversed: number; refunds: number } | null;
  webhookAttempts: { id: string; at: string; outcome: string; httpStatus: number | null; error: string | null; durationMs: number }[];
  /** What the order's state allows now; the server checks again when asked. */
  actions: Record<OrderAction, boolean>;
  /** Set while the order needs attention: the step it stopped at and what broke (a message code with params). */
  attention: null | { step: string; code: string; params: Record<string, string | number>; since: string };
}

export async function loadConsoleOrder(db: Db, merchantId: string, orderId: string): Promise<ConsoleOrder | undefined> {
  const order = await db('orders as o')
    .join('storefronts as sf', 'sf.id', 'o.storefront_id')
    .where({ 'o.id': orderId, 'o.merchant_id': merchantId })
    .first('o.*', 'sf.name as storefront_name', 'sf.webhook_url');
  if (!order) return undefined;

  const [items, units, events, settlement, refund, attempts] = await Promise.all([
    db('order_items as i')
      .join('skus as s', 's.id', 'i.sku_id')
      .where('i.order_id', order.id)
      .orderBy('s.code')
      .select('i.id', 'i.quantity', 'i.unit_price', 'i.account', 's.code', 's.name'),
    db('order_units as u')
      .leftJoin('codes as c', 'c.unit_id', 'u.id')
      .where('u.order_id', order.id)
      .orderBy(['u.order_item_id', 'u.seq'])
      .select('u.id', 'u.order_item_id', 'u.seq', 'u.status', 'u.source', 'u.receipt', 'c.id as code_id', 'c.mask', 'c.status as code_status', 'c.expires_at'),
    db('order_events').where({ order_id: order.id }).orderBy('id').select('id', 'type', 'detail', 'created_at'),
    db('settlements').where({ order_id: order.id }).first(),
    db('refunds').where({ order_id: order.id }).orderBy('created_at').select(),
    db('webhook_attempts').where({ order_id: order.id }).orderBy('id', 'desc').limit(20).select('id', 'created_at', 'outcome', 'http_status', 'error', 'duration_ms'),
  ]);

  const manualTask = await db('manual_tasks').where({ order_id: order.id }).first('status', 'escalate_at', 'cancel_at', 'done_by');
  const review =
    order.risk?.decision === 'review'
      ? await db('risk_reviews as r')
          .leftJoin('users as u', 'u.id', 'r.decided_by')
          .where('r.order_id', order.id)
          .first('r.status', 'r.deadline_at', 'r.decided_at', 'r.note', 'u.email')
      : undefined;
  const facts = await loadOrderFacts(db, order);
  const lastRefund = refund.at(-1);
  const sum = (key: 'amount' | 'codes_voided' | 'units_released' | 'revenue_reversed') => refund.reduce((n: number, r) => n + Number(r[key]), 0);
  return {
    id: order.id,
    externalRef: order.external_ref,
    status: order.status,
    // The English sentence as before, and beside it the code the console words (orders/reasons.ts).
    reason: order.reason,
    reasonCode: await withSupplierOutcomes(db, order, orderReason(order.reason, order.risk)),
    currency: order.currency,
    totalAmount: order.total_amount,
    storefront: { id: order.storefront_id, name: order.storefront_name, webhookUrl: order.webhook_url },
    buyer: order.buyer,
    risk: order.risk,
    review: review
      ? {
          status: review.status,
          deadlineAt: review.deadline_at.toISOString(),
          decidedAt: review.decided_at?.toISOString() ?? null,
          decidedBy: review.email ?? null,
          note: review.note,
        }
      : null,
    createdAt: order.created_at.toISOString(),
    updatedAt: order.updated_at.toISOString(),
    deliveredAt: order.delivered_at?.toISOString() ?? null,
    items: items.map((i) => ({
      sku: i.code,
      name: i.name,
      quantity: i.quantity,
      unitPrice: i.unit_price,
      account: i.account ?? null,
      units: units
        .filter((u) => u.order_item_id === i.id)
        .map((u) => ({
          id: u.id,
          seq: u.seq,
          status: u.status,
          code: u.code_id ? { id: u.code_id, mask: u.mask, status: u.code_status, expiresAt: u.expires_at?.toISOString() ?? null } : null,
          source: u.source,
          receipt: u.receipt ? { receipt: u.receipt.receipt, account: u.receipt.account, enteredBy: u.receipt.enteredBy ?? null } : null,
        })),
    })),
    manualTask: manualTask
      ? { status: manualTask.status, escalateAt: manualTask.escalate_at.toISOString(), cancelAt: manualTask.cancel_at.toISOString(), doneBy: manualTask.done_by }
      : null,
    timeline: events.map((e) => {
      const detail = eventDetail(e.detail);
      // A closing event's reason, as the order's own is sent: a code with parameters beside the text.
      const closing = (e.type === 'failed' || e.type === 'cancelled') && typeof detail.reason === 'string';
      // A retry's previous reason, coded when it was (the order's risk may have been judged again since).
      const retried = e.type === 'retried' && typeof detail.previousReason === 'string';
      const risk = e.type === 'risk_checked' ? riskReasonCodes(detail, order.risk) : undefined;
      return {
        ...detail,
        ...(closing ? { reasonCode: orderReason(detail.reason as string, order.risk) } : {}),
        ...(retried ? { previousReasonCode: orderReason(detail.previousReason as string, null) } : {}),
        ...(risk ? { reasonCodes: risk } : {}),
        id: e.id,
        type: e.type,
        at: e.created_at.toISOString(),
      };
    }),
    settlement: settlement ? { revenue: settlement.revenue, cost: settlement.cost, grossProfit: settlement.gross_profit, at: settlement.created_at.toISOString() } : null,
    refund: lastRefund
      ? {
          amount: sum('amount'),
          reason: lastRefund.reason,
          by: lastRefund.refunded_by,
          at: lastRefund.created_at.toISOString(),
          codesVoided: sum('codes_voided'),
          unitsReleased: sum('units_released'),
          revenueReversed: sum('revenue_reversed'),
          refunds: refund.length,
        }
      : null,
    webhookAttempts: attempts.map((a) => ({ id: a.id, at: a.created_at.toISOString(), outcome: a.outcome, httpStatus: a.http_status, error: a.error, durationMs: a.duration_ms })),
    attention:
      order.status === 'needs_attention' && order.attention
        ? { step: order.attention.step, code: order.attention.code, params: order.attention.params, since: order.attention.since }
        : null,
    actions: allowedActions(facts),
  };
}
