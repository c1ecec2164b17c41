import type { Knex } from 'knex';

// Supplier statements and three-way reconciliation (issue 14, docs/MONEY.md "Reconciliation").
//
// A supplier's statement is what the supplier says it charged and refunded, per reference, over a
// period: imported from its CSV or fetched through its adapter, kept as it came (never edited; a
// corrected statement is imported again). A reconciliation run matches it against Cardflow's own
// purchases and postings and the storefront orders behind them; each difference it finds is a row
// a person resolves with a reason. The same difference seen again by a later run of the same
// period is the same row (unique on supplier, period, kind and reference), so daily runs do not
// pile up copies and a resolved difference stays resolved.

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE supplier_statements (
      id uuid PRIMARY KEY,
      merchant_id uuid NOT NULL REFERENCES merchants(id),
      supplier_id uuid NOT NULL REFERENCES suppliers(id),
      -- UTC days, both included.
      period_from date NOT NULL,
      period_to date NOT NULL CHECK (period_to >= period_from),
      source text NOT NULL CHECK (source IN ('import', 'adapter')),
      currency char(3) NOT NULL,
      received_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX supplier_statements_period ON supplier_statements (supplier_id, period_from, period_to, created_at);

    CREATE TABLE supplier_statement_lines (
      statement_id uuid NOT NULL REFERENCES supplier_statements(id),
      line_no integer NOT NULL,
      reference text NOT NULL,
      supplier_order_id text,
      kind text NOT NULL CHECK (kind IN ('charge', 'refund')),
      amount bigint NOT NULL CHECK (amount >= 0),
      at timestamptz NOT NULL,
      PRIMARY KEY (statement_id, line_no)
    );
    CREATE INDEX supplier_statement_lines_reference ON supplier_statement_lines (statement_id, reference);

    CREATE TABLE reconciliation_runs (
      id uuid PRIMARY KEY,
      merchant_id uuid NOT NULL REFERENCES merchants(id),
      supplier_id uuid NOT NULL REFERENCES suppliers(id),
      statement_id uuid NOT NULL REFERENCES supplier_statements(id),
      period_from date NOT NULL,
      period_to date NOT NULL,
      -- schedule: the daily Temporal Schedule; on_demand: a person, from the console or the API.
      trigger text NOT NULL CHECK (trigger IN ('schedule', 'on_demand')),
      started_by text NOT NULL,
      purchases integer NOT NULL,
      statement_lines integer NOT NULL,
      differences integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX reconciliation_runs_supplier ON reconciliation_runs (merchant_id, supplier_id, created_at DESC);

    CREATE TABLE reconciliation_differences (
      id uuid PRIMARY KEY,
      merchant_id uuid NOT NULL REFERENCES merchants(id),
      supplier_id uuid NOT NULL REFERENCES suppliers(id),
      period_from date NOT NULL,
      period_to date NOT NULL,
      kind text NOT NULL CHECK (kind IN ('charged_not_delivered', 'delivered_not_charged', 'price_differs', 'charged_twice', 'refund_missing')),
      reference text NOT NULL,
      purchase_id uuid REFERENCES supplier_purchases(id),
      order_id uuid REFERENCES orders(id),
      currency char(3) NOT NULL,
      -- What the books say the supplier took for this reference, what its statement says, in minor units.
      ours bigint NOT NULL,
      theirs bigint NOT NULL,
      evidence jsonb NOT NULL,
      first_run_id uuid NOT NULL REFERENCES reconciliation_runs(id),
      last_run_id uuid NOT NULL REFERENCES reconciliation_runs(id),
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
      resolution_reason text,
      -- The ledger entry the resolution posted, if it needed one.
      adjustment_key text,
      resolved_by text,
      resolved_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (supplier_id, period_from, period_to, kind, reference),
      CHECK ((status = 'resolved') = (resolved_at IS NOT NULL AND resolution_reason IS NOT NULL AND resolved_by IS NOT NULL))
    );
    CREATE INDEX reconciliation_differences_open ON reconciliation_differences (merchant_id, created_at DESC) WHERE status = 'open';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE reconciliation_differences;
    DROP TABLE reconciliation_runs;
    DROP TABLE supplier_statement_lines;
    DROP TABLE supplier_statements;
  `);
}
