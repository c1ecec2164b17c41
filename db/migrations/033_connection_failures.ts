import type { Knex } from 'knex';

// What went wrong with each connection, for the console (issue 18): a supplier's recent failed
// calls (refused or unanswered, by operation, with the refusal's code) and a dujiao-next shop's
// recent callbacks it did not take. Only codes and our own short wording are kept, never a body
// the other side sent (it might hold a code) nor anything signed. Each keeps its newest rows only
// (suppliers/call-failures.ts, interop/dujiao-next/callbacks.ts), so neither grows with an outage.

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE supplier_call_failures (
      id bigserial PRIMARY KEY,
      supplier_id uuid NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
      operation text NOT NULL,
      outcome text NOT NULL CHECK (outcome IN ('refused', 'unavailable')),
      code text NOT NULL,
      detail text,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX supplier_call_failures_recent ON supplier_call_failures (supplier_id, id DESC);
    CREATE TABLE dujiao_callback_failures (
      id bigserial PRIMARY KEY,
      storefront_id uuid NOT NULL REFERENCES storefronts(id) ON DELETE CASCADE,
      dujiao_order_id bigint NOT NULL REFERENCES dujiao_orders(id) ON DELETE CASCADE,
      code text NOT NULL,
      http_status int,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX dujiao_callback_failures_recent ON dujiao_callback_failures (storefront_id, id DESC);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE dujiao_callback_failures; DROP TABLE supplier_call_failures;`);
}
