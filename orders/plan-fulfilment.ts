import type { Db } from '../db';
import { orderSearchFacts, type OrderSearchFacts } from './search-facts';

// After stock allocation: which units still need a supplier purchase, and whether a person
// must fulfil some. Only ids and counts go back to the workflow, and whether a part that cannot
// be bought waits for a person: the order holds a bundle whose policy says so (orders/bundle-lines.ts).
// With `tags`, also what Temporal's list shows of the order, read here so the workflow needs no
// step of its own for it.
export async function planFulfilment(
  db: Db,
  orderId: string,
  opts: { tags?: boolean } = {},
): Promise<{ supplierUnitIds: string[]; manualUnits: number; partFailure?: 'wait_for_person'; tags?: OrderSearchFacts }> {
  const pending = await db('order_units')
    .where({ order_id: orderId, status: 'pending' })
    .whereIn('source', ['supplier', 'manual'])
    .orderBy(['order_item_id', 'seq'])
    .select('id', 'source');
  const waits = await db('order_items').where({ order_id: orderId, bundle_policy: 'wait' }).first('id');
  return {
    ...(waits ? { partFailure: 'wait_for_person' as const } : {}),
    supplierUnitIds: pending.filter((u) => u.source === 'supplier').map((u) => u.id),
    manualUnits: pending.filter((u) => u.source === 'manual').length,
    ...(opts.tags ? { tags: await orderSearchFacts(db, orderId) } : {}),
  };
}
