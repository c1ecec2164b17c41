import type { Knex } from 'knex';

// Supplier terms (issue 14, docs/MONEY.md): `prepaid` suppliers draw each purchase from a balance
// the merchant tops up; `credit` suppliers are owed for each purchase and paid N days after the
// statement period ends. Money paid to a supplier (a top-up or a payment on account) is a row
// here and an entry in the ledger, written in one transaction.

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE suppliers
      ADD COLUMN terms text NOT NULL DEFAULT 'prepaid' CHECK (terms IN ('prepaid', 'credit')),
      ADD COLUMN credit_days integer CHECK (credit_days BETWEEN 0 AND 365),
      ADD COLUMN statement_period text CHECK (statement_period IN ('week', 'month')),
      ADD CONSTRAINT suppliers_credit_terms_complete CHECK (terms <> 'credit' OR (credit_days IS NOT NULL AND statement_period IS NOT NULL));

    CREATE TABLE supplier_payments (
      id uuid PRIMARY KEY,
      merchant_id uuid NOT NULL REFERENCES merchants(id),
      supplier_id uuid NOT NULL REFERENCES suppliers(id),
      -- top_up: into a prepaid balance; payment: settling what a credit supplier is owed.
      kind text NOT NULL CHECK (kind IN ('top_up', 'payment')),
      currency char(3) NOT NULL,
      amount bigint NOT NULL CHECK (amount > 0),
      reference text,
      paid_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX supplier_payments_supplier ON supplier_payments (supplier_id, created_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE supplier_payments;
    ALTER TABLE suppliers DROP CONSTRAINT suppliers_credit_terms_complete, DROP COLUMN statement_period, DROP COLUMN credit_days, DROP COLUMN terms;
  `);
}
