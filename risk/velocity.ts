import type { Knex } from 'knex';
import type { Subject } from './signals';

// Velocity: how many orders, and how much money, per IP, subnet, account, device, email, phone
// or payment instrument over sliding windows. Every order writes one row per subject it has
// (in the risk check's transaction); a window is then a range scan on
// (merchant_id, subject, at), answered from the index. State lives in Postgres, so every
// worker sees the same counts.

export interface VelocityQuery {
  subjects: Partial<Record<Subject, string>>;
  /** Window lengths (seconds) to count and sum over, for every subject. */
  windows: number[];
  /** Subjects for which to count distinct buyers over the last 24 h (for the model). */
  distinctBuyers: Subject[];
}

export type VelocityTotals = Map<string, { count: number; amount: number; buyers: number }>;

const DAY = 86_400;
const subjectValue = (subject: Subject, value: string) => `${subject}:${value}`;

export async function recordVelocity(
  trx: Knex.Transaction,
  event: { merchantId: string; orderId: string; at: Date; amount: number; buyerKey?: string; subjects: Partial<Record<Subject, string>> },
): Promise<void> {
  const rows = Object.entries(event.subjects).map(([subject, value]) => ({
    merchant_id: event.merchantId,
    subject: subjectValue(subject as Subject, value!),
    at: event.at,
    amount: event.amount,
    buyer_key: event.buyerKey ?? null,
    order_id: event.orderId,
  }));
  if (rows.length) await trx('risk_velocity_events').insert(rows);
}

/** Totals up to and including `at`, keyed `${subject}:${windowSeconds}`. */
export async function velocityTotals(trx: Knex.Transaction, merchantId: string, at: Date, query: VelocityQuery): Promise<VelocityTotals> {
  const totals: VelocityTotals = new Map();
  const entries = Object.entries(query.subjects) as [Subject, string][];
  const windows = [...new Set([...query.windows, ...(query.distinctBuyers.length ? [DAY] : [])])].filter((w) => Number.isSafeInteger(w) && w > 0);
  if (entries.length === 0 || windows.length === 0) return totals;

  const start = (w: number) => new Date(at.getTime() - w * 1000);
  const columns: string[] = [];
  const bindings: Knex.RawBinding[] = [];
  for (const w of windows) {
    columns.push(`count(*) FILTER (WHERE at > ?) AS c${w}`, `coalesce(sum(amount) FILTER (WHERE at > ?), 0) AS a${w}`);
    bindings.push(start(w), start(w));
  }
  columns.push(`count(DISTINCT buyer_key) FILTER (WHERE at > ?) AS buyers`);
  bindings.push(start(DAY));
  const { rows } = await trx.raw(
    `SELECT subject, ${columns.join(', ')}
       FROM risk_velocity_events
      WHERE merchant_id = ? AND subject = ANY(?) AND at > ? AND at <= ?
      GROUP BY subject`,
    [...bindings, merchantId, entries.map(([s, v]) => subjectValue(s, v)), start(Math.max(...windows)), at],
  );
  const bySubject = new Map<string, any>(rows.map((r: any) => [r.subject, r]));
  for (const [subject, value] of entries) {
    const row = bySubject.get(subjectValue(subject, value));
    for (const w of windows) {
      totals.set(`${subject}:${w}`, { count: Number(row?.[`c${w}`] ?? 0), amount: Number(row?.[`a${w}`] ?? 0), buyers: Number(row?.buyers ?? 0) });
    }
  }
  return totals;
}

/** Forgets events older than the longest window a rule may use. */
export async function pruneVelocity(db: Knex, olderThanSeconds: number): Promise<number> {
  return db('risk_velocity_events').where('at', '<', db.raw(`now() - make_interval(secs => ?)`, [olderThanSeconds])).delete();
}
