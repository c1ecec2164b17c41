import type { Knex } from 'knex';
import type { SkuRow } from '../db/tables';
import { invalidInput } from '../lib/errors';
import { majorUnits } from '../lib/currency-digits';
import { fieldProblem, type FieldCode, type FieldParams, type FieldRefusal } from '../lib/field-codes';

// Bundles (组合套餐): one product made of other SKUs. An order line of a bundle becomes one line
// per component, each fulfilled by its own mode by the ordinary machinery (allocation, purchase,
// manual fulfilment), priced at its share of the bundle's price (the revenue split), and marked
// with the bundle it came from so the storefront sees the bundle and its parts, and so a failing
// part is handled by the bundle's policy (orders/bundle-undo.ts, workflows/fulfil-order.ts).

export type BundlePolicy = 'wait' | 'undo';

export interface BundleMark {
  skuId: string;
  code: string;
  name: string;
  quantity: number;
  policy: BundlePolicy;
}

export interface ComponentLine {
  sku: SkuRow;
  /** Units of the component per unit of the bundle. */
  quantity: number;
  /** Revenue per component unit. */
  priceShare: number;
}

/** The components of these bundle SKUs, in their stated order. */
export async function loadComponents(db: Knex, bundleSkuIds: string[]): Promise<Map<string, ComponentLine[]>> {
  const byBundle = new Map<string, ComponentLine[]>();
  if (bundleSkuIds.length === 0) return byBundle;
  const rows = await db('bundle_components as b')
    .join('skus as s', 's.id', 'b.component_sku_id')
    .whereIn('b.bundle_sku_id', bundleSkuIds)
    .orderBy(['b.bundle_sku_id', 'b.position'])
    .select<(SkuRow & { bundle_sku_id: string; component_quantity: number; price_share: number })[]>('s.*', 'b.bundle_sku_id', 'b.quantity as component_quantity', 'b.price_share');
  for (const { bundle_sku_id, component_quantity, price_share, ...sku } of rows) {
    const list = byBundle.get(bundle_sku_id) ?? [];
    list.push({ sku, quantity: component_quantity, priceShare: Number(price_share) });
    byBundle.set(bundle_sku_id, list);
  }
  return byBundle;
}

/** Modes a bundle may be made of: anything fulfilled by itself (not another bundle). */
export const COMPONENT_MODES = new Set(['stock', 'supplier', 'topup', 'link', 'manual']);

/**
 * The rule a bundle's definition keeps: its components exist, are not bundles, are priced in the
 * bundle's currency, appear once each, and their shares add up to exactly the bundle's price
 * (so the revenue posted per component sums to what the buyer paid). Field errors, for the form.
 */
export function bundleDefinitionProblems(
  bundle: { price: number; currency: string },
  components: { code: string; sku?: Pick<SkuRow, 'fulfilment_mode' | 'currency'>; quantity: number; priceShare: number }[],
) {
  const fields: FieldRefusal[] = [];
  const refuse = (path: string, code: FieldCode, message: string, params?: FieldParams) => fields.push({ path, ...fieldProblem(code, message, params) });
  if (components.length < 2) refuse('bundle.components', 'bundle_too_few_parts', 'A bundle has at least two components', { minimum: 2 });
  const seen = new Set<string>();
  components.forEach((c, i) => {
    const path = `bundle.components.${i}.sku`;
    if (!c.sku) refuse(path, 'unknown_product', `No product ${c.code}`, { sku: c.code });
    else if (!COMPONENT_MODES.has(c.sku.fulfilment_mode)) refuse(path, 'bundle_in_bundle', 'A bundle cannot contain a bundle');
    else if (c.sku.currency.trim() !== bundle.currency.trim())
      refuse(path, 'other_currency', `Priced in ${c.sku.currency.trim()}, not ${bundle.currency.trim()}`, { currency: c.sku.currency.trim(), expected: bundle.currency.trim() });
    if (seen.has(c.code)) refuse(path, 'part_repeated', 'Listed twice: put the total in quantity');
    seen.add(c.code);
  });
  const split = components.reduce((sum, c) => sum + c.quantity * c.priceShare, 0);
  if (split !== bundle.price) {
    // As the form shows money (major units), so the person can compare it with what they typed.
    const money = (minor: number) => majorUnits(minor, bundle.currency) ?? minor;
    refuse('bundle.components', 'shares_mismatch', `The shares add up to ${split}, not the price ${bundle.price}`, {
      sum: money(split),
      price: money(bundle.price),
      currency: bundle.currency.trim(),
    });
  }
  return fields;
}

/** An order line of a bundle, as lines of its components (quantities multiplied, the account given to those that take one). */
export function expandBundleLine<Item extends { sku: string; quantity: number; account?: string }>(
  item: Item,
  bundle: SkuRow,
  components: ComponentLine[],
  takesAccount: (sku: SkuRow) => boolean,
): { item: Item; sku: SkuRow; unitPrice: number; bundle: BundleMark }[] {
  if (components.length === 0) throw invalidInput('sku_unavailable', `SKU ${bundle.code} is not on sale`, { sku: bundle.code });
  const mark: BundleMark = { skuId: bundle.id, code: bundle.code, name: bundle.name, quantity: item.quantity, policy: bundle.bundle_policy ?? 'undo' };
  return components.map((c) => ({
    item: { ...item, sku: c.sku.code, quantity: item.quantity * c.quantity, account: takesAccount(c.sku) ? item.account : undefined },
    sku: c.sku,
    unitPrice: c.priceShare,
    bundle: mark,
  }));
}
