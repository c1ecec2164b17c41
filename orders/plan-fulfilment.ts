import type { Db } from '../db';

// After stock allocation: which units still need a supplier purchase, and whether a person
// must fulfil some. Only ids and counts go back to the workflow, and whether a part that cannot
// be bought waits for a person: the order holds a bundle whose policy says so (orders/bundle-lines.ts).
export async function planFulfilment(db: Db, orderId: string): Promise<{ supplierUnitIds: string[]; manualUnits: number; partFailure?: 'wait_for_person' }> {
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
  };
}
