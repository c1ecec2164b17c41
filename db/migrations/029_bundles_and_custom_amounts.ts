import type { Knex } from 'knex';

// Issue 15: bundles and custom face values (docs/PRODUCTS.md).
//
// - A bundle is a SKU of mode `bundle`: it is never stocked or bought itself; its components
//   (bundle_components) are, each by its own mode. `price_share` is the bundle price's revenue
//   split, per component unit; the shares times quantities add up to the bundle's price (the
//   admin API checks it). `bundle_policy` says what happens when a component cannot be had:
//   `wait` (a person fulfils it) or `undo` (the other parts are given back, the order fails).
// - An order line of a bundle is stored as one order item per component, each remembering the
//   bundle it came from (bundle_sku_id, bundle_quantity, and the policy as it was when accepted),
//   so allocation, purchasing, manual fulfilment, delivery and settlement need not know bundles.
// - A custom face value SKU takes any amount in [min, max] on the step; its price and cost are
//   computed from the amount by rate (basis points of the amount). The order item keeps the
//   amount and the computed cost: the supplier is asked for that face value at no more than that cost.

export async function up(knex: Knex): Promise<void> {
  const { rows } = await knex.raw(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'skus_fulfilment_mode_check'`);
  if (rows.length !== 1) throw new Error('skus_fulfilment_mode_check not found; skus is not as the earlier migrations left it');
  const modes = [...new Set([...[...(rows[0].def as string).matchAll(/'([^']+)'/g)].map((m) => m[1]), 'bundle'])];
  if (!modes.every((m) => /^[a-z_]+$/.test(m))) throw new Error(`unexpected fulfilment modes: ${modes.join(', ')}`);
  await knex.raw(`
    ALTER TABLE skus DROP CONSTRAINT skus_fulfilment_mode_check;
    ALTER TABLE skus ADD CONSTRAINT skus_fulfilment_mode_check CHECK (fulfilment_mode IN (${modes.map((m) => `'${m}'`).join(', ')}));

    ALTER TABLE skus
      ADD COLUMN bundle_policy text CHECK (bundle_policy IN ('wait', 'undo')),
      ADD COLUMN custom_amount_min bigint,
      ADD COLUMN custom_amount_max bigint,
      ADD COLUMN custom_amount_step bigint,
      ADD COLUMN price_rate_bp integer CHECK (price_rate_bp BETWEEN 0 AND 100000),
      ADD COLUMN cost_rate_bp integer CHECK (cost_rate_bp BETWEEN 0 AND 100000),
      ADD CONSTRAINT skus_bundle_policy_for_bundles CHECK ((fulfilment_mode = 'bundle') = (bundle_policy IS NOT NULL)),
      ADD CONSTRAINT skus_custom_amount_complete CHECK (
        (custom_amount_min IS NULL AND custom_amount_max IS NULL AND custom_amount_step IS NULL AND price_rate_bp IS NULL AND cost_rate_bp IS NULL)
        OR (custom_amount_min > 0 AND custom_amount_max >= custom_amount_min AND custom_amount_step > 0
            AND price_rate_bp IS NOT NULL AND cost_rate_bp IS NOT NULL AND fulfilment_mode IN ('topup', 'supplier', 'manual')));

    CREATE TABLE bundle_components (
      bundle_sku_id uuid NOT NULL REFERENCES skus(id),
      component_sku_id uuid NOT NULL REFERENCES skus(id),
      position integer NOT NULL,
      quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 100),
      price_share bigint NOT NULL CHECK (price_share >= 0),
      PRIMARY KEY (bundle_sku_id, component_sku_id),
      CHECK (bundle_sku_id <> component_sku_id)
    );
    CREATE INDEX bundle_components_component ON bundle_components (component_sku_id);

    ALTER TABLE order_items
      ADD COLUMN bundle_sku_id uuid REFERENCES skus(id),
      ADD COLUMN bundle_quantity integer CHECK (bundle_quantity > 0),
      ADD COLUMN bundle_policy text CHECK (bundle_policy IN ('wait', 'undo')),
      ADD COLUMN face_value bigint CHECK (face_value > 0),
      ADD COLUMN unit_cost bigint CHECK (unit_cost >= 0),
      ADD CONSTRAINT order_items_bundle_complete CHECK ((bundle_sku_id IS NULL) = (bundle_quantity IS NULL) AND (bundle_sku_id IS NULL) = (bundle_policy IS NULL));
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE order_items DROP CONSTRAINT order_items_bundle_complete,
      DROP COLUMN unit_cost, DROP COLUMN face_value, DROP COLUMN bundle_policy, DROP COLUMN bundle_quantity, DROP COLUMN bundle_sku_id;
    DROP TABLE bundle_components;
    ALTER TABLE skus DROP CONSTRAINT skus_custom_amount_complete, DROP CONSTRAINT skus_bundle_policy_for_bundles,
      DROP COLUMN cost_rate_bp, DROP COLUMN price_rate_bp, DROP COLUMN custom_amount_step, DROP COLUMN custom_amount_max,
      DROP COLUMN custom_amount_min, DROP COLUMN bundle_policy;
  `);
}
