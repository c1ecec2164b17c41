import type { Knex } from 'knex';
import { lastSupplierOutcomes } from '../../orders/supplier-outcomes';
import { codedSupplierReason, englishOutcomes, englishSupplierReason, routeOutcome, type Outcome } from './038_coded_old_reasons';

// The English the system wrote before these reasons were codes, rewritten into the codes the code
// writes today, so the console words them in the reader's language:
// - codes.void_reason, when the system voided the code: a refund's "order refunded", an undone
//   bundle's "bundle undone: <the order's reason>" (both on sold codes: unit_id is set) and a
//   twin found by stock/refingerprint.ts (duplicate_of is set) become "<code>: {"params":…}"
//   (stock/void-reasons.ts), an undone bundle's supplier failure with what each supplier said
//   as codes where its order's purchases have them. A person's own void reason is another code's (an unsold one) and
//   stays as written, whatever it says;
// - bulk_orders.reason "<n> units could not be had" and a failed bulk order's orders.reason
//   "bulk_units_failed: <n> of <m> units could not be had" become bulk_units_failed with its
//   parameters (orders/reasons.ts codedReason);
// - bulk_unit_failures.reason, a supplier's purchase of the unit described in English, becomes the
//   order reason suppliers/purchase-unit.ts codes today; one that follows no known pattern is kept
//   as a supplier failure's detail ("supplier_failed: <English>"), as the order workflow reads it.
// Ledger write-offs of an undone bundle keep their memo as written: nobody reads it back.

const BATCH = 500;
type Params = Record<string, string | number>;
const coded = (code: string, params: Params, more: Record<string, unknown> = {}) => `${code}: ${JSON.stringify({ params, ...more })}`;

const REFUNDED = 'order refunded';
const TWIN = 'the same code as another one (found when fingerprints were re-made)';
const BUNDLE = 'bundle undone: ';

/** The coded forms of the two sentences the system wrote whole, and the column that marks a code the system voided so. */
const SENTENCES: [english: string, code: string, marker: 'unit_id' | 'duplicate_of'][] = [
  [REFUNDED, coded('order_refunded', {}), 'unit_id'],
  [TWIN, coded('duplicate_code', {}), 'duplicate_of'],
];

/** Rewrites rows in batches by `key`: `change` answers the new value of `column`, or undefined to keep the row. */
async function rewrite(
  knex: Knex,
  table: string,
  key: string,
  column: string,
  where: (q: Knex.QueryBuilder) => void,
  change: (text: string, row: Record<string, unknown>) => string | undefined | Promise<string | undefined>,
  also: string[] = [],
) {
  let after: string | null = null;
  for (;;) {
    const q = knex(table)
      .select(key, column, ...also)
      .modify(where)
      .orderBy(key)
      .limit(BATCH);
    if (after !== null) q.where(key, '>', after);
    const rows = (await q) as Record<string, unknown>[];
    if (rows.length === 0) return;
    for (const row of rows) {
      const next = await change(row[column] as string, row);
      if (next !== undefined && next !== row[column])
        await knex(table)
          .where(key, row[key] as string)
          .update({ [column]: next });
    }
    after = rows[rows.length - 1][key] as string;
  }
}

/**
 * An undone bundle's order reason as orders/bundle-undo.ts keeps it today: a supplier failure with
 * what each supplier said as codes, read from the order's purchases, where its English has them.
 */
async function undoneBecause(knex: Knex, unitId: string, reason: string): Promise<string> {
  if (!/^supplier_failed: (?!\{"params":)/.test(reason)) return reason;
  const order = await knex('orders as o').join('order_units as u', 'u.order_id', 'o.id').where('u.id', unitId).first('o.id', 'o.retried_at');
  const outcomes = order ? await lastSupplierOutcomes(knex, order) : [];
  return outcomes.length ? coded('supplier_failed', {}, { outcomes }) : reason;
}

// -- bulk orders -------------------------------------------------------------------------------

/** A bulk unit's purchase failure, as suppliers/purchase-unit.ts described it then, as the order reason it codes today. */
export function codedUnitFailure(reason: string): string {
  if (reason === 'no_code_left' || /^[a-z_]+: /.test(reason)) return reason;
  const closed = codedSupplierReason(`supplier_failed: ${reason}`);
  if (closed) return closed;
  let m = /^the account was rejected by ([\s\S]+?): ([\s\S]*)$/.exec(reason);
  if (m) return coded('supplier_failed', {}, { outcomes: [{ supplier: m[1], code: 'invalid_account', vendorCode: 'invalid_account', message: m[2] }] });
  m = /^no supplier could supply \S+: ([\s\S]+)$/.exec(reason);
  const outcomes = m ? m[1].split('; ').map(routeOutcome) : [];
  if (m && outcomes.every((o) => o)) return coded('supplier_failed', {}, { outcomes });
  return `supplier_failed: ${reason}`;
}

/** down(): the English of a coded bulk unit failure (the SKU was not kept: "-"). */
export function englishUnitFailure(reason: string): string {
  const closed = englishSupplierReason(reason);
  if (closed?.startsWith('supplier_failed: ')) return closed.slice('supplier_failed: '.length);
  const m = /^supplier_failed: ([\s\S]*)$/.exec(reason);
  if (!m) return reason;
  if (!m[1].startsWith('{"params":')) return m[1];
  const { outcomes = [] } = JSON.parse(m[1]) as { outcomes?: Outcome[] };
  if (outcomes.length === 1 && outcomes[0].code === 'invalid_account') return `the account was rejected by ${outcomes[0].supplier}: ${outcomes[0].message}`;
  return `no supplier could supply -: ${englishOutcomes(outcomes)}`;
}

const bulkUnitsFailed = (failed: number, units: number) => coded('bulk_units_failed', { failed, units });
const parsedBulkUnitsFailed = (reason: string) => {
  const m = /^bulk_units_failed: (\{"params":[\s\S]*\})$/.exec(reason);
  return m ? (JSON.parse(m[1]) as { params: { failed: number } }).params : undefined;
};

export async function up(knex: Knex): Promise<void> {
  for (const [english, code, column] of SENTENCES) await knex('codes').where({ status: 'voided', void_reason: english }).whereNotNull(column).update({ void_reason: code });
  await rewrite(
    knex,
    'codes',
    'id',
    'void_reason',
    (q) => q.where({ status: 'voided' }).whereNotNull('unit_id').where('void_reason', 'like', 'bundle undone: %'),
    async (text, row) => coded('bundle_undone', {}, { orderReason: await undoneBecause(knex, row.unit_id as string, text.slice(BUNDLE.length)) }),
    ['unit_id'],
  );

  await rewrite(
    knex,
    'bulk_orders',
    'order_id',
    'reason',
    (q) => q.where('reason', '~', '^[0-9]+ units could not be had$'),
    (text, row) => bulkUnitsFailed(Number(/^\d+/.exec(text)![0]), Number(row.quantity)),
    ['quantity'],
  );
  await rewrite(
    knex,
    'orders',
    'id',
    'reason',
    (q) => q.where('reason', '~', '^bulk_units_failed: [0-9]+ of [0-9]+ units could not be had$'),
    (text) => {
      const [failed, units] = text.match(/\d+/g)!.map(Number);
      return bulkUnitsFailed(failed, units);
    },
  );
  await rewrite(knex, 'bulk_unit_failures', 'unit_id', 'reason', (q) => q.whereNot('reason', 'no_code_left').whereNot('reason', '~', '^[a-z_]+: '), codedUnitFailure);
}

// Back to the English the code before this migration wrote and showed as written (it would show a
// coded text raw). What it read as codes stays: no_code_left, and a failed bulk order's coded
// orders.reason (that code wrote and worded bulk_units_failed with its parameters already).
export async function down(knex: Knex): Promise<void> {
  for (const [english, code, column] of SENTENCES) await knex('codes').where({ status: 'voided', void_reason: code }).whereNotNull(column).update({ void_reason: english });
  await rewrite(
    knex,
    'codes',
    'id',
    'void_reason',
    (q) => q.where({ status: 'voided' }).where('void_reason', 'like', 'bundle\\_undone: {%'),
    (text) => {
      const { orderReason } = JSON.parse(text.slice('bundle_undone: '.length)) as { orderReason?: string };
      return orderReason === undefined ? undefined : `${BUNDLE}${orderReason}`;
    },
  );

  await rewrite(
    knex,
    'bulk_orders',
    'order_id',
    'reason',
    (q) => q.where('reason', 'like', 'bulk\\_units\\_failed: {%'),
    (text) => {
      const params = parsedBulkUnitsFailed(text);
      return params ? `${params.failed} units could not be had` : undefined;
    },
  );
  await rewrite(knex, 'bulk_unit_failures', 'unit_id', 'reason', (q) => q.where('reason', 'like', 'supplier\\_%'), englishUnitFailure);
}
