import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { CodeVault } from '../../lib/code-vault';
import type { Logger } from '../../lib/logger';
import { OutboundFailure, type OutboundHttp } from '../../lib/outbound-http';
import { keyById } from './keys';
import { dujiaoOrderDetail, dujiaoStatus } from './order-answer';
import { signedHeaders } from './signing';

// Callbacks to a dujiao-next shop (§5): when an order it placed is delivered or canceled, its
// callback_url gets the order's status and goods, signed with the key the order was placed with.
// A sweep notices the change and starts one small workflow per (order, status), which retries the
// send (workflows/dujiao-callback.ts). Kept apart from storefront webhooks on purpose, so it can
// move to their outbox later without touching them.

/** Order statuses a callback is sent for; the shop polls for anything in between (§8.3). */
const TERMINAL = ['delivered', 'cancelled', 'failed', 'refunded'];

/** A callback was refused or could not be sent; the workflow tries again with backoff. */
export class CallbackNotAccepted extends Error {
  name = 'CallbackNotAccepted';
}

/** Sends the order's current status to its callback_url once. Throws when the shop did not take it. */
export async function sendDujiaoCallback(deps: { db: Knex; vault: CodeVault; outbound: OutboundHttp }, dujiaoOrderId: string): Promise<{ status: string }> {
  // The workflow carries the protocol's order number as text (its recorded histories keep that
  // shape); the row's id is a bigint, read as a number.
  const id = Number(dujiaoOrderId);
  const row = Number.isSafeInteger(id) ? await deps.db('dujiao_orders').where({ id }).first() : undefined;
  if (!row?.callback_url) return { status: 'no_callback' };
  const detail = await dujiaoOrderDetail(deps.db, deps.vault, row);
  if (!detail) return { status: 'no_callback' };
  const key = await keyById(deps.db, deps.vault, row.api_key_id);
  const body = JSON.stringify({
    event: 'order.status_changed',
    order_id: detail.order_id,
    order_no: detail.order_no,
    downstream_order_no: row.downstream_order_no ?? '',
    status: detail.status,
    ...(detail.fulfillment ? { fulfillment: detail.fulfillment } : {}),
    timestamp: Math.floor(Date.now() / 1000),
  });
  const path = new URL(row.callback_url).pathname;
  try {
    const answer = await deps.outbound.request(row.callback_url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedHeaders(key.apiKey, key.secret, 'POST', path, body) },
      body,
      timeoutMs: 10_000,
      maxBytes: 64 * 1024,
    });
    // Nothing the shop answered is repeated: only its HTTP status.
    if (answer.status < 200 || answer.status >= 300) {
      await recordCallbackFailure(deps.db, row, 'http_status', answer.status);
      throw new CallbackNotAccepted(`the shop answered HTTP ${answer.status}`);
    }
  } catch (err) {
    if (err instanceof OutboundFailure) {
      await recordCallbackFailure(deps.db, row, err.kind, null);
      throw new CallbackNotAccepted(`the callback could not be sent (${err.kind})`);
    }
    throw err;
  }
  return { status: detail.status };
}

/** Callbacks kept per storefront for the console: the newest, so a long outage does not pile up rows. */
const KEPT_FAILURES = 50;

// The console's "recent callback failures" of a shop: what we could not hand it, by code (the
// HTTP status it answered, or why it could not be reached), never what it answered.
async function recordCallbackFailure(db: Knex, row: { id: number; storefront_id: string }, code: string, httpStatus: number | null) {
  await db('dujiao_callback_failures').insert({ storefront_id: row.storefront_id, dujiao_order_id: row.id, code, http_status: httpStatus });
  await db('dujiao_callback_failures')
    .where({ storefront_id: row.storefront_id })
    .where('id', '<=', db('dujiao_callback_failures').where({ storefront_id: row.storefront_id }).orderBy('id', 'desc').offset(KEPT_FAILURES).limit(1).select('id'))
    .delete();
}

/** Starts a callback workflow for each order placed through the protocol whose status moved on since its last callback. */
export async function startDueDujiaoCallbacks(db: Knex, client: Client, taskQueue: string): Promise<number> {
  const due = await db('dujiao_orders as d')
    .join('orders as o', 'o.id', 'd.order_id')
    .whereNotNull('d.callback_url')
    .where((q) => q.whereNull('d.callback_status').orWhere('d.callback_status', 'delivered'))
    .whereIn('o.status', TERMINAL)
    .orderBy('d.id')
    .limit(200)
    .select('d.id', 'd.callback_status', 'o.status');
  let started = 0;
  for (const d of due) {
    const status = dujiaoStatus(d.status);
    if (status === d.callback_status) continue;
    await client.workflow
      .start('dujiaoCallback', { workflowId: `dujiao-callback-${d.id}-${status}`, taskQueue, args: [{ dujiaoOrderId: String(d.id) }], workflowIdConflictPolicy: 'USE_EXISTING' })
      .catch((err: Error) => {
        if (err.name !== 'WorkflowExecutionAlreadyStartedError') throw err;
      });
    await db('dujiao_orders').where({ id: d.id }).update({ callback_status: status });
    started++;
  }
  return started;
}

/** The worker's sweep; answers a function that stops it. */
export function startDujiaoCallbackSweep(opts: { db: Knex; client: Client; taskQueue: string; log: Logger; intervalMs?: number }): () => void {
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      await startDueDujiaoCallbacks(opts.db, opts.client, opts.taskQueue);
    } catch (err) {
      opts.log.warn({ err: (err as Error).message }, 'could not start dujiao-next callbacks; the next sweep tries again');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(sweep, opts.intervalMs ?? 2000);
  void sweep();
  return () => clearInterval(timer);
}
