import type { Knex } from 'knex';

// A storefront's prepaid balance (issue 18): money the merchant received from a storefront ahead
// of its orders, held in the ledger as a `storefront_prepaid` account (what we owe the storefront
// in goods). Its orders draw it at acceptance and cancellations and refunds give it back
// (storefronts/prepaid-balance.ts). `prepaid_currency` marks a prepaid storefront: set by its
// first top-up, read with the storefront row so acceptance knows without another query.

const KINDS = `'cash', 'inventory', 'purchases_outside', 'sales_revenue', 'sales_refunds', 'cost_of_goods', 'goods_written_off',
  'supplier_balance_adjustments', 'supplier_prepaid', 'supplier_payable', 'supplier_claims', 'storefront_receivable'`;
const OWNED = `'supplier_prepaid', 'supplier_payable', 'supplier_claims', 'storefront_receivable'`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
    ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_check;
    ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check CHECK (kind IN (${KINDS}, 'storefront_prepaid'));
    ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_check CHECK ((kind IN (${OWNED}, 'storefront_prepaid')) = (owner_id IS NOT NULL));
    ALTER TABLE storefronts ADD COLUMN prepaid_currency char(3);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE storefronts DROP COLUMN prepaid_currency;
    ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
    ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_check;
    ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check CHECK (kind IN (${KINDS}));
    ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_check CHECK ((kind IN (${OWNED})) = (owner_id IS NOT NULL));
  `);
}
