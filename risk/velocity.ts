import type { Knex } from 'knex';
import type { Subject } from './signals';

// Velocity: how many orders, and how much money, per IP, subnet, account, device, email, phone
// or payment instrument over sliding windows. Every judged order leaves one row per subject it
// has (written with its assessment, risk/assess-order.ts); a window is then a range scan on
// (merchant_id, subject, at) answered from the index. State lives in Postgres, so every worker
// sees the same counts.

export interface VelocityQuery {
  subjects: Partial<Record<Subject, string>>;
  /** Window lengths (seconds) to count and sum over, for every subject. */
  windows: number[];
}

/** Per `${subject}:${windowSeconds}`, this order included; buyers are distinct over 24 h. */
export type VelocityTotals = Map<string, { count: number; amount: number; buyers: number }>;

export const DAY_SECONDS = 86_400;
export const subjectValue = (subject: Subject, value: string) => `${subject}:${value}`;
const windowsOf = (q: VelocityQuery) => [...new Set([...q.windows, DAY_SECONDS])].filter((w) => Number.isSafeInteger(w) && w > 0);

/**
 * Totals of the orders before this one, as a JSON subquery (one row per subject). The column
 * names carry validated integer window lengths; every value is a binding.
 */
export function velocitySubquery(db: Knex, merchantId: string, at: Date, query: VelocityQuery, buyerKey: string | undefined): Knex.Raw | undefined {
  const entries = Object.entries(query.subjects) as [Subject, string][];
  if (entries.length === 0) return undefined;
  const windows = windowsOf(query);
  const start = (w: number) => new Date(at.getTime() - w * 1000);
  const columns: string[] = [];
  const bindings: Knex.RawBinding[] = [];
  for (const w of windows) {
    columns.push(`count(*) FILTER (WHERE at > ?) AS c${w}`, `coalesce(sum(amount) FILTER (WHERE at > ?), 0) AS a${w}`);
    bindings.push(start(w), start(w));
  }
  columns.push(`count(DISTINCT buyer_key) FILTER (WHERE at > ?) AS buyers`, `coalesce(bool_or(buyer_key = ?) FILTER (WHERE at > ?), false) AS seen`);
  bindings.push(start(DAY_SECONDS), buyerKey ?? null, start(DAY_SECONDS));
  return db.raw(
    `SELECT coalesce(json_agg(v), '[]'::json) FROM (
       SELECT subject, ${columns.join(', ')}
         FROM risk_velocity_events
        WHERE merchant_id = ? AND subject = ANY(?) AND at > ? AND at <= ?
        GROUP BY subject) v`,
    [...bindings, merchantId, entries.map(([s, v]) => subjectValue(s, v)), start(Math.max(...windows)), at],
  );
}

/** The subquery's rows, with this order added (its own events are written with its verdict). */
export function velocityTotals(rows: any[], query: VelocityQuery, own: { amount: number; buyerKey?: string }): VelocityTotals {
  const totals: VelocityTotals = new Map();
  const bySubject = new Map<string, any>(rows.map((r) => [r.subject, r]));
  for (const [subject, value] of Object.entries(query.subjects) as [Subject, string][]) {
    const row = bySubject.get(subjectValue(subject, value));
    const buyers = Number(row?.buyers ?? 0) + (own.buyerKey && !row?.seen ? 1 : 0);
    for (const w of windowsOf(query)) {
      totals.set(`${subject}:${w}`, { count: Number(row?.[`c${w}`] ?? 0) + 1, amount: Number(row?.[`a${w}`] ?? 0) + own.amount, buyers });
    }
  }
  return totals;
}

/** Forgets events older than the longest window a rule may use. */
export async function pruneVelocity(db: Knex, olderThanSeconds: number): Promise<number> {
  return db('risk_velocity_events').where('at', '<', db.raw(`now() - make_interval(secs => ?)`, [olderThanSeconds])).delete();
}
