import type { CardflowSystem } from './system';

// Where Postgres's time goes during a sale, by statement, from pg_stat_statements (loaded only
// with --pg-statements: it costs a little on every statement). Time is wall time inside
// Postgres (running, waiting for a lock, flushing WAL), summed over every backend.

export interface StatementTime {
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  rows: number;
  /** Share of all statements' time in the sale. */
  share: number;
}

export interface TableWrites {
  table: string;
  inserted: number;
  updated: number;
  deleted: number;
}

export async function resetStatements(system: CardflowSystem): Promise<void> {
  await system.asSuperuser((c) => c.query('SELECT pg_stat_statements_reset(), pg_stat_reset()'));
}

/** Rows written per table since the reset: which writes the statements above stand for (a foreign key's check is one per row written). */
export async function tableWrites(system: CardflowSystem, limit = 20): Promise<TableWrites[]> {
  return system.asSuperuser(async (c) => {
    const { rows } = await c.query<{ relname: string; ins: string; upd: string; del: string }>(
      `SELECT relname, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_del AS del FROM pg_stat_user_tables
        WHERE n_tup_ins + n_tup_upd + n_tup_del > 0 ORDER BY n_tup_ins + n_tup_upd + n_tup_del DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ table: r.relname, inserted: Number(r.ins), updated: Number(r.upd), deleted: Number(r.del) }));
  });
}

export async function topStatements(system: CardflowSystem, limit = 15): Promise<StatementTime[]> {
  return system.asSuperuser(async (c) => {
    const { rows } = await c.query<{ query: string; calls: string; total: number; rows: string; all_total: number }>(
      `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query, calls, total_exec_time AS total, rows,
              sum(total_exec_time) OVER () AS all_total
         FROM pg_stat_statements JOIN pg_database d ON d.oid = dbid
        WHERE d.datname = 'cardflow' AND query NOT LIKE '%pg_stat_statements%'
        ORDER BY total_exec_time DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      query: r.query,
      calls: Number(r.calls),
      totalMs: Math.round(r.total),
      meanMs: Math.round((r.total / Math.max(1, Number(r.calls))) * 100) / 100,
      rows: Number(r.rows),
      share: Math.round((r.total / Math.max(1, r.all_total)) * 1000) / 1000,
    }));
  });
}
