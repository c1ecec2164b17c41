import type { Knex } from 'knex';

// Webhook secret rotation with overlap: the replaced secret is kept, sealed as it was, until a
// grace period ends, and webhooks are signed with both meanwhile (storefronts/webhook-secret.ts).

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('storefronts', (t) => {
    t.text('previous_webhook_secret_key_id');
    t.binary('previous_webhook_secret');
    t.timestamp('previous_webhook_secret_until', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('storefronts', (t) => t.dropColumns('previous_webhook_secret_key_id', 'previous_webhook_secret', 'previous_webhook_secret_until'));
}
