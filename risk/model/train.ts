import type { Knex } from 'knex';
import type { Db } from '../../db';
import type { Buyer } from '../../orders/validators';
import { buyerKey } from '../signals';
import { fitModel, type AnomalyModel } from './anomaly-model';
import { PRIOR_ORDERS, type FeatureInput } from './features';

// Training: replay the merchant's delivered orders of the last 90 days in time order, building
// for each the same inputs the risk check builds live (the buyer's earlier orders, buyers per
// device and IP over 24 h), and fit the model on them. Run on a Temporal Schedule.

export const MIN_TRAINING_ORDERS = 100;
const LOOKBACK_DAYS = 90;
const MAX_TRAINING_ORDERS = 100_000;
const KEEP_MODELS = 10;

export interface TrainingRow {
  amount: number;
  units: number;
  at: Date;
  buyer: Buyer;
}

/** Inputs for each order from the orders before it; rows must be in time order. */
export function trainingInputs(rows: TrainingRow[]): FeatureInput[] {
  const history = new Map<string, FeatureInput['prior']>();
  const onDevice = new SlidingDistinct(24 * 3600 * 1000);
  const onIp = new SlidingDistinct(24 * 3600 * 1000);
  return rows.map((row, index) => {
    const key = buyerKey(row.buyer) ?? `anonymous:${index}`;
    const prior = history.get(key) ?? [];
    const input: FeatureInput = {
      amount: row.amount,
      units: row.units,
      at: row.at,
      accountAgeHours: row.buyer.accountCreatedAt ? (row.at.getTime() - Date.parse(row.buyer.accountCreatedAt)) / 3_600_000 : undefined,
      prior: prior.slice(0, PRIOR_ORDERS),
      device: row.buyer.deviceId,
      ipCountry: row.buyer.ipCountry,
      buyersOnDevice: row.buyer.deviceId ? onDevice.add(row.buyer.deviceId, key, row.at.getTime()) : undefined,
      buyersOnIp: row.buyer.ip ? onIp.add(row.buyer.ip, key, row.at.getTime()) : undefined,
    };
    history.set(key, [{ amount: row.amount, device: row.buyer.deviceId, ipCountry: row.buyer.ipCountry }, ...prior].slice(0, PRIOR_ORDERS));
    return input;
  });
}

/** Distinct buyers per key over a sliding time window. */
class SlidingDistinct {
  private readonly windows = new Map<string, { events: { at: number; buyer: string }[]; head: number; counts: Map<string, number> }>();
  constructor(private readonly spanMs: number) {}

  add(key: string, buyer: string, at: number): number {
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = { events: [], head: 0, counts: new Map() }));
    while (w.head < w.events.length && w.events[w.head].at <= at - this.spanMs) {
      const old = w.events[w.head++].buyer;
      const n = w.counts.get(old)! - 1;
      if (n === 0) w.counts.delete(old);
      else w.counts.set(old, n);
    }
    w.events.push({ at, buyer });
    w.counts.set(buyer, (w.counts.get(buyer) ?? 0) + 1);
    return w.counts.size;
  }
}

export async function trainMerchantModel(db: Db, merchantId: string, asOf = new Date()): Promise<{ merchantId: string; orders: number; trained: boolean }> {
  const from = new Date(asOf.getTime() - LOOKBACK_DAYS * 24 * 3600 * 1000);
  const rows = await db('orders as o')
    .where({ 'o.merchant_id': merchantId, 'o.status': 'delivered' })
    .andWhere('o.created_at', '>', from)
    .andWhere('o.created_at', '<=', asOf)
    .orderBy('o.created_at', 'desc')
    .limit(MAX_TRAINING_ORDERS)
    .select('o.total_amount', 'o.buyer', 'o.created_at', db.raw('(SELECT sum(quantity) FROM order_items i WHERE i.order_id = o.id)::int AS units'));
  if (rows.length < MIN_TRAINING_ORDERS) return { merchantId, orders: rows.length, trained: false };

  rows.reverse();
  const model = fitModel(trainingInputs(rows.map((r) => ({ amount: r.total_amount, units: r.units, at: r.created_at, buyer: r.buyer }))));
  await db.transaction(async (trx) => {
    await trx('risk_models').insert({
      merchant_id: merchantId,
      history_from: rows[0].created_at,
      history_to: rows[rows.length - 1].created_at,
      order_count: rows.length,
      params: JSON.stringify(model),
    });
    const keep = trx('risk_models').where({ merchant_id: merchantId }).orderBy('id', 'desc').limit(KEEP_MODELS).select('id');
    await trx('risk_models').where({ merchant_id: merchantId }).whereNotIn('id', keep).delete();
  });
  return { merchantId, orders: rows.length, trained: true };
}

export async function trainAllMerchants(db: Db, asOf = new Date()) {
  const merchants = await db('merchants').orderBy('id').pluck('id');
  const results = [];
  for (const id of merchants) results.push(await trainMerchantModel(db, id, asOf));
  return results;
}

export async function latestModel(db: Db | Knex.Transaction, merchantId: string): Promise<{ id: number; trainedAt: Date; model: AnomalyModel } | undefined> {
  const row = await db('risk_models').where({ merchant_id: merchantId }).orderBy('id', 'desc').first('id', 'trained_at', 'params');
  return row ? { id: row.id, trainedAt: row.trained_at, model: row.params } : undefined;
}
