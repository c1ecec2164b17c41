import type { SkuRow } from '../db/tables';
import { invalidInput } from '../lib/errors';

// Custom face value (面值自定义): a top-up or voucher SKU that sells any amount in a range, on a
// step, priced and costed by rule. The rule lives here only: acceptance prices the line with it,
// the admin API shows it, purchasing asks the supplier for the amount at no more than its cost.
//
//   price = amount × price rate   (e.g. 9,700 bp: 3% off the face value for the buyer)
//   cost  = amount × cost rate    (e.g. 9,500 bp: the supplier's 5% discount)
//
// Rates are basis points, so money stays integer: amount × rate is at most 1e12 × 1e5, far below
// 2^53, and the division rounds half up to a whole minor unit.

type CustomAmountSku = Pick<SkuRow, 'code' | 'custom_amount_min' | 'custom_amount_max' | 'custom_amount_step' | 'price_rate_bp' | 'cost_rate_bp'>;

export interface CustomAmountRule {
  min: number;
  max: number;
  step: number;
  priceRateBp: number;
  costRateBp: number;
}

/** The SKU's rule, or undefined when it sells one fixed face value. */
export function customAmountRule(sku: CustomAmountSku): CustomAmountRule | undefined {
  if (sku.custom_amount_min == null || sku.custom_amount_max == null || sku.custom_amount_step == null) return undefined;
  return { min: sku.custom_amount_min, max: sku.custom_amount_max, step: sku.custom_amount_step, priceRateBp: sku.price_rate_bp ?? 0, costRateBp: sku.cost_rate_bp ?? 0 };
}

const ofAmount = (amount: number, rateBp: number) => Math.floor((amount * rateBp + 5_000) / 10_000);

/**
 * The price and cost of one unit of `amount`, or a 400 that says what is wrong with the amount:
 * outside the range (`amount_out_of_range`), off the step (`amount_not_on_step`, counted from the
 * minimum), missing on a custom SKU or given for a fixed one.
 */
export function priceCustomAmount(sku: CustomAmountSku, amount: number | undefined): { faceValue: number; price: number; cost: number } | undefined {
  const rule = customAmountRule(sku);
  if (!rule) {
    if (amount !== undefined) throw invalidInput('amount_not_applicable', `SKU ${sku.code} has a fixed face value; leave out amount`, { sku: sku.code });
    return undefined;
  }
  if (amount === undefined) throw invalidInput('amount_required', `SKU ${sku.code} needs the amount per unit`, { sku: sku.code, min: rule.min, max: rule.max, step: rule.step });
  if (amount < rule.min || amount > rule.max) {
    throw invalidInput('amount_out_of_range', `The amount for ${sku.code} must be between ${rule.min} and ${rule.max}`, { sku: sku.code, amount, min: rule.min, max: rule.max });
  }
  if ((amount - rule.min) % rule.step !== 0) {
    throw invalidInput('amount_not_on_step', `The amount for ${sku.code} must be ${rule.min} plus a multiple of ${rule.step}`, {
      sku: sku.code,
      amount,
      min: rule.min,
      step: rule.step,
    });
  }
  return { faceValue: amount, price: ofAmount(amount, rule.priceRateBp), cost: ofAmount(amount, rule.costRateBp) };
}
