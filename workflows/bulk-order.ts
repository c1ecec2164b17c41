import { continueAsNew, executeChild, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BulkOutcome, PageResult } from '../orders/bulk/fulfil-pages';

// An enterprise bulk order (up to 50,000 units): one parent workflow that fulfils the order in
// pages, each page a child workflow, so every history stays a few hundred events at most
// (a 1,000-unit order in one workflow made 12–15k). Only ids and counts pass through here:
// codes are allocated, bought, delivered and written to the file by activities.
//
// All or none, unless the order allows a partial delivery: once a page reports units it could
// not get, no further page is started, and the order fails with its codes back to stock.

/** Pages fulfilled at once: enough to keep the database busy, not the whole worker. */
const PAGES_AT_ONCE = 4;
// A page whose purchases are in doubt is run again (it asks before it buys), backing off to a minute.
const FIRST_RECHECK_MS = 2_000;
const MAX_RECHECK_MS = 60_000;
// A page still waiting on a supplier continues as a new run well before its history grows long.
const ROLL_OVER_EVENTS = 2_000;

const steps = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 20 },
});
const purchases = proxyActivities<Activities>({
  startToCloseTimeout: '15m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 20 },
});

export interface BulkOrderResult extends BulkOutcome {
  fileRows?: number;
}

export async function fulfilBulkOrder(input: { orderId: string }): Promise<BulkOrderResult> {
  const { orderId } = input;
  const plan = await steps.beginBulkOrder(orderId);
  let next = 1;
  let stopped = false;
  const runPages = async () => {
    while (next <= plan.pages && !stopped) {
      const page = next++;
      const result = await executeChild(fulfilBulkPage, { workflowId: `${orderId}.page-${page}`, args: [{ orderId, page, source: plan.source }] });
      if (result.failed > 0 && !plan.partialAllowed) stopped = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PAGES_AT_ONCE, plan.pages) }, runPages));

  const outcome = await steps.finishBulkOrder(orderId);
  if (outcome.status === 'failed') return outcome;
  await steps.settleOrder(orderId);
  const file = await steps.writeBulkFile(orderId);
  return { ...outcome, fileRows: file.rows };
}

export async function fulfilBulkPage(input: { orderId: string; page: number; source: 'stock' | 'supplier'; recheckMs?: number }): Promise<PageResult> {
  const { orderId, page } = input;
  if (input.source === 'stock') return steps.allocateBulkPage(orderId, page);
  for (let recheckMs = input.recheckMs ?? FIRST_RECHECK_MS; ; recheckMs = Math.min(recheckMs * 2, MAX_RECHECK_MS)) {
    const result = await purchases.buyBulkPage(orderId, page);
    if (result.inDoubt === 0) return result;
    if (workflowInfo().historyLength > ROLL_OVER_EVENTS) return continueAsNew<typeof fulfilBulkPage>({ ...input, recheckMs });
    await sleep(recheckMs);
  }
}
