// What one unit's goods cost us, defined once: settlement, the dashboard, refunds (the loss of
// goods written off) and the ledger all use these expressions.
//   - an imported code: its batch's unit cost;
//   - a code bought from a supplier or entered by hand: the cost recorded on the code;
//   - a top-up (by a supplier or by hand): the cost on its receipt;
//   - nothing recorded: 0.

/** SQL for the cost of the unit row aliased `unit` (an order_units row). */
export function unitCostSql(unit = 'u'): string {
  return `COALESCE(
    (SELECT ${codeCostSql('uc_c')} FROM codes uc_c WHERE uc_c.unit_id = ${unit}.id),
    (${unit}.receipt->>'unitCost')::bigint,
    0)`;
}

/** SQL for the cost of the code row aliased `code`, whether or not it went to a unit; null: none recorded. */
export function codeCostSql(code = 'c'): string {
  return `COALESCE(${code}.unit_cost, (SELECT cc_b.unit_cost FROM stock_batches cc_b WHERE cc_b.id = ${code}.batch_id))`;
}
