import type { Knex } from 'knex';

// The `Idempotency-Key` header of the storefront API (issue 16). A key is bound to the first
// request that used it (its operation and the hash of its validated body), so a later request
// with the same key and a different body is refused (409 idempotency_conflict), as a reused
// externalRef is. What a repeat answers is still decided by the operation itself: an order by
// its externalRef, a cancel by the order's state.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('storefront_idempotency_keys', (t) => {
    t.uuid('storefront_id').notNullable().references('storefronts.id').onDelete('CASCADE');
    t.string('key', 255).notNullable();
    t.text('request_hash').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['storefront_id', 'key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('storefront_idempotency_keys');
}
