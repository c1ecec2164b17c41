import type { Knex } from 'knex';

// Delivery straight to the buyer (issue 15): a hosted page per order opened by an unguessable,
// expiring link (only its hash is stored), a lookup (查单) that proves the buyer by a one-time
// code sent to the order's email or phone, usage instructions per SKU and language beside the
// code, and e-gift cards (merchant templates, a recipient, an optional delivery time).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('skus', (t) => {
    // { "en": "...", "zh": "..." }: shown beside the code on the delivery page.
    t.jsonb('usage_instructions').notNullable().defaultTo('{}');
    // Off: the delivery email carries only the link; on, the merchant chose to mail the code itself.
    t.boolean('code_in_email').notNullable().defaultTo(false);
  });

  await knex.schema.createTable('gift_templates', (t) => {
    t.uuid('id').primary();
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.text('name').notNullable();
    // An https URL the merchant gives, or a data: URL of an uploaded PNG/JPEG/WebP (size-capped by the API).
    t.text('image_url').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['merchant_id']);
  });

  await knex.schema.createTable('gifts', (t) => {
    t.uuid('id').primary();
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.uuid('order_id').notNullable().unique().references('orders.id');
    t.uuid('template_id').notNullable().references('gift_templates.id');
    t.text('language').notNullable();
    t.text('sender_name').notNullable();
    t.text('sender_email');
    t.text('message').notNullable();
    t.text('recipient_name').notNullable();
    t.text('recipient_email');
    t.text('recipient_phone');
    t.timestamp('deliver_at', { useTz: true }).notNullable();
    // scheduled → sent | bounced (the recipient's server refused it for good)
    t.text('status').notNullable().defaultTo('scheduled');
    t.timestamp('sent_at', { useTz: true });
    t.text('bounce');
    t.timestamp('opened_at', { useTz: true });
    t.timestamp('sender_told_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE gifts ADD CONSTRAINT gifts_status CHECK (status IN ('scheduled', 'sent', 'bounced'))`);
  await knex.raw(`ALTER TABLE gifts ADD CONSTRAINT gifts_recipient CHECK (recipient_email IS NOT NULL OR recipient_phone IS NOT NULL)`);

  await knex.schema.createTable('delivery_links', (t) => {
    t.uuid('id').primary();
    t.uuid('merchant_id').notNullable().references('merchants.id');
    t.uuid('order_id').notNullable().references('orders.id');
    // sha256 of the token; the token itself is only in the link the buyer holds.
    t.text('token_hash').notNullable().unique();
    // storefront (asked for by the shop), lookup (a verified buyer), gift (mailed to the recipient)
    t.text('issued_for').notNullable();
    t.uuid('gift_id').references('gifts.id');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['order_id']);
  });
  await knex.raw(`ALTER TABLE delivery_links ADD CONSTRAINT delivery_links_issued_for CHECK (issued_for IN ('storefront', 'lookup', 'gift'))`);

  await knex.schema.createTable('delivery_lookup_codes', (t) => {
    t.uuid('id').primary();
    t.uuid('order_id').notNullable().references('orders.id');
    t.text('channel').notNullable();
    t.text('code_hash').notNullable();
    t.integer('failed_attempts').notNullable().defaultTo(0);
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['order_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('delivery_lookup_codes');
  await knex.schema.dropTable('delivery_links');
  await knex.schema.dropTable('gifts');
  await knex.schema.dropTable('gift_templates');
  await knex.schema.alterTable('skus', (t) => {
    t.dropColumn('usage_instructions');
    t.dropColumn('code_in_email');
  });
}
