import type { Knex } from 'knex';
import { onOneConnection, plannedOnce, type Db } from '../db';
import { InvariantBroken } from '../lib/errors';
import { judgedReportSql } from '../reports/rollup';
import type { Buyer } from '../orders/validators';
import { isDisposableEmail } from './disposable-email';
import { decide, evaluateRules, velocityKey, type Decision, type Finding, type Lookups, type OrderFacts, type PriorOrder } from './evaluate';
import { listMatchQuery } from './lists';
import { scoreAnomaly, type AnomalyModel, type ModelContribution } from './model/anomaly-model';
import { priorModel } from './model/priors';
import { PRIOR_ORDERS, type FeatureInput } from './model/features';
import { DEFAULT_RULE_SET } from './rule-sets';
import type { RiskReason } from './reason-codes';
import type { Rule, RiskSettings } from './rules';
import { riskMetrics } from '../lib/metrics';
import { notifyNow } from '../lib/pg-notifications';
import { buyerKey, buyerKeySql, subjectKeys, type Subject } from './signals';
import { DAY_SECONDS, velocitySubquery, velocityTotals } from './velocity';

// The risk check of one order, in three statements on one connection, so a flash sale does not
// queue behind it and it does not queue for the pool between them:
//   1. the order, its items, the rule set in force when it was accepted, the merchant's model;
//   2. everything the rules and the model look up: velocity of the orders accepted before this
//      one (their events were written when they were accepted: risk/velocity.ts), list
//      entries, the buyer's earlier orders;
//   3. one atomic write of the verdict, the timeline entry and, when held, its review —
//      guarded by "not judged yet", so a duplicated check returns the verdict stored first.
// Every input is fixed once the order is accepted, so a check gives the same verdict however
// many others run beside it, and a retried check the same as the first.

export interface RiskAssessment {
  decision: Decision;
  score: number;
  reasons: string[];
  /** The reasons as codes with parameters, one for one (absent in assessments stored before they were added). */
  explained?: RiskReason[];
  findings: Finding[];
  /** id and trainedAt are null when the cold-start priors judged (priors: true). */
  model: { id: number | null; trainedAt: string | null; priors?: true; points: number; contributions: ModelContribution[] } | null;
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
  const result = await onOneConnection(db, (pin) => judge(db, pin, orderId));
  // A checkout waiting for this order's codes (Prefer: wait) hears now that none are coming soon.
  if (result.notify) await notifyNow(db, 'order_decided', orderId);
  return result.result;
}

type Pin = <Q extends Knex.ChainableInterface>(query: Q) => Q;

async function judge(db: Db, pin: Pin, orderId: string): Promise<{ result: RiskCheckResult; notify?: true }> {
  const order = await loadOrder(db, pin, orderId);
  if (order.risk) return { result: resultOf(order.risk) };

  const buyer = order.buyer as Buyer;
  const at: Date = order.created_at;
  const ruleSet: { version: number; rules: Rule[]; settings: RiskSettings } = order.rule_set ?? DEFAULT_RULE_SET;
  const rules = ruleSet.rules.filter((r) => r.enabled);
  const { settings } = ruleSet;
  // The merchant's own model once it has one; until then the cold-start priors.
  const model = !settings.model.enabled
    ? undefined
    : order.model
      ? { id: order.model.id as number, trainedAt: order.model.trained_at as string, params: order.model.params as AnomalyModel }
      : { id: null, trainedAt: null, params: priorModel() };
  const facts: OrderFacts = {
    currency: order.currency,
    totalAmount: order.total_amount,
    createdAt: at,
    units: order.items.reduce((n: number, i: { quantity: number }) => n + i.quantity, 0),
    items: order.items,
    buyer,
  };
  const subjects = subjectKeys(buyer);
  const key = buyerKey(buyer);
  const own = { buyerKey: key, payment: buyer.paymentFingerprint, cardBin: buyer.cardBin };
  const velocityQuery = { subjects, windows: rules.flatMap((r) => (r.kind === 'velocity' ? [r.params.windowSeconds] : [])) };
  const watchedSkus = new Set(rules.flatMap((r) => (r.kind === 'first_purchase' ? r.params.skus : [])));
  const firstPurchaseCandidates = facts.items.map((i) => i.sku).filter((sku) => watchedSkus.has(sku));

  const found = await lookUp(db, pin, {
    velocity: velocitySubquery(db, order.merchant_id, { at, acceptSeq: order.accept_seq }, velocityQuery, own),
    lists: listMatchQuery(db, order.merchant_id, buyer),
    prior: (model || rules.some((r) => r.kind === 'account_takeover')) && key ? priorOrdersQuery(db, order.merchant_id, key, at) : undefined,
    bought: firstPurchaseCandidates.length && key ? boughtQuery(db, order.merchant_id, key, at, firstPurchaseCandidates) : undefined,
  });
  const velocity = velocityTotals(found.velocity, velocityQuery, { amount: facts.totalAmount, ...own });
  // A buyer who cannot be recognised has no history: every purchase is a first one.
  const bought = new Set<string>(found.bought.map((b) => b.code));
  const prior: PriorOrder[] = found.prior.map((p) => ({
    amount: Number(p.total_amount),
    device: p.device ?? undefined,
    ipCountry: p.ip_country ?? undefined,
    payment: p.payment ?? undefined,
  }));
  const findings = evaluateRules(rules, facts, {
    velocity,
    firstPurchaseSkus: new Set(firstPurchaseCandidates.filter((sku) => !bought.has(sku))),
    prior,
    listHits: found.lists,
    disposableEmail: rules.some((r) => r.kind === 'disposable_email') && !!buyer.email && isDisposableEmail(buyer.email),
    merchantCaps: { maxAmount: order.risk_max_order_amount, maxQuantity: order.risk_max_order_quantity },
  });

  let scored: RiskAssessment['model'] = null;
  if (model) {
    const day = (s: Subject) => velocity.get(velocityKey(s, DAY_SECONDS))?.buyers;
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
    scored = {
      id: model.id,
      trainedAt: model.trainedAt && new Date(model.trainedAt).toISOString(),
      ...(model.params.priors ? { priors: true as const } : {}),
      ...scoreAnomaly(model.params, input, settings.model.maxScore),
    };
  }
  const unusual = scored?.priors ? 'unusual for a new shop, judged by priors' : 'unusual for this shop';
  const modelDetail = scored ? scored.contributions.map((c) => c.explanation).join('; ') : '';
  const modelReasons = scored && scored.points > 0 ? [`${unusual} (+${scored.points}): ${modelDetail}`] : [];
  // The English detail stays for assessments read by older consoles; the features carry their values for the words.
  const modelExplained: RiskReason[] =
    scored && scored.points > 0
      ? [
          {
            code: 'model_unusual',
            params: { points: scored.points, priors: scored.priors ? 1 : 0, detail: modelDetail },
            features: scored.contributions.map((c) => ({ feature: c.feature, points: c.points, params: c.params })),
          },
        ]
      : [];
  const verdict = decide(findings, scored?.points ?? 0, modelReasons, settings, modelExplained);

  const now: Date = order.now;
  const assessment: RiskAssessment = {
    ...verdict,
    findings,
    model: scored,
    ruleVersion: ruleSet.version,
    thresholds: { review: settings.reviewScore, reject: settings.rejectScore },
    checkedAt: now.toISOString(),
    ...(verdict.decision === 'review' ? { reviewDeadline: new Date(now.getTime() + settings.reviewTimeoutSeconds * 1000).toISOString() } : {}),
  };
  const written = await store(db, pin, order, assessment);
  if (!written) {
    // Another check judged it first: its verdict stands.
    const stored = await pin(db('orders').where({ id: orderId }).first('risk'));
    if (!stored) throw new InvariantBroken('order_missing', { orderId });
    return { result: resultOf(stored.risk as RiskAssessment) };
  }
  riskMetrics.decisions.inc({ decision: assessment.decision });
  return { result: resultOf(assessment), ...(assessment.decision !== 'allow' ? { notify: true as const } : {}) };
}

function resultOf(a: Pick<RiskAssessment, 'decision' | 'reasons' | 'reviewDeadline'>): RiskCheckResult {
  return { decision: a.decision, reasons: a.reasons, ...(a.reviewDeadline ? { reviewDeadline: a.reviewDeadline } : {}) };
}

async function loadOrder(db: Db, pin: Pin, orderId: string) {
  const { rows } = await pin(
    plannedOnce(
      db.raw(
        `SELECT o.id, o.merchant_id, o.currency, o.total_amount, o.buyer, o.created_at, o.accept_seq, o.risk,
            m.risk_max_order_amount, m.risk_max_order_quantity, now() AS now,
            (SELECT coalesce(json_agg(json_build_object('sku', s.code, 'quantity', i.quantity, 'unitPrice', i.unit_price)), '[]'::json)
               FROM order_items i JOIN skus s ON s.id = i.sku_id WHERE i.order_id = o.id) AS items,
            (SELECT row_to_json(rs) FROM (
               SELECT version, rules, settings FROM risk_rule_sets
                WHERE merchant_id = o.merchant_id AND created_at <= o.created_at
                ORDER BY version DESC LIMIT 1) rs) AS rule_set,
            (SELECT row_to_json(rm) FROM (
               SELECT id, trained_at, params FROM risk_models
                WHERE merchant_id = o.merchant_id ORDER BY id DESC LIMIT 1) rm) AS model
       FROM orders o JOIN merchants m ON m.id = o.merchant_id
      WHERE o.id = ?`,
        [orderId],
      ),
    ),
  );
  if (rows.length === 0) throw new InvariantBroken('order_missing', { orderId });
  return rows[0];
}

/** One statement for every lookup; each part answers a JSON array (empty when not needed). */
async function lookUp(db: Db, pin: Pin, parts: Record<'velocity' | 'lists' | 'prior' | 'bought', Knex.QueryBuilder | Knex.Raw | undefined>) {
  const names = Object.keys(parts) as (keyof typeof parts)[];
  const used = names.filter((n) => parts[n] !== undefined);
  if (used.length === 0) return { velocity: [], lists: [], prior: [], bought: [] } as LookedUp;
  const select = used.map((n) => (n === 'velocity' ? `(?) AS ${n}` : `(SELECT coalesce(json_agg(x), '[]'::json) FROM ? x) AS ${n}`));
  const { rows } = await pin(
    plannedOnce(
      db.raw(
        `SELECT ${select.join(', ')}`,
        used.map((n) => parts[n]!),
      ),
    ),
  );
  return Object.fromEntries(names.map((n) => [n, rows[0][n] ?? []])) as LookedUp;
}

/** What lookUp's parts answer, as JSON carries them. */
interface LookedUp {
  velocity: Record<string, unknown>[];
  lists: Lookups['listHits'];
  prior: { total_amount: number; device: string | null; ip_country: string | null; payment: string | null }[];
  bought: { code: string }[];
}

function priorOrdersQuery(db: Db, merchantId: string, key: string, at: Date) {
  return db('orders')
    .where({ merchant_id: merchantId, status: 'delivered' })
    .andWhereRaw(`${buyerKeySql()} = ?`, [key])
    .andWhere('created_at', '<', at)
    .orderBy('created_at', 'desc')
    .limit(PRIOR_ORDERS)
    .select('total_amount', db.raw(`buyer->>'deviceId' AS device`), db.raw(`buyer->>'ipCountry' AS ip_country`), db.raw(`buyer->>'paymentFingerprint' AS payment`));
}

/** Which of these SKUs the buyer has had delivered before. */
export function boughtQuery(db: Db, merchantId: string, key: string, at: Date, skus: string[]) {
  return db('orders as o')
    .join('order_items as i', 'i.order_id', 'o.id')
    .join('skus as s', 's.id', 'i.sku_id')
    .where('o.merchant_id', merchantId)
    .andWhereRaw(`${buyerKeySql('o.buyer')} = ?`, [key])
    .andWhere('o.created_at', '<', at)
    .andWhere('o.status', 'delivered')
    .whereRaw('s.code = ANY(?::text[])', [skus]) // one binding, however many SKUs: a text planned once
    .distinct('s.code as code');
}

/** The verdict and everything that goes with it (its count in the reports too), in one atomic statement; false if already judged. */
async function store(db: Db, pin: Pin, order: { id: string }, a: RiskAssessment) {
  // Allowed: on to fulfilment. Held: waits for a reviewer. Rejected: stays `accepted` until the
  // workflow's cancel step releases its stock.
  const status = a.decision === 'allow' ? 'processing' : a.decision === 'review' ? 'held' : 'accepted';
  // The English reasons stay for older readers; the codes beside them are what the console words.
  const event = {
    decision: a.decision,
    score: a.score,
    reasons: a.reasons,
    ...(a.explained ? { explained: a.explained } : {}),
    ruleVersion: a.ruleVersion,
    ...(a.reviewDeadline ? { reviewDeadline: a.reviewDeadline } : {}),
  };
  const { rows } = await pin(
    plannedOnce(
      db.raw(
        `WITH judged AS (
       UPDATE orders SET risk = ?::jsonb, status = CASE WHEN status = 'accepted' THEN ? ELSE status END, updated_at = now()
        WHERE id = ? AND risk IS NULL
       RETURNING id, merchant_id),
     timeline AS (
       INSERT INTO order_events (order_id, type, detail) SELECT id, 'risk_checked', ?::jsonb FROM judged),
     review AS (
       INSERT INTO risk_reviews (order_id, merchant_id, status, score, reasons, opened_at, deadline_at)
       SELECT id, merchant_id, 'open', ?, ?::jsonb, ?, ? FROM judged WHERE ?),
     ${judgedReportSql('judged', '?::text')}
     SELECT count(*)::int AS written FROM judged`,
        [
          JSON.stringify(a),
          status,
          order.id,
          JSON.stringify(event),
          a.score,
          JSON.stringify(a.reasons),
          a.checkedAt,
          a.reviewDeadline ?? a.checkedAt,
          a.decision === 'review',
          a.decision,
          a.decision,
          a.decision,
          a.decision,
          a.decision,
        ],
      ),
    ),
  );
  return rows[0].written === 1;
}
