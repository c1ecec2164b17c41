import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../db';
import type { Checkout } from './load';
import type { Shop } from './shop';
import type { WebhookReceiver } from './webhook-receiver';

// What must hold after a flash sale, whatever crashed in the middle of it (docs/ARCHITECTURE.md's
// invariants, checked from the outside): nothing oversold, nothing delivered twice, nothing
// lost, every accepted order finished, every supplier purchase charged once.

export interface InvariantResult {
  name: string;
  ok: boolean;
  detail: string;
}

const TERMINAL = ['delivered', 'failed', 'cancelled', 'refunded'];

/** Polls until every order of the sale is terminal and its workflow closed, or time runs out. */
export async function waitUntilDrained(
  db: Db,
  storefrontId: string,
  opts: { temporalAddress: string; taskQueue: string; timeoutMs: number; webhooks?: { receiver: WebhookReceiver } },
): Promise<{ drained: boolean; lastTerminalAt?: Date }> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const [open] = await db('orders').where({ storefront_id: storefrontId }).whereNotIn('status', TERMINAL).count<{ count: number }[]>('* as count');
    if (Number(open.count) === 0) {
      // Terminal in Postgres; the workflow may still be settling, and the outbox still telling the storefront.
      const running = await openWorkflows(opts.temporalAddress, opts.taskQueue).catch(() => -1);
      const owed = (await hasTable(db, 'webhook_outbox'))
        ? await db('webhook_outbox as w')
            .join('orders as o', 'o.id', 'w.order_id')
            .where({ 'o.storefront_id': storefrontId, 'w.status': 'pending' })
            .count<{ count: number }[]>('* as count')
            .then(([c]) => Number(c.count))
        : 0;
      if (running === 0 && owed === 0) {
        const [last] = await db('orders').where({ storefront_id: storefrontId }).max<{ max: Date }[]>('updated_at as max');
        return { drained: true, lastTerminalAt: last.max };
      }
    }
    if (Date.now() > deadline) return { drained: false };
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** compare.sh also runs this bench on trees from before the webhook outbox and the ledger existed. */
async function hasTable(db: Db, table: string): Promise<boolean> {
  const { rows } = await db.raw('SELECT to_regclass(?) AS t', [table]);
  return rows[0].t !== null;
}

export async function openWorkflows(address: string, taskQueue: string): Promise<number> {
  const connection = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    const client = new Client({ connection });
    const { count } = await client.workflow.count(`TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running" AND WorkflowType = "fulfilOrder"`);
    return count;
  } finally {
    await connection.close();
  }
}

export async function checkInvariants(
  db: Db,
  shop: Shop,
  checkouts: Checkout[],
  opts: { temporalAddress: string; taskQueue: string; receiver: WebhookReceiver },
): Promise<InvariantResult[]> {
  const results: InvariantResult[] = [];
  const check = (name: string, ok: boolean, detail: string) => results.push({ name, ok, detail });
  const storefrontId = shop.merchant.storefrontId;

  const orders: { id: string; external_ref: string; status: string }[] = await db('orders').where({ storefront_id: storefrontId }).select('id', 'external_ref', 'status');
  const byRef = new Map(orders.map((o) => [o.external_ref, o]));
  const acceptedAnswers = checkouts.filter((c) => c.status === 202 || c.status === 200);
  const soldOut = checkouts.filter((c) => c.status === 409 && c.error === 'sold_out');
  const otherAnswers = checkouts.filter((c) => !acceptedAnswers.includes(c) && !soldOut.includes(c));

  // Nothing lost: every order the storefront was told was accepted exists, under that id.
  const lost = acceptedAnswers.filter((c) => byRef.get(c.ref)?.id !== c.orderId);
  check('nothing lost', lost.length === 0, `${acceptedAnswers.length} accepted answers, ${lost.length} without their order`);
  // Nothing accepted behind the storefront's back: every order row was answered as accepted.
  const answered = new Set(acceptedAnswers.map((c) => c.ref));
  const phantom = orders.filter((o) => !answered.has(o.external_ref));
  check('no unanswered orders', phantom.length === 0, `${orders.length} orders in Postgres, ${phantom.length} the storefront was not told of`);
  check(
    'every checkout answered',
    otherAnswers.length === 0,
    otherAnswers.length === 0
      ? `${checkouts.length} answered accepted or sold out`
      : `${otherAnswers.length} other answers, e.g. ${otherAnswers[0].status} ${otherAnswers[0].error}`,
  );

  const open = orders.filter((o) => !TERMINAL.includes(o.status));
  const running = await openWorkflows(opts.temporalAddress, opts.taskQueue).catch(() => -1);
  check('every accepted order terminal', open.length === 0 && running === 0, `${open.length} orders not terminal, ${running} workflows still running`);

  // Oversell: stock units delivered never exceed the codes imported; the counter never goes negative
  // and still matches what is really left.
  const {
    rows: [stock],
  } = await db.raw(
    `SELECT s.stock_available,
            (SELECT count(*) FROM codes c WHERE c.sku_id = s.id AND c.source = 'import' AND c.status = 'available') AS codes_left,
            (SELECT count(*) FROM codes c WHERE c.sku_id = s.id AND c.source = 'import' AND c.status = 'allocated') AS codes_sold,
            (SELECT coalesce(sum(r.quantity), 0) FROM reservations r WHERE r.sku_id = s.id AND r.status = 'held') AS held
       FROM skus s WHERE s.id = ?`,
    [shop.skuId],
  );
  const sold = Number(stock.codes_sold);
  check(
    'no oversell',
    sold <= shop.codes && stock.stock_available >= 0 && stock.stock_available === Number(stock.codes_left) - Number(stock.held),
    `${sold} of ${shop.codes} codes sold from stock; counter ${stock.stock_available}, ${stock.codes_left} codes left, ${stock.held} held`,
  );

  // Duplicates: one code per delivered unit, no code in two deliveries, no unit delivered twice.
  const {
    rows: [dup],
  } = await db.raw(
    `SELECT (SELECT count(*) FROM (SELECT code_id FROM deliveries d JOIN orders o ON o.id = d.order_id
                                     WHERE o.storefront_id = ? AND d.code_id IS NOT NULL GROUP BY code_id HAVING count(*) > 1) x) AS codes_twice,
            (SELECT count(*) FROM (SELECT unit_id FROM deliveries d JOIN orders o ON o.id = d.order_id
                                     WHERE o.storefront_id = ? GROUP BY unit_id HAVING count(*) > 1) x) AS units_twice,
            (SELECT count(*) FROM order_units u JOIN orders o ON o.id = u.order_id
              WHERE o.storefront_id = ? AND o.status = 'delivered'
                AND (SELECT count(*) FROM deliveries d WHERE d.unit_id = u.id) <> 1) AS units_not_once,
            (SELECT count(*) FROM (SELECT fingerprint FROM codes WHERE sku_id = ? AND unit_id IS NOT NULL GROUP BY fingerprint HAVING count(*) > 1) x) AS same_code_twice`,
    [storefrontId, storefrontId, storefrontId, shop.skuId],
  );
  const dups = Number(dup.codes_twice) + Number(dup.units_twice) + Number(dup.units_not_once) + Number(dup.same_code_twice);
  check(
    'no duplicate delivery',
    dups === 0,
    `codes in two deliveries ${dup.codes_twice}, units delivered twice ${dup.units_twice}, delivered units without exactly one delivery ${dup.units_not_once}, one code value on two units ${dup.same_code_twice}`,
  );

  const delivered = orders.filter((o) => o.status === 'delivered');
  // With more buyers than codes and nothing cancelled, every code must be sold: none stranded.
  if (!shop.supplier && checkouts.length >= shop.codes && orders.every((o) => o.status !== 'cancelled' && o.status !== 'failed')) {
    check('every code sold', sold === shop.codes, `${sold} of ${shop.codes} codes sold`);
  }

  if (shop.supplier) {
    const ledger = (await shop.supplier.control('GET', '/charges')) as { charges: Record<string, number>; total: number };
    const twice = Object.entries(ledger.charges).filter(([, n]) => n > 1);
    const {
      rows: [p],
    } = await db.raw(
      `SELECT count(*) FILTER (WHERE sp.status = 'succeeded') AS succeeded,
              count(*) FILTER (WHERE sp.status IN ('pending', 'processing')) AS in_doubt
         FROM supplier_purchases sp JOIN orders o ON o.id = sp.order_id WHERE o.storefront_id = ?`,
      [storefrontId],
    );
    const charged = Object.keys(ledger.charges).length;
    check(
      'each supplier purchase charged once',
      twice.length === 0 && charged === Number(p.succeeded) && Number(p.in_doubt) === 0,
      `${charged} references charged, ${twice.length} charged twice; ${p.succeeded} purchases succeeded in Cardflow, ${p.in_doubt} still in doubt`,
    );
  }

  // Webhooks: every delivered order's storefront was told, once per message id (repeats are
  // the same message; the storefront drops them by webhook-id).
  if (await hasTable(db, 'ledger_entries')) results.push(await checkLedger(db, storefrontId));
  const told = opts.receiver.deliveredOrderIds();
  const untold = delivered.filter((o) => !told.has(o.id));
  check('every delivery notified', untold.length === 0, `${delivered.length} delivered, ${untold.length} not notified, ${opts.receiver.repeats()} repeated webhook(s)`);
  return results;
}

/**
 * The books (docs/MONEY.md): every delivered unit has exactly one sale and one cost entry, every
 * supplier charge one charge entry, the cost posted equals the settlements', and every entry
 * balances; a crash and its retries posted nothing twice.
 */
async function checkLedger(db: Db, storefrontId: string): Promise<InvariantResult> {
  const {
    rows: [l],
  } = await db.raw(
    `WITH units AS (SELECT u.id FROM order_units u JOIN orders o ON o.id = u.order_id WHERE o.storefront_id = ? AND o.status = 'delivered'),
          per_unit AS (SELECT units.id, count(e.id) FILTER (WHERE e.kind = 'cost') AS costs, count(e.id) FILTER (WHERE e.kind = 'sale') AS sales
                         FROM units LEFT JOIN ledger_entries e ON e.unit_id = units.id GROUP BY units.id)
     SELECT (SELECT count(*) FROM per_unit) AS units,
            (SELECT count(*) FROM per_unit WHERE costs <> 1 OR sales <> 1) AS not_once,
            (SELECT count(*) FROM supplier_purchases sp JOIN orders o ON o.id = sp.order_id
              WHERE o.storefront_id = ? AND sp.status = 'succeeded'
                AND (SELECT count(*) FROM ledger_entries e WHERE e.key = 'supplier-charge:' || sp.id) <> 1) AS charges_not_once,
            (SELECT coalesce(sum(s.cost), 0) FROM settlements s JOIN orders o ON o.id = s.order_id WHERE o.storefront_id = ?) AS settled_cost,
            (SELECT coalesce(sum(li.amount), 0) FROM ledger_lines li JOIN ledger_entries e ON e.id = li.entry_id JOIN ledger_accounts a ON a.id = li.account_id
              WHERE e.storefront_id = ? AND e.kind = 'cost' AND a.kind = 'cost_of_goods') AS posted_cost,
            (SELECT count(*) FROM (SELECT li.entry_id FROM ledger_lines li JOIN ledger_entries e ON e.id = li.entry_id
              WHERE e.storefront_id = ? GROUP BY li.entry_id, li.currency HAVING sum(li.amount) <> 0) x) AS unbalanced`,
    [storefrontId, storefrontId, storefrontId, storefrontId, storefrontId],
  );
  const ok = Number(l.not_once) === 0 && Number(l.charges_not_once) === 0 && Number(l.settled_cost) === Number(l.posted_cost) && Number(l.unbalanced) === 0;
  return {
    name: 'ledger: one cost entry per delivered unit, nothing posted twice',
    ok,
    detail: `${l.units} delivered units, ${l.not_once} without exactly one sale and one cost entry; ${l.charges_not_once} supplier charges not posted exactly once; cost posted ${l.posted_cost}, settled ${l.settled_cost}; ${l.unbalanced} unbalanced entries`,
  };
}
