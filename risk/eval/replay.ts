import crypto from 'node:crypto';
import type { Db } from '../../db';
import { createMerchant, createSku } from '../../db/seed';
import type { CodeVault } from '../../lib/code-vault';
import { assessOrder, type RiskAssessment } from '../assess-order';
import { trainMerchantModel } from '../model/train';
import { DEFAULT_RULES, DEFAULT_SETTINGS } from '../rules';
import { velocityEventRows } from '../velocity';
import type { OrderStatus } from '../../orders/lifecycle';
import type { Dataset, Label, SyntheticOrder } from './generate';

// Plays a synthetic data set through the real risk check on a real Postgres: one merchant
// per configuration (so "rules alone" and "rules + model" see the same orders side by side),
// history loaded as delivered orders, then every later order judged in time order, the model
// retrained each midnight as the Schedule would. A held order is settled the way a careful
// reviewer would (fraud rejected, good orders approved), so later history is realistic.

export interface ReplayConfig {
  name: string;
  model: boolean;
  /** false: a cold shop, opened when the evaluation starts (no history; the model starts from its priors). */
  history?: boolean;
}

export interface Judged {
  ref: string;
  label: Label;
  decision: 'allow' | 'review' | 'reject';
  score: number;
  reasons: string[];
}

const DAY = 24 * 3600 * 1000;

export async function replayDataset(db: Db, vault: CodeVault, dataset: Dataset, configs: ReplayConfig[], onDay?: (day: string) => void): Promise<Map<string, Judged[]>> {
  const evaluateFrom = Date.parse(dataset.evaluateFrom);
  const shops = [];
  for (const config of configs) shops.push({ config, ...(await setUpShop(db, vault, dataset, config)) });

  const history = dataset.orders.filter((o) => Date.parse(o.at) < evaluateFrom);
  for (const shop of shops) if (shop.config.history !== false) await loadHistory(db, shop, history);

  const results = new Map<string, Judged[]>(configs.map((c) => [c.name, []]));
  let trainedFor = -1;
  for (const order of dataset.orders.filter((o) => Date.parse(o.at) >= evaluateFrom)) {
    const day = Math.floor((Date.parse(order.at) - evaluateFrom) / DAY);
    if (day !== trainedFor) {
      const midnight = new Date(evaluateFrom + day * DAY);
      onDay?.(midnight.toISOString().slice(0, 10));
      for (const shop of shops) if (shop.config.model) await trainMerchantModel(db, shop.merchantId, midnight);
      trainedFor = day;
    }
    await Promise.all(
      shops.map(async (shop) => {
        const id = await insertOrder(db, shop, order, 'accepted');
        const verdict = await assessOrder(db, id);
        const judged = await db('orders').where({ id }).first('risk');
        if (!judged) throw new Error(`order ${id} vanished during the replay`);
        const risk = judged.risk as RiskAssessment;
        // What happens next: allowed orders are delivered; a reviewer rejects fraud and approves the rest.
        const delivered = verdict.decision === 'allow' || (verdict.decision === 'review' && order.label === 'normal');
        await db('orders')
          .where({ id })
          .update({ status: delivered ? 'delivered' : 'cancelled', delivered_at: delivered ? new Date(order.at) : null });
        results.get(shop.config.name)!.push({ ref: order.ref, label: order.label, decision: verdict.decision, score: risk.score, reasons: verdict.reasons });
      }),
    );
  }
  return results;
}

export interface Shop {
  merchantId: string;
  storefrontId: string;
  skuIds: Map<string, { id: string; price: number }>;
}

async function setUpShop(db: Db, vault: CodeVault, dataset: Dataset, config: ReplayConfig): Promise<Shop> {
  const merchant = await createMerchant(db, vault, { name: `Replay ${config.name}`, ownerEmail: `replay-${crypto.randomUUID()}@example.com` });
  const skuIds = new Map<string, { id: string; price: number }>();
  for (const sku of dataset.skus) {
    skuIds.set(sku.code, {
      id: await createSku(db, { merchantId: merchant.merchantId, code: sku.code, name: sku.code, faceValue: sku.price, price: sku.price, cost: Math.round(sku.price * 0.9) }),
      price: sku.price,
    });
  }
  // The default rules, in force from before the first order, with the model on or off.
  await db('risk_rule_sets').insert({
    merchant_id: merchant.merchantId,
    version: 1,
    rules: JSON.stringify(DEFAULT_RULES),
    settings: JSON.stringify({ ...DEFAULT_SETTINGS, model: { ...DEFAULT_SETTINGS.model, enabled: config.model } }),
    change: `evaluation: ${config.name}`,
    created_by: 'system:replay',
    created_at: new Date(Date.parse(dataset.start) - DAY),
  });
  return { merchantId: merchant.merchantId, storefrontId: merchant.storefrontId, skuIds };
}

async function insertOrder(db: Db, shop: Shop, order: SyntheticOrder, status: OrderStatus): Promise<string> {
  const id = crypto.randomUUID();
  const total = order.items.reduce((sum, i) => sum + i.quantity * shop.skuIds.get(i.sku)!.price, 0);
  // As acceptance does: the order with its velocity events, numbered in the order accepted.
  const [written] = await db('orders')
    .insert(orderRow(shop, order, id, total, status))
    .returning(['id', 'merchant_id', 'created_at', 'total_amount', 'accept_seq']);
  await db('order_items').insert(itemRows(shop, order, id));
  const events = velocityEventRows(written, order.buyer);
  if (events.length) await db('risk_velocity_events').insert(events);
  return id;
}

const orderRow = (shop: Shop, order: SyntheticOrder, id: string, total: number, status: OrderStatus) => ({
  id,
  merchant_id: shop.merchantId,
  storefront_id: shop.storefrontId,
  external_ref: order.ref,
  request_hash: 'replay',
  status,
  currency: 'CNY',
  total_amount: total,
  buyer: JSON.stringify(order.buyer),
  created_at: new Date(order.at),
  updated_at: new Date(order.at),
  delivered_at: status === 'delivered' ? new Date(order.at) : null,
});

const itemRows = (shop: Shop, order: SyntheticOrder, orderId: string) =>
  order.items.map((i) => ({ id: crypto.randomUUID(), order_id: orderId, sku_id: shop.skuIds.get(i.sku)!.id, quantity: i.quantity, unit_price: shop.skuIds.get(i.sku)!.price }));

/** History as delivered orders, with the velocity events their acceptance left. */
export async function loadHistory(db: Db, shop: Shop, orders: SyntheticOrder[]): Promise<void> {
  const rows = orders.map((o) => {
    const id = crypto.randomUUID();
    const total = o.items.reduce((sum, i) => sum + i.quantity * shop.skuIds.get(i.sku)!.price, 0);
    return { order: orderRow(shop, o, id, total, 'delivered'), items: itemRows(shop, o, id), o };
  });
  const numbered = new Map<string, number>();
  for (let i = 0; i < rows.length; i += 1000) {
    const written = await db('orders')
      .insert(rows.slice(i, i + 1000).map((r) => r.order))
      .returning(['id', 'accept_seq']);
    for (const w of written) numbered.set(w.id, w.accept_seq);
  }
  await db.batchInsert(
    'order_items',
    rows.flatMap((r) => r.items),
    1000,
  );
  const events = rows.flatMap((r) => velocityEventRows({ ...r.order, accept_seq: numbered.get(r.order.id)! }, r.o.buyer));
  await db.batchInsert('risk_velocity_events', events, 1000);
}
