import type { Knex } from 'knex';
import { conflict } from '../lib/errors';
import { refusal, type OrderAction, type OrderFacts, type OrderStatus } from './lifecycle';

// Reads what orders/lifecycle.ts needs to decide an action, for the console's view and for every
// action's own check (which runs inside the action's transaction, on the locked order row).

/** SQL: a person is asked to fulfil the order (`orderId` is SQL for its id): its manual task is open or escalated. */
export const manualTaskOpenSql = (orderId: string) => `EXISTS (SELECT 1 FROM manual_tasks mt WHERE mt.order_id = ${orderId} AND mt.status IN ('open', 'escalated'))`;

export async function loadOrderFacts(db: Knex | Knex.Transaction, order: { id: string; status: string; storefront_id: string }): Promise<OrderFacts> {
  const { rows } = await db.raw(
    `SELECT (SELECT webhook_url IS NOT NULL FROM storefronts WHERE id = ?) AS has_webhook,
            EXISTS (SELECT 1 FROM settlements WHERE order_id = ?) AS settled,
            (SELECT count(*)::int FROM order_units WHERE order_id = ? AND status <> 'refunded') AS unrefunded,
            (SELECT status FROM risk_reviews WHERE order_id = ?) AS review,
            ${manualTaskOpenSql('?')} AS manual_open`,
    [order.storefront_id, order.id, order.id, order.id, order.id],
  );
  const r = rows[0];
  return {
    status: order.status as OrderStatus,
    hasWebhookEndpoint: !!r.has_webhook,
    settled: r.settled,
    unrefundedUnits: r.unrefunded,
    review: r.review === null ? 'none' : r.review === 'open' ? 'open' : 'closed',
    manualTaskOpen: r.manual_open,
  };
}

/** Throws the lifecycle's refusal as a 409 unless `action` is allowed for this order now. */
export async function requireAllowed(db: Knex | Knex.Transaction, action: OrderAction, order: { id: string; status: string; storefront_id: string }): Promise<void> {
  const no = refusal(action, await loadOrderFacts(db, order));
  if (no) throw conflict(no.code, no.message);
}
