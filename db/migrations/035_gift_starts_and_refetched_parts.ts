import type { Knex } from 'knex';

// Two leftovers of issue 15.
//
// gifts.workflow_started_at: a gift row is written before its workflow is started. Until the
// start is confirmed the column is null, and the worker's reconciler (worker/reconciler.ts) starts
// the gifts that stayed null past a grace period (the api died in between). Rows from before this
// migration are null too: the reconciler's start is idempotent (workflow id `gift-<id>`), so it
// only confirms those that already run.
//
// supplier_purchases.given_back_at: a retry of an undone bundle buys the voided part again
// (orders/retry-order.ts). The earlier purchase stays succeeded (it was charged, and the supplier's
// statement says so) but no longer holds the unit's goods, so it must not count as the unit's live
// purchase: the one-live-purchase index leaves given-back rows out.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('gifts', (t) => {
    t.timestamp('workflow_started_at', { useTz: true });
  });
  await knex.raw(`CREATE INDEX gifts_workflow_not_started ON gifts (created_at) WHERE workflow_started_at IS NULL`);

  await knex.schema.alterTable('supplier_purchases', (t) => {
    t.timestamp('given_back_at', { useTz: true });
  });
  await knex.raw(`DROP INDEX supplier_purchases_one_live_per_unit`);
  await knex.raw(`CREATE UNIQUE INDEX supplier_purchases_one_live_per_unit ON supplier_purchases (unit_id)
    WHERE status IN ('pending', 'processing', 'succeeded') AND given_back_at IS NULL`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP INDEX supplier_purchases_one_live_per_unit`);
  await knex.raw(`CREATE UNIQUE INDEX supplier_purchases_one_live_per_unit ON supplier_purchases (unit_id)
    WHERE status IN ('pending', 'processing', 'succeeded')`);
  await knex.schema.alterTable('supplier_purchases', (t) => t.dropColumn('given_back_at'));
  await knex.raw(`DROP INDEX gifts_workflow_not_started`);
  await knex.schema.alterTable('gifts', (t) => t.dropColumn('workflow_started_at'));
}
