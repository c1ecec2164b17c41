import type { Knex } from 'knex';

// Two things the acceptance path of a flash sale queued on (issue 17, docs/BENCHMARKS.md):
//
// 1. The per-key request budget (api/rate-limit.ts) gets a table of its own, UNLOGGED. Every
//    storefront request takes a point from its key's one row, so in a flash sale that row is as
//    hot as the SKU's stock row. In a logged table each point is a commit that waits for its WAL
//    flush while it holds the row, and every other request of the sale queues behind it
//    (measured: more Postgres time waiting on that row and its flush than on the acceptance
//    itself). An unlogged table writes no WAL: a point costs the update alone. What it gives up:
//    after a Postgres crash (or on a promoted replica) the budgets start again from zero, which a
//    per-minute request limit can afford. The security limits (sign-in attempts, code reveals)
//    stay in the logged rate_limits table.
//
// 2. stock_not_taken(): the acceptance statement (orders/accept-order.ts) now writes the order's
//    rows first and takes the stock last, so the hot SKU row is locked for as little of the
//    statement as possible; when the stock is gone by then, this error undoes the statement.

export const STOCK_NOT_TAKEN_SQLSTATE = 'CF001';

export async function up(knex: Knex): Promise<void> {
  // rate-limiter-flexible's Postgres layout, as rate_limits.
  await knex.raw(`CREATE UNLOGGED TABLE request_rate_limits (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`);
  await knex.raw(`
    CREATE FUNCTION stock_not_taken() RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      RAISE EXCEPTION 'the stock was taken by another order' USING ERRCODE = '${STOCK_NOT_TAKEN_SQLSTATE}';
    END $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP FUNCTION stock_not_taken()`);
  await knex.schema.dropTable('request_rate_limits');
}
