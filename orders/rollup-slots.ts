// Which slot of a rollup row a change adds to (migration 037). Every order of a merchant adds to
// the same day's rows, and a writer holds its row until it commits; in a flash sale the accepting
// statement, which holds the SKU's stock row (the sale's one serialisation point), would queue
// behind settlements for them. So each rollup row is 16 slots that readers add up, and:
//
//   - an order's acceptance adds to slots 0-7, every later change of it (verdict, settlement,
//     refund, failure, cancellation) to slots 8-15: an order being accepted never waits for one
//     being settled;
//   - within its half, the order's id picks the slot, so concurrent settlements of different
//     orders mostly take different rows.
//
// A change keeps its place in the lock order (orders/daily-rollup.ts): one slot per table and
// transaction, the same for all of that transaction's rows, so slots add no new order to wait in.

/** SQL for the acceptance's slot of the order whose id is the SQL expression `orderId`. */
export const acceptedSlotSql = (orderId: string) => `(hashtext((${orderId})::text) & 7)`;

/** SQL for the slot of any later change of that order. */
export const laterSlotSql = (orderId: string) => `(8 + (hashtext((${orderId})::text) & 7))`;
