import type { Knex } from 'knex';
import type { RiskVelocityEventRow } from '../db/tables';
import type { Buyer } from '../orders/validators';
import { buyerKey, subjectKeys, type Subject } from './signals';

// Velocity: how many orders, how much money, how many different payment instruments, card
// BINs or buyers per IP, subnet, account, device, email, phone or payment instrument over sliding
// windows. Every accepted order leaves one row per subject it has, written by the statement
// that accepts it (orders/accept-order.ts) and numbered by the acceptance sequence; a window is
// then a range scan on (merchant_id, subject, at) answered from the index. State lives in
// Postgres, so every worker sees the same counts.
//
// Why at acceptance, with a number: a burst's checks run side by side, and a check that counted
// "what was written before me" saw too few of them. The accepting statement first takes a lock
// per subject (ACCEPTANCE_LOCK_SQL), so two orders that share a subject are numbered in the
// order they commit; a check counts the events numbered before its own order. The answer is the
// same whenever, and however often, the check runs.

export interface VelocityQuery {
  subjects: Partial<Record<Subject, string>>;
  /** Window lengths (seconds) to count and sum over, for every subject. */
  windows: number[];
}

export interface VelocityTotal {
  count: number;
  amount: number;
  /** Different payment instruments, and card BINs, among these orders. */
  payments: number;
  cardBins: number;
  /** Different buyers (account, else email): many fresh accounts behind one network is a farm. */
  buyers: number;
}

/** Per `${subject}:${windowSeconds}`, this order included. */
export type VelocityTotals = Map<string, VelocityTotal>;

export const DAY_SECONDS = 86_400;
export const subjectValue = (subject: Subject, value: string) => `${subject}:${value}`;
const windowsOf = (q: VelocityQuery) => [...new Set([...q.windows, DAY_SECONDS])].filter((w) => Number.isSafeInteger(w) && w > 0);

/** What an order's velocity events carry, besides the order's id, time, amount and number. */
export interface VelocityMarks {
  /** `subject:value`, sorted: the order in which the accepting statement locks them. */
  subjects: string[];
  buyerKey: string | null;
  payment: string | null;
  cardBin: string | null;
}

export function velocityMarks(buyer: Buyer | undefined): VelocityMarks {
  const keys = subjectKeys(buyer ?? {});
  return {
    subjects: (Object.entries(keys) as [Subject, string][]).map(([s, v]) => subjectValue(s, v)).sort(),
    buyerKey: buyer ? (buyerKey(buyer) ?? null) : null,
    payment: buyer?.paymentFingerprint ?? null,
    cardBin: buyer?.cardBin ?? null,
  };
}

/** The first key of the acceptance locks: their own space among advisory locks. */
const ACCEPTANCE_LOCK_SPACE = 1900;

/**
 * For a data-modifying WITH: locks the subjects `:velocitySubjects` of merchant `:merchantId`
 * until the transaction ends, in sorted order (no two acceptances wait for each other in a
 * circle). Run before the order draws its acceptance number and before it takes stock.
 */
export const ACCEPTANCE_LOCK_SQL = `SELECT count(pg_advisory_xact_lock(${ACCEPTANCE_LOCK_SPACE}, hashtext(:merchantId::text || ' ' || s))) AS locked
       FROM (SELECT s FROM unnest(:velocitySubjects::text[]) AS s ORDER BY s) l`;

/** The named bindings ACCEPTANCE_LOCK_SQL and the events insert of acceptance use. */
export const velocityBindings = (m: VelocityMarks) => ({ velocitySubjects: m.subjects, velocityBuyerKey: m.buyerKey, velocityPayment: m.payment, velocityCardBin: m.cardBin });

/**
 * For a data-modifying WITH: the events of the order that CTE `source` returned (id,
 * merchant_id, created_at, total_amount, accept_seq), one per subject.
 */
export const velocityEventsSql = (source: string) => `INSERT INTO risk_velocity_events (merchant_id, subject, at, amount, buyer_key, order_id, seq, payment, card_bin)
                SELECT merchant_id, s, created_at, total_amount, :velocityBuyerKey, id, accept_seq, :velocityPayment, :velocityCardBin
                  FROM ${source}, unnest(:velocitySubjects::text[]) AS s`;

/** The same rows, for orders written without the accepting statement (the evaluation replay). */
export function velocityEventRows(order: { id: string; merchant_id: string; created_at: Date; total_amount: number; accept_seq: number }, buyer: Buyer): RiskVelocityEventRow[] {
  const m = velocityMarks(buyer);
  return m.subjects.map((subject) => ({
    merchant_id: order.merchant_id,
    subject,
    at: order.created_at,
    amount: order.total_amount,
    buyer_key: m.buyerKey,
    order_id: order.id,
    seq: order.accept_seq,
    payment: m.payment,
    card_bin: m.cardBin,
  }));
}

/**
 * Totals of the orders accepted before this one (numbered below `acceptSeq`), as a JSON
 * subquery (one row per subject). The column names carry validated integer window lengths;
 * every value is a binding.
 */
export function velocitySubquery(
  db: Knex,
  merchantId: string,
  order: { at: Date; acceptSeq: number },
  query: VelocityQuery,
  own: { buyerKey?: string; payment?: string; cardBin?: string },
): Knex.Raw | undefined {
  const entries = Object.entries(query.subjects) as [Subject, string][];
  if (entries.length === 0) return undefined;
  const windows = windowsOf(query);
  const start = (w: number) => new Date(order.at.getTime() - w * 1000);
  const columns: string[] = [];
  const bindings: Knex.RawBinding[] = [];
  for (const w of windows) {
    // Different instruments, BINs and buyers besides this order's own, which velocityTotals adds.
    columns.push(
      `count(*) FILTER (WHERE at > ?) AS c${w}`,
      `coalesce(sum(amount) FILTER (WHERE at > ?), 0) AS a${w}`,
      `count(DISTINCT payment) FILTER (WHERE at > ? AND payment IS DISTINCT FROM ?) AS p${w}`,
      `count(DISTINCT card_bin) FILTER (WHERE at > ? AND card_bin IS DISTINCT FROM ?) AS b${w}`,
      `count(DISTINCT buyer_key) FILTER (WHERE at > ? AND buyer_key IS DISTINCT FROM ?) AS k${w}`,
    );
    bindings.push(start(w), start(w), start(w), own.payment ?? null, start(w), own.cardBin ?? null, start(w), own.buyerKey ?? null);
  }
  return db.raw(
    `SELECT coalesce(json_agg(v), '[]'::json) FROM (
       SELECT subject, ${columns.join(', ')}
         FROM risk_velocity_events
        WHERE merchant_id = ? AND subject = ANY(?) AND at > ? AND seq < ?
        GROUP BY subject) v`,
    [...bindings, merchantId, entries.map(([s, v]) => subjectValue(s, v)), start(Math.max(...windows)), order.acceptSeq],
  );
}

/** The subquery's rows, with this order added (its own events carry its own number). */
export function velocityTotals(
  rows: Record<string, unknown>[],
  query: VelocityQuery,
  own: { amount: number; buyerKey?: string; payment?: string; cardBin?: string },
): VelocityTotals {
  const totals: VelocityTotals = new Map();
  const bySubject = new Map<unknown, Record<string, unknown>>(rows.map((r) => [r.subject, r]));
  for (const [subject, value] of Object.entries(query.subjects) as [Subject, string][]) {
    const row = bySubject.get(subjectValue(subject, value));
    for (const w of windowsOf(query)) {
      totals.set(`${subject}:${w}`, {
        count: Number(row?.[`c${w}`] ?? 0) + 1,
        amount: Number(row?.[`a${w}`] ?? 0) + own.amount,
        payments: Number(row?.[`p${w}`] ?? 0) + (own.payment ? 1 : 0),
        cardBins: Number(row?.[`b${w}`] ?? 0) + (own.cardBin ? 1 : 0),
        buyers: Number(row?.[`k${w}`] ?? 0) + (own.buyerKey ? 1 : 0),
      });
    }
  }
  return totals;
}

/** Forgets events older than the longest window a rule may use. */
export async function pruneVelocity(db: Knex, olderThanSeconds: number): Promise<number> {
  return db('risk_velocity_events')
    .where('at', '<', db.raw(`now() - make_interval(secs => ?)`, [olderThanSeconds]))
    .delete();
}
