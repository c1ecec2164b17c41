import type { Knex } from 'knex';
import type { Db } from '../db';
import { appendEvent } from '../orders/events';
import type { Buyer } from '../orders/validators';
import { isDisposableEmail } from './disposable-email';
import { decide, evaluateRules, velocityKey, type Decision, type Finding, type OrderFacts } from './evaluate';
import { matchLists } from './lists';
import { scoreAnomaly } from './model/anomaly-model';
import { PRIOR_ORDERS, type FeatureInput } from './model/features';
import { latestModel } from './model/train';
import { ruleSetInForceAt } from './rule-sets';
import { buyerKey, buyerKeySql, subjectKeys, type Subject } from './signals';
import { recordVelocity, velocityTotals } from './velocity';

// The risk check of one order, in one transaction: record its velocity events, gather what the
// rules and the model need (lists, counters, the buyer's history), judge it by the rule set in
// force when it was accepted, and store the assessment with the order. A retry finds the
// assessment already stored and returns it, so an order is judged (and counted) once.

export interface RiskAssessment {
  decision: Decision;
  score: number;
  reasons: string[];
  findings: Finding[];
  model: { id: number; trainedAt: string; points: number; contributions: { feature: string; points: number; explanation: string }[] } | null;
  ruleVersion: number;
  thresholds: { review: number; reject: number };
  checkedAt: string;
  reviewDeadline?: string;
}

/** What the workflow needs to go on: no more, since it lands in Temporal's history. */
export interface RiskCheckResult {
  decision: Decision;
  reasons: string[];
  reviewDeadline?: string;
}

export async function assessOrder(db: Db, orderId: string): Promise<RiskCheckResult> {
  return db.transaction(async (trx) => {
    const order = await trx('orders as o')
      .join('merchants as m', 'm.id', 'o.merchant_id')
      .where('o.id', orderId)
      .forUpdate('o')
      .first('o.id', 'o.merchant_id', 'o.status', 'o.currency', 'o.total_amount', 'o.buyer', 'o.created_at', 'o.risk', 'm.risk_max_order_amount', 'm.risk_max_order_quantity');
    if (!order) throw new Error(`order ${orderId} does not exist`);
    if (order.risk) return resultOf(order.risk);

    const merchantId: string = order.merchant_id;
    const buyer = order.buyer as Buyer;
    const at: Date = order.created_at;
    const items = await trx('order_items as i')
      .join('skus as s', 's.id', 'i.sku_id')
      .where('i.order_id', orderId)
      .select('s.code as sku', 'i.quantity', 'i.unit_price');
    const facts: OrderFacts = {
      currency: order.currency,
      totalAmount: order.total_amount,
      createdAt: at,
      units: items.reduce((n, i) => n + i.quantity, 0),
      items: items.map((i) => ({ sku: i.sku, quantity: i.quantity, unitPrice: i.unit_price })),
      buyer,
    };
    const ruleSet = await ruleSetInForceAt(trx, merchantId, at);
    const rules = ruleSet.rules.filter((r) => r.enabled);
    const { settings } = ruleSet;
    const subjects = subjectKeys(buyer);
    const key = buyerKey(buyer);

    await recordVelocity(trx, { merchantId, orderId, at, amount: order.total_amount, buyerKey: key, subjects });
    const modelRow = settings.model.enabled ? await latestModel(trx, merchantId) : undefined;
    const velocity = await velocityTotals(trx, merchantId, at, {
      subjects,
      windows: rules.flatMap((r) => (r.kind === 'velocity' ? [r.params.windowSeconds] : [])),
      distinctBuyers: modelRow ? ['device', 'ip'] : [],
    });
    const listHits = await matchLists(trx, merchantId, buyer);
    const firstPurchaseSkus = await firstPurchases(trx, merchantId, key, at, facts, rules);
    const prior = modelRow && key ? await priorOrders(trx, merchantId, key, at) : [];

    const findings = evaluateRules(rules, facts, {
      velocity,
      firstPurchaseSkus,
      listHits,
      disposableEmail: rules.some((r) => r.kind === 'disposable_email') && !!buyer.email && isDisposableEmail(buyer.email),
      merchantCaps: { maxAmount: order.risk_max_order_amount, maxQuantity: order.risk_max_order_quantity },
    });

    let model: RiskAssessment['model'] = null;
    if (modelRow) {
      const day = (s: Subject) => velocity.get(velocityKey(s, 86_400))?.buyers;
      const input: FeatureInput = {
        amount: facts.totalAmount,
        units: facts.units,
        at,
        accountAgeHours: buyer.accountCreatedAt ? (at.getTime() - Date.parse(buyer.accountCreatedAt)) / 3_600_000 : undefined,
        prior,
        device: buyer.deviceId,
        ipCountry: buyer.ipCountry,
        buyersOnDevice: buyer.deviceId ? day('device') : undefined,
        buyersOnIp: buyer.ip ? day('ip') : undefined,
      };
      const scored = scoreAnomaly(modelRow.model, input, settings.model.maxScore);
      model = { id: modelRow.id, trainedAt: modelRow.trainedAt.toISOString(), ...scored };
    }
    const modelReasons = model && model.points > 0 ? [`unusual for this shop (+${model.points}): ${model.contributions.map((c) => c.explanation).join('; ')}`] : [];
    const verdict = decide(findings, model?.points ?? 0, modelReasons, settings);

    const [{ now }] = (await trx.raw('SELECT now() AS now')).rows;
    const assessment: RiskAssessment = {
      ...verdict,
      findings,
      model,
      ruleVersion: ruleSet.version,
      thresholds: { review: settings.reviewScore, reject: settings.rejectScore },
      checkedAt: now.toISOString(),
      ...(verdict.decision === 'review' ? { reviewDeadline: new Date(now.getTime() + settings.reviewTimeoutSeconds * 1000).toISOString() } : {}),
    };
    await store(trx, order, assessment);
    return resultOf(assessment);
  });
}

function resultOf(a: Pick<RiskAssessment, 'decision' | 'reasons' | 'reviewDeadline'>): RiskCheckResult {
  return { decision: a.decision, reasons: a.reasons, ...(a.reviewDeadline ? { reviewDeadline: a.reviewDeadline } : {}) };
}

async function store(trx: Knex.Transaction, order: { id: string; merchant_id: string; status: string }, a: RiskAssessment) {
  // A rejected order stays `accepted` until the workflow's cancel step releases its stock.
  const status = order.status !== 'accepted' ? order.status : a.decision === 'allow' ? 'processing' : a.decision === 'review' ? 'held' : 'accepted';
  await trx('orders').where({ id: order.id }).update({ risk: JSON.stringify(a), status, updated_at: trx.fn.now() });
  await appendEvent(trx, order.id, 'risk_checked', {
    decision: a.decision,
    score: a.score,
    reasons: a.reasons,
    ruleVersion: a.ruleVersion,
    ...(a.reviewDeadline ? { reviewDeadline: a.reviewDeadline } : {}),
  });
  if (a.decision === 'review') {
    await trx('risk_reviews').insert({
      order_id: order.id,
      merchant_id: order.merchant_id,
      status: 'open',
      score: a.score,
      reasons: JSON.stringify(a.reasons),
      opened_at: a.checkedAt,
      deadline_at: a.reviewDeadline,
    });
  }
}

/** SKUs of this order, named by a first-purchase rule, that the buyer never had delivered. */
async function firstPurchases(trx: Knex.Transaction, merchantId: string, key: string | undefined, at: Date, facts: OrderFacts, rules: { kind: string; params: any }[]) {
  const watched = new Set(rules.flatMap((r) => (r.kind === 'first_purchase' ? (r.params.skus as string[]) : [])));
  const candidates = facts.items.map((i) => i.sku).filter((sku) => watched.has(sku));
  if (candidates.length === 0) return new Set<string>();
  // A buyer who cannot be recognised has no history: every purchase is a first one.
  if (!key) return new Set(candidates);
  const bought: string[] = await trx('orders as o')
    .join('order_items as i', 'i.order_id', 'o.id')
    .join('skus as s', 's.id', 'i.sku_id')
    .where('o.merchant_id', merchantId)
    .andWhereRaw(`${buyerKeySql('o.buyer')} = ?`, [key])
    .andWhere('o.created_at', '<', at)
    .andWhere('o.status', 'delivered')
    .whereIn('s.code', candidates)
    .distinct()
    .pluck('s.code');
  return new Set(candidates.filter((sku) => !bought.includes(sku)));
}

async function priorOrders(trx: Knex.Transaction, merchantId: string, key: string, at: Date): Promise<FeatureInput['prior']> {
  const rows = await trx('orders')
    .where({ merchant_id: merchantId, status: 'delivered' })
    .andWhereRaw(`${buyerKeySql()} = ?`, [key])
    .andWhere('created_at', '<', at)
    .orderBy('created_at', 'desc')
    .limit(PRIOR_ORDERS)
    .select('total_amount', trx.raw(`buyer->>'deviceId' AS device`), trx.raw(`buyer->>'ipCountry' AS ip_country`));
  return rows.map((r) => ({ amount: r.total_amount, device: r.device ?? undefined, ipCountry: r.ip_country ?? undefined }));
}
