import type { Knex } from 'knex';

// Velocity that a burst cannot race (issue 19). An order's velocity events are written by the
// statement that accepts it, and each accepted order draws a number from one sequence after it
// holds the locks that order it against every order it shares a subject with
// (orders/accept-order.ts). The risk check then counts the events of the same subjects with a
// smaller number: exactly the orders accepted before it, however many checks run at once.
// The events also carry the payment instrument and card BIN, so a device, IP or subnet can be
// asked how many different cards it used (card testing).

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE SEQUENCE order_accept_seq AS bigint;
    ALTER TABLE orders ADD COLUMN accept_seq bigint;
    ALTER SEQUENCE order_accept_seq OWNED BY orders.accept_seq;
    -- Orders already there are numbered in the order they were accepted, and so are their events.
    UPDATE orders o SET accept_seq = n.seq
      FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS seq FROM orders) n WHERE o.id = n.id;
    SELECT setval('order_accept_seq', coalesce((SELECT max(accept_seq) FROM orders), 0) + 1, false);
    ALTER TABLE orders ALTER COLUMN accept_seq SET DEFAULT nextval('order_accept_seq');
    ALTER TABLE risk_velocity_events
      ADD COLUMN seq bigint,
      ADD COLUMN payment text,
      ADD COLUMN card_bin text;
    UPDATE risk_velocity_events e SET seq = o.accept_seq FROM orders o WHERE o.id = e.order_id;
    DROP INDEX risk_velocity_events_lookup;
    CREATE INDEX risk_velocity_events_lookup ON risk_velocity_events (merchant_id, subject, at) INCLUDE (amount, buyer_key, seq, payment, card_bin);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX risk_velocity_events_lookup;
    CREATE INDEX risk_velocity_events_lookup ON risk_velocity_events (merchant_id, subject, at) INCLUDE (amount, buyer_key);
    ALTER TABLE risk_velocity_events DROP COLUMN seq, DROP COLUMN payment, DROP COLUMN card_bin;
    ALTER TABLE orders DROP COLUMN accept_seq;
  `);
}
