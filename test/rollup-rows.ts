import type { Knex } from 'knex';

/**
 * A merchant's rows of a rollup table as readers see them: one row per key, its slots
 * (orders/rollup-slots.ts) added up, each counter keeping its column's type.
 */
export async function rollupRows(db: Knex, table: string, merchantId: string, orderBy: string): Promise<Record<string, unknown>[]> {
  const { rows: columns } = await db.raw(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? AND column_name <> 'slot' ORDER BY ordinal_position`, [
    table,
  ]);
  const counters = (columns as { column_name: string; data_type: string }[]).filter((c) => ['integer', 'bigint'].includes(c.data_type));
  const keys = (columns as { column_name: string }[]).map((c) => c.column_name).filter((name) => !counters.some((c) => c.column_name === name));
  const { rows } = await db.raw(
    `SELECT ${keys.join(', ')}, ${counters.map((c) => `sum(${c.column_name})::${c.data_type} AS ${c.column_name}`).join(', ')}
       FROM ${table} WHERE merchant_id = ? GROUP BY ${keys.join(', ')} ORDER BY ${orderBy}`,
    [merchantId],
  );
  return rows;
}
