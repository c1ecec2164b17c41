import type { Knex } from 'knex';

// Storefront webhooks through a durable outbox (issue 17). A row is written in the same
// transaction as what it tells (a delivery, a refund), so it exists exactly when the event
// happened; the notifier (orders/webhook-notifier.ts) sends due rows in batches and records each
// try in webhook_attempts as before. message_id is the Standard Webhooks webhook-id: one row per
// event, the same id on every try.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_outbox', (t) => {
    t.bigIncrements('id');
    t.text('message_id').notNullable().unique();
    t.uuid('order_id').notNullable().references('orders.id');
    t.text('event_type').notNullable().checkIn(['order.delivered', 'order.refunded']);
    t.uuid('refund_id').references('refunds.id');
    t.text('status').notNullable().defaultTo('pending').checkIn(['pending', 'sent', 'no_endpoint', 'gave_up']);
    t.integer('attempts').notNullable().defaultTo(0);
    // When the row may next be tried: now for a new one, later after a failed try, and a short
    // lease ahead while a notifier sends it (a notifier that dies mid-send is covered by the lease).
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.index(['order_id']);
  });
  await knex.raw(`CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE status = 'pending'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_outbox');
}
