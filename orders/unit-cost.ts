// What one unit's goods cost us, defined once: settlement, the dashboard and refunds (the loss
// of goods written off) all use this expression.
//   - an imported code: its batch's unit cost;
//   - a code bought from a supplier or entered by hand: the cost recorded on the code;
//   - a top-up (by a supplier or by hand): the cost on its receipt;
//   - nothing recorded: 0.

/** SQL for the cost of the unit row aliased `unit` (an order_units row). */
export function unitCostSql(unit = 'u'): string {
  return `COALESCE(
    (SELECT COALESCE(uc_c.unit_cost, uc_b.unit_cost) FROM codes uc_c LEFT JOIN stock_batches uc_b ON uc_b.id = uc_c.batch_id WHERE uc_c.unit_id = ${unit}.id),
    (${unit}.receipt->>'unitCost')::bigint,
    0)`;
}
