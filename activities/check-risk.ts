import type { Db } from '../db';
import { appendEvent } from '../orders/events';

// A deliberately small risk policy: per-order amount and quantity caps set on the merchant,
// and a blocklist of buyer identifiers. Every reason is written for a person to read.

export interface RiskResult {
  decision: 'allow' | 'reject';
  reasons: string[];
}

const BUYER_FIELDS = { ip: 'ip', email: 'email', phone: 'phone', accountId: 'account', deviceId: 'device' } as const;

export async function checkRisk(db: Db, orderId: string): Promise<RiskResult> {
  return db.transaction(async (trx) => {
    const order = await trx('orders').where({ id: orderId }).forUpdate().first();
    if (!order) throw new Error(`order ${orderId} does not exist`);
    // A retry after a crash returns the decision already taken.
    if (order.risk) return { decision: order.risk.decision, reasons: order.risk.reasons };

    const merchant = await trx('merchants').where({ id: order.merchant_id }).first();
    const [{ units }] = await trx('order_items').where({ order_id: orderId }).sum<{ units: number }[]>('quantity as units');
    const reasons: string[] = [];
    if (merchant.risk_max_order_amount != null && order.total_amount > merchant.risk_max_order_amount) {
      reasons.push(`order amount ${order.total_amount} exceeds the per-order cap of ${merchant.risk_max_order_amount} (${order.currency} minor units)`);
    }
    if (merchant.risk_max_order_quantity != null && Number(units) > merchant.risk_max_order_quantity) {
      reasons.push(`order has ${units} units, over the per-order cap of ${merchant.risk_max_order_quantity}`);
    }

    const buyer = order.buyer as Record<string, string | undefined>;
    const lookups = Object.entries(BUYER_FIELDS)
      .filter(([field]) => buyer[field])
      .map(([field, kind]) => ({ kind, value: normalise(kind, buyer[field]!) }));
    if (lookups.length > 0) {
      const hits = await trx('risk_blocklist')
        .where({ merchant_id: order.merchant_id })
        .andWhere((q) => {
          for (const l of lookups) q.orWhere({ kind: l.kind, value: l.value });
        })
        .select('kind', 'reason');
      for (const h of hits) reasons.push(`buyer ${h.kind} is on the blocklist${h.reason ? ` (${h.reason})` : ''}`);
    }

    const result: RiskResult = { decision: reasons.length ? 'reject' : 'allow', reasons };
    await trx('orders')
      .where({ id: orderId })
      .update({
        risk: JSON.stringify({ ...result, checkedAt: new Date().toISOString() }),
        status: result.decision === 'allow' && order.status === 'accepted' ? 'processing' : order.status,
        updated_at: trx.fn.now(),
      });
    await appendEvent(trx, orderId, 'risk_checked', { ...result });
    return result;
  });
}

// Blocklist entries are matched as stored; emails are case-insensitive.
function normalise(kind: string, value: string): string {
  return kind === 'email' ? value.trim().toLowerCase() : value.trim();
}
