import type { Db } from '../db';

// After stock allocation: which units still need a supplier purchase, and whether a person
// must fulfil some. Only ids and counts go back to the workflow.
export async function planFulfilment(db: Db, orderId: string): Promise<{ supplierUnitIds: string[]; manualUnits: number }> {
  const pending = await db('order_units')
    .where({ order_id: orderId, status: 'pending' })
    .whereIn('source', ['supplier', 'manual'])
    .orderBy(['order_item_id', 'seq'])
    .select('id', 'source');
  return {
    supplierUnitIds: pending.filter((u) => u.source === 'supplier').map((u) => u.id),
    manualUnits: pending.filter((u) => u.source === 'manual').length,
  };
}
