import type { Knex } from 'knex';

// Every order of a merchant adds to the same few rollup rows (the day's totals, the SKU's day, the
// channel's day, the hour), each writer holding its row until it commits. In a flash sale the
// accepting statement, which already holds the SKU's stock row, queued behind settlements for
// those rows (docs/BENCHMARKS.md, "Issue 19's bar"). Each row becomes 16 slots that readers add
// up; which slot a change goes to is orders/rollup-slots.ts's rule.
//
// The rollups also lose their foreign keys, as risk_velocity_events never had them: they are
// derived rows, written only from the rows they count (and rebuilt from them), and a key check
// per write runs at the end of the accepting statement, while the sale's SKU row is held; a
// settlement's check on skus(id) share-locked that hot row beside the accepts updating it.

const TABLES: { table: string; key: string; unique?: string }[] = [
  { table: 'daily_order_totals', key: 'merchant_id, day, currency' },
  { table: 'daily_sku_sales', key: 'merchant_id, day, currency, sku_id, fulfilment_mode' },
  { table: 'report_channel_days', key: 'merchant_id, day, currency, storefront_id, channel, campaign' },
  { table: 'report_hours', key: 'merchant_id, day, hour, currency' },
  { table: 'report_sku_days', key: 'merchant_id, day, currency, sku_id, supplier_id', unique: 'report_sku_days_key' },
];

// Every rollup table's foreign keys, as migrations 018 and 027 made them (for down()).
const FOREIGN_KEYS: Record<string, string[]> = {
  daily_order_totals: ['merchant_id REFERENCES merchants(id)'],
  daily_sku_sales: ['merchant_id REFERENCES merchants(id)', 'sku_id REFERENCES skus(id)'],
  report_channel_days: ['merchant_id REFERENCES merchants(id)', 'storefront_id REFERENCES storefronts(id)'],
  report_hours: ['merchant_id REFERENCES merchants(id)'],
  report_sku_days: ['merchant_id REFERENCES merchants(id)', 'sku_id REFERENCES skus(id)', 'supplier_id REFERENCES suppliers(id)'],
  report_refund_reasons: ['merchant_id REFERENCES merchants(id)'],
  report_sold_out: ['merchant_id REFERENCES merchants(id)', 'storefront_id REFERENCES storefronts(id)'],
};

export async function up(knex: Knex): Promise<void> {
  const { rows } = await knex.raw(`SELECT conrelid::regclass::text AS tab, conname FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(?)`, [
    Object.keys(FOREIGN_KEYS),
  ]);
  for (const { tab, conname } of rows as { tab: string; conname: string }[]) await knex.raw(`ALTER TABLE ${tab} DROP CONSTRAINT "${conname}"`);
  for (const { table, key, unique } of TABLES) {
    await knex.raw(`ALTER TABLE ${table} ADD COLUMN slot smallint NOT NULL DEFAULT 0 CHECK (slot BETWEEN 0 AND 15)`);
    if (unique) {
      await knex.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${unique}`);
      await knex.raw(`ALTER TABLE ${table} ADD CONSTRAINT ${unique} UNIQUE NULLS NOT DISTINCT (${key}, slot)`);
    } else {
      await knex.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey`);
      await knex.raw(`ALTER TABLE ${table} ADD PRIMARY KEY (${key}, slot)`);
    }
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const { table, key, unique } of TABLES) {
    // Fold the slots back into one row per key before the key loses its slot.
    const counters = (
      await knex.raw(
        `SELECT column_name FROM information_schema.columns WHERE table_name = ? AND data_type IN ('integer', 'bigint') AND column_name <> 'slot' ORDER BY ordinal_position`,
        [table],
      )
    ).rows.map((r: { column_name: string }) => r.column_name);
    const keyCols = key.split(', ');
    await knex.raw(`CREATE TEMP TABLE folded ON COMMIT DROP AS SELECT ${key}, ${counters.map((c: string) => `sum(${c}) AS ${c}`).join(', ')} FROM ${table} GROUP BY ${key}`);
    await knex.raw(`DELETE FROM ${table}`);
    if (unique) await knex.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${unique}`);
    else await knex.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey`);
    await knex.raw(`ALTER TABLE ${table} DROP COLUMN slot`);
    await knex.raw(`INSERT INTO ${table} (${[...keyCols, ...counters].join(', ')}) SELECT ${[...keyCols, ...counters].join(', ')} FROM folded`);
    await knex.raw('DROP TABLE folded');
    if (unique) await knex.raw(`ALTER TABLE ${table} ADD CONSTRAINT ${unique} UNIQUE NULLS NOT DISTINCT (${key})`);
    else await knex.raw(`ALTER TABLE ${table} ADD PRIMARY KEY (${key})`);
  }
  for (const [table, keys] of Object.entries(FOREIGN_KEYS)) {
    for (const fk of keys) {
      const [column, , target] = fk.split(' ');
      await knex.raw(`ALTER TABLE ${table} ADD FOREIGN KEY (${column}) REFERENCES ${target}`);
    }
  }
}
