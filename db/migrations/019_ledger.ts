import type { Knex } from 'knex';

// The double-entry ledger (issue 14, docs/MONEY.md). The database itself keeps the books honest,
// whatever code writes to them:
//   - append-only: UPDATE, DELETE and TRUNCATE of entries and lines are refused (a correction is a
//     new entry);
//   - balanced: at commit, each entry's lines sum to zero per currency (a deferred constraint
//     trigger), and every entry has lines;
//   - once: each entry has a unique business key (`sale:<unit id>`, `supplier-charge:<purchase id>`),
//     so a retried activity posts nothing twice;
//   - closed periods stay closed: an entry dated on or before the last closed month is refused.
// Amounts are integer minor units; a line's currency is its account's (composite foreign key).

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE ledger_accounts (
      id uuid PRIMARY KEY,
      merchant_id uuid NOT NULL REFERENCES merchants(id),
      kind text NOT NULL CHECK (kind IN (
        'cash', 'inventory', 'purchases_outside', 'sales_revenue', 'sales_refunds', 'cost_of_goods', 'goods_written_off',
        'supplier_balance_adjustments', 'supplier_prepaid', 'supplier_payable', 'supplier_claims', 'storefront_receivable')),
      -- The supplier or storefront an account belongs to; null for the merchant's own accounts.
      owner_id uuid,
      currency char(3) NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE NULLS NOT DISTINCT (merchant_id, kind, owner_id, currency),
      UNIQUE (id, currency),
      CHECK ((kind IN ('supplier_prepaid', 'supplier_payable', 'supplier_claims', 'storefront_receivable')) = (owner_id IS NOT NULL))
    );

    -- Months a merchant has closed: nothing may be posted on or before the end of the latest.
    CREATE TABLE ledger_period_closes (
      merchant_id uuid NOT NULL REFERENCES merchants(id),
      month date NOT NULL CHECK (extract(day FROM month) = 1),
      closed_at timestamptz NOT NULL DEFAULT now(),
      closed_by text NOT NULL,
      PRIMARY KEY (merchant_id, month)
    );

    CREATE TABLE ledger_entries (
      id uuid PRIMARY KEY,
      merchant_id uuid NOT NULL REFERENCES merchants(id),
      key text NOT NULL UNIQUE,
      kind text NOT NULL,
      -- The accounting date: today, or the first open day when today's month is closed.
      posted_on date NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      -- What the entry is about, for reports and the console (no foreign keys: the ledger outlives rows).
      order_id uuid,
      unit_id uuid,
      sku_id uuid,
      supplier_id uuid,
      storefront_id uuid,
      memo jsonb
    );
    CREATE INDEX ledger_entries_merchant_day ON ledger_entries (merchant_id, posted_on);
    CREATE INDEX ledger_entries_order ON ledger_entries (order_id) WHERE order_id IS NOT NULL;
    CREATE INDEX ledger_entries_supplier ON ledger_entries (supplier_id, posted_on) WHERE supplier_id IS NOT NULL;

    -- Positive amounts are debits, negative ones credits.
    CREATE TABLE ledger_lines (
      id bigserial PRIMARY KEY,
      entry_id uuid NOT NULL REFERENCES ledger_entries(id),
      account_id uuid NOT NULL,
      currency char(3) NOT NULL,
      amount bigint NOT NULL,
      FOREIGN KEY (account_id, currency) REFERENCES ledger_accounts (id, currency)
    );
    CREATE INDEX ledger_lines_entry ON ledger_lines (entry_id);
    CREATE INDEX ledger_lines_account ON ledger_lines (account_id);

    CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'the ledger is append-only: % on % refused; post a correcting entry instead', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'P0001', HINT = 'ledger_append_only';
    END $$;
    CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
    CREATE TRIGGER ledger_lines_append_only BEFORE UPDATE OR DELETE ON ledger_lines FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
    CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
    CREATE TRIGGER ledger_lines_no_truncate BEFORE TRUNCATE ON ledger_lines FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

    -- Checked at commit, once every line of the transaction is in: each currency sums to zero,
    -- and an entry has lines.
    CREATE FUNCTION ledger_check_balanced(entry uuid) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
      off record;
    BEGIN
      SELECT currency, sum(amount) AS total INTO off FROM ledger_lines WHERE entry_id = entry GROUP BY currency HAVING sum(amount) <> 0 LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'ledger entry % does not balance in %: its lines sum to %', entry, off.currency, off.total
          USING ERRCODE = 'P0001', HINT = 'ledger_unbalanced';
      END IF;
      IF NOT EXISTS (SELECT 1 FROM ledger_lines WHERE entry_id = entry) THEN
        RAISE EXCEPTION 'ledger entry % has no lines', entry USING ERRCODE = 'P0001', HINT = 'ledger_unbalanced';
      END IF;
    END $$;
    CREATE FUNCTION ledger_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM ledger_check_balanced(NEW.id);
      RETURN NULL;
    END $$;
    CREATE FUNCTION ledger_line_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM ledger_check_balanced(NEW.entry_id);
      RETURN NULL;
    END $$;
    CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced();
    CREATE CONSTRAINT TRIGGER ledger_lines_balanced AFTER INSERT ON ledger_lines
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_line_balanced();

    -- The first day a merchant may still post on: today, or the day after its last closed month.
    -- VOLATILE (the default): it reads the closes committed when it runs, not at statement start.
    CREATE FUNCTION ledger_first_open_day(merchant uuid) RETURNS date LANGUAGE plpgsql AS $$
    BEGIN
      RETURN greatest(current_date, coalesce((SELECT (max(month) + interval '1 month')::date FROM ledger_period_closes WHERE merchant_id = merchant), current_date));
    END $$;

    CREATE FUNCTION ledger_refuse_closed_period() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.posted_on < (SELECT (max(month) + interval '1 month')::date FROM ledger_period_closes WHERE merchant_id = NEW.merchant_id) THEN
        RAISE EXCEPTION 'ledger entry % is dated %, in a closed period; post the correction in the open period', NEW.key, NEW.posted_on
          USING ERRCODE = 'P0001', HINT = 'ledger_period_closed';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER ledger_entries_open_period BEFORE INSERT ON ledger_entries FOR EACH ROW EXECUTE FUNCTION ledger_refuse_closed_period();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE ledger_lines;
    DROP TABLE ledger_entries;
    DROP TABLE ledger_period_closes;
    DROP TABLE ledger_accounts;
    DROP FUNCTION ledger_refuse_closed_period();
    DROP FUNCTION ledger_first_open_day(uuid);
    DROP FUNCTION ledger_line_balanced();
    DROP FUNCTION ledger_entry_balanced();
    DROP FUNCTION ledger_check_balanced(uuid);
    DROP FUNCTION ledger_refuse_change();
  `);
}
