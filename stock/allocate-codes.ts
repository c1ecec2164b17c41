import type { Db } from '../db';
import { InvariantBroken } from '../lib/errors';
import { appendEvent } from '../orders/events';
import { holdStockCodes } from '../orders/unit-goods';

// Codes are allocated here: each pending stock unit of an order takes one available code of its SKU.
// Idempotent: a retry finds the units already allocated and changes nothing. codes.unit_id is
// UNIQUE, so no code can ever reach two units, even if this logic had a bug.

export class StockShortfall extends Error {
  constructor(
    readonly sku: string,
    readonly missing: number,
  ) {
    super(`SKU ${sku} has ${missing} fewer usable codes than its reservations promised (expired or voided codes)`);
    this.name = 'StockShortfall';
  }
}

export class OrderNotAllocatable extends Error {
  constructor(status: string) {
    super(`order is ${status}; codes can be allocated only while it is processing`);
    this.name = 'OrderNotAllocatable';
  }
}

export async function allocateCodes(db: Db, orderId: string): Promise<{ units: number; newlyAllocated: number }> {
  return db.transaction(async (trx) => {
    // The order row lock serialises two attempts of this same step.
    const order = await trx('orders').where({ id: orderId }).forUpdate().first('status');
    if (!order) throw new InvariantBroken('order_missing', { orderId });
    const pending = await trx('order_units as u')
      .join('skus as s', 's.id', 'u.sku_id')
      .where({ 'u.order_id': orderId, 'u.status': 'pending', 'u.source': 'stock' })
      .orderBy(['u.sku_id', 'u.order_item_id', 'u.seq'])
      .select('u.id', 'u.sku_id', 's.code as sku_code', 's.supplier_fallback');
    const total = await trx('order_units').where({ order_id: orderId, source: 'stock' }).count<{ count: number }[]>('* as count');
    if (pending.length === 0) return { units: Number(total[0].count), newlyAllocated: 0 };
    if (order.status !== 'processing') throw new OrderNotAllocatable(order.status);

    const bySku = new Map<string, typeof pending>();
    for (const u of pending) bySku.set(u.sku_id, [...(bySku.get(u.sku_id) ?? []), u]);

    let allocated = 0;
    for (const [skuId, units] of bySku) {
      // SKIP LOCKED: concurrent orders of one SKU take different codes instead of queueing.
      // Soonest expiry first; expired codes are never handed out.
      const codes = await trx('codes')
        .where({ sku_id: skuId, status: 'available' })
        .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', trx.fn.now()))
        .orderByRaw('expires_at ASC NULLS LAST, id ASC')
        .limit(units.length)
        .forUpdate()
        .skipLocked()
        .select('id');
      if (codes.length < units.length) {
        if (!units[0].supplier_fallback) throw new StockShortfall(units[0].sku_code, units.length - codes.length);
        // Expired or voided codes left the reservation short: buy the rest from the SKU's routes.
        const short = units.splice(codes.length);
        await trx('order_units')
          .whereIn(
            'id',
            short.map((u) => u.id),
          )
          .update({ source: 'supplier' });
        await appendEvent(trx, orderId, 'stock_short_using_supplier', { sku: short[0].sku_code, units: short.length });
        if (units.length === 0) continue;
      }

      await holdStockCodes(
        trx,
        units.map((u, i) => ({ codeId: codes[i].id, unitId: u.id })),
      );
      allocated += units.length;
    }
    await trx('reservations').where({ order_id: orderId, status: 'held' }).update({ status: 'consumed', updated_at: trx.fn.now() });
    await appendEvent(trx, orderId, 'codes_allocated', { units: allocated });
    return { units: Number(total[0].count), newlyAllocated: allocated };
  });
}
