import type { Db } from '../db';
import type { LedgerPeriodCloseRow } from '../db/tables';
import { recordAudit } from '../lib/audit';
import { conflict } from '../lib/errors';

// Period close: a merchant closes a month, and with it every month before. From then on the
// database refuses entries dated in them (db/migrations/019_ledger.ts), and ledger/post.ts dates
// new entries, corrections included, on the first open day. Months are UTC calendar months.

export interface PeriodClose {
  month: string;
  closedAt: string;
  closedBy: string;
}

type ClosedMonth = Pick<LedgerPeriodCloseRow, 'closed_at' | 'closed_by'> & { month: string };

export async function listCloses(db: Db, merchantId: string): Promise<PeriodClose[]> {
  const rows = await db('ledger_period_closes')
    .where({ merchant_id: merchantId })
    .orderBy('month', 'desc')
    // The month as the database writes it (YYYY-MM): a date column reads back as a local-midnight Date.
    .select<ClosedMonth[]>(db.raw(`to_char(month, 'YYYY-MM') AS month`), 'closed_at', 'closed_by');
  return rows.map((r) => ({ month: r.month, closedAt: r.closed_at.toISOString(), closedBy: r.closed_by }));
}

/** Closes `month` (YYYY-MM). Only a month that has ended, and only once. */
export async function closePeriod(db: Db, merchantId: string, month: string, actor: string): Promise<PeriodClose> {
  return db.transaction(async (trx) => {
    // Waits for postings in flight to commit, and holds new ones back until the close commits:
    // nothing can be posted into the month while it is being closed.
    await trx.raw('LOCK TABLE ledger_entries IN SHARE MODE');
    const start = `${month}-01`;
    const { rows } = await trx.raw<{ rows: { ended: boolean; latest: string | null }[] }>(
      `SELECT (?::date + interval '1 month') <= current_date AS ended,
              (SELECT to_char(max(month), 'YYYY-MM') FROM ledger_period_closes WHERE merchant_id = ?) AS latest`,
      [start, merchantId],
    );
    const { ended, latest } = rows[0];
    if (!ended) throw conflict('period_not_ended', `${month} has not ended yet; a month can be closed once it is over`, { month });
    if (latest && latest >= month) throw conflict('period_already_closed', `The books are closed through ${latest}`, { month, closedThrough: latest });
    const [row] = await trx('ledger_period_closes').insert({ merchant_id: merchantId, month: start, closed_by: actor }).returning(['closed_at']);
    await recordAudit(trx, { merchantId, actor, action: 'ledger.period_closed', target: `period:${month}`, detail: { month } });
    return { month, closedAt: row.closed_at.toISOString(), closedBy: actor };
  });
}
