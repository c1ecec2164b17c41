import crypto from 'node:crypto';
import { setRoutes } from '../suppliers/supplier-config';
import type { TestSystem } from './harness';
import { placeOrder, useRules } from './risk-helpers';
import { addSupplier, card, route, topup, type TestSupplier } from './supplier-helpers';

// Every path an order's workflow can take, as a scenario played through the real API against a
// real worker. `npm run record-histories` (scripts/record-histories.ts) plays each one and keeps
// the workflow's history as a fixture under test/fixtures/histories/; test/replay.test.ts replays
// every fixture against the current workflow code. A new path: add a scenario here and rerun.

export interface ScenarioWorld {
  sys: TestSystem;
  supplier: TestSupplier;
  /** Places an order through the storefront API; answers its id. */
  place(items: { sku: string; quantity: number; account?: string }[]): Promise<string>;
  /** Places an order the risk rules hold for review; answers its id. */
  placeHeld(): Promise<string>;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

export interface HistoryScenario {
  /** The fixture's file name (without .json): stable, so a rerun replaces it. */
  name: string;
  /** The path through the workflow, in the business's words. */
  path: string;
  /** Plays the scenario to its end; answers the order whose workflow runs are recorded. */
  run(world: ScenarioWorld): Promise<string>;
}

/** A step today's code refuses (so the scenario cannot be recorded yet): the recorder says so and goes on. */
export class NotSupportedYet extends Error {}

async function expectOk(what: string, res: { status: number; body: any }) {
  if (res.status >= 300) throw new NotSupportedYet(`${what} answered ${res.status} ${JSON.stringify(res.body?.error ?? res.body)}`);
  return res.body;
}

async function waitFor(what: string, read: () => Promise<unknown>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await read())) {
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const holdAbroad = { name: 'Hold orders paid with a foreign card', kind: 'country_mismatch', params: { between: ['ip', 'card'] }, action: 'review' };

/** The SKUs, supplier and risk rules the scenarios use, on a fresh test system. */
export async function prepareWorld(sys: TestSystem): Promise<ScenarioWorld> {
  const supplier = await addSupplier(sys, 'Replay', [
    card('CARD-5', 450),
    card('CARD-ASYNC', 450, { async: true, asyncDelayMs: 100 }),
    card('LINK-VIP', 500, { redeemUrl: 'https://vip.example.com/redeem' }),
    topup('TOPUP-60', 90),
  ]);
  await sys.addSku('STOCK', { codes: 20, currency: 'USD', price: 600 });
  await sys.addSku('HYBRID', { codes: 1, supplierFallback: true, currency: 'USD', price: 600 });
  await route(sys, 'HYBRID', [{ supplier, product: 'CARD-5', maxUnitCost: 500 }]);
  await sys.addSku('SUP-SYNC', { mode: 'supplier', currency: 'USD', price: 600 });
  await route(sys, 'SUP-SYNC', [{ supplier, product: 'CARD-5', maxUnitCost: 500 }]);
  await sys.addSku('SUP-ASYNC', { mode: 'supplier', currency: 'USD', price: 600 });
  await route(sys, 'SUP-ASYNC', [{ supplier, product: 'CARD-ASYNC', maxUnitCost: 500 }]);
  await sys.addSku('TOPUP', { mode: 'topup', currency: 'USD', price: 99 });
  await route(sys, 'TOPUP', [{ supplier, product: 'TOPUP-60', maxUnitCost: 95 }]);
  await sys.addSku('LINK', { mode: 'link', currency: 'USD', price: 600 });
  await route(sys, 'LINK', [{ supplier, product: 'LINK-VIP', maxUnitCost: 550 }]);
  await sys.addSku('HAND', { mode: 'manual', currency: 'USD', price: 800 });
  await useRules(sys, [holdAbroad]);

  let n = 0;
  const world: ScenarioWorld = {
    sys,
    supplier,
    async place(items) {
      const res = await sys.api('POST', '/v1/orders', { body: { externalRef: `replay-${++n}-${crypto.randomBytes(3).toString('hex')}`, items } });
      if (res.status !== 202) throw new Error(`order refused: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id;
    },
    async placeHeld() {
      const held = await placeOrder(sys, { ipCountry: 'US', cardCountry: 'CN', email: 'buyer@example.com' }, [{ sku: 'STOCK', quantity: 1 }]);
      if (held.status !== 'held') throw new Error(`order ${held.id} is ${held.status}, not held`);
      return held.id;
    },
    admin: (method, path, body) => sys.api(method, path, { key: sys.merchant.adminToken, body }),
  };
  return world;
}

/** A SKU of its own whose only route costs more than its maximum: its orders fail. */
async function failingSku(world: ScenarioWorld, sku: string) {
  await world.sys.addSku(sku, { mode: 'supplier', currency: 'USD', price: 600 });
  await route(world.sys, sku, [{ supplier: world.supplier, product: 'CARD-5', maxUnitCost: 400 }]);
}

async function finished(world: ScenarioWorld, orderId: string) {
  await world.sys.finished(orderId);
  return orderId;
}

export const SCENARIOS: HistoryScenario[] = [
  { name: 'stock', path: 'codes from stock, delivered (webhook queued), settled', run: async (w) => finished(w, await w.place([{ sku: 'STOCK', quantity: 2 }])) },
  { name: 'fallback', path: 'one unit from stock, the rest bought from a supplier', run: async (w) => finished(w, await w.place([{ sku: 'HYBRID', quantity: 2 }])) },
  { name: 'supplier-sync', path: 'bought from a supplier that answers at once', run: async (w) => finished(w, await w.place([{ sku: 'SUP-SYNC', quantity: 2 }])) },
  { name: 'supplier-async', path: 'bought from a supplier that finishes later and calls back', run: async (w) => finished(w, await w.place([{ sku: 'SUP-ASYNC', quantity: 1 }])) },
  { name: 'topup', path: 'a direct top-up of the buyer account', run: async (w) => finished(w, await w.place([{ sku: 'TOPUP', quantity: 1, account: '12345678' }])) },
  { name: 'link', path: 'a redemption link bought from a supplier', run: async (w) => finished(w, await w.place([{ sku: 'LINK', quantity: 1 }])) },
  {
    name: 'manual',
    path: 'waits for staff, who enter the code by hand',
    run: async (w) => {
      const id = await w.place([{ sku: 'HAND', quantity: 1 }]);
      await waitFor('the manual task', () => w.sys.db('manual_tasks').where({ order_id: id, status: 'open' }).first('id'));
      await expectOk(
        'manual fulfilment',
        await w.admin('POST', `/admin/orders/${id}/manual-fulfilment`, { codes: [{ number: `HAND-${crypto.randomBytes(4).toString('hex')}` }], unitCost: 700 }),
      );
      return finished(w, id);
    },
  },
  {
    name: 'held-approved',
    path: 'held by the risk check, approved by a reviewer, delivered',
    run: async (w) => {
      const id = await w.placeHeld();
      await expectOk('approval', await w.admin('POST', `/admin/risk/reviews/${id}/decision`, { decision: 'approve', note: 'known buyer' }));
      return finished(w, id);
    },
  },
  {
    name: 'held-rejected',
    path: 'held by the risk check, rejected by a reviewer, cancelled',
    run: async (w) => {
      const id = await w.placeHeld();
      await expectOk('rejection', await w.admin('POST', `/admin/risk/reviews/${id}/decision`, { decision: 'reject', note: 'stolen card' }));
      return finished(w, id);
    },
  },
  {
    name: 'cancelled',
    path: 'held, then cancelled by the storefront',
    run: async (w) => {
      const id = await w.placeHeld();
      await expectOk('cancel', await w.sys.api('POST', `/v1/orders/${id}/cancel`, { body: { reason: 'buyer changed their mind' } }));
      return finished(w, id);
    },
  },
  {
    name: 'failed',
    path: 'no supplier sells at or under the maximum: failed',
    run: async (w) => {
      await failingSku(w, 'FAILS');
      return finished(w, await w.place([{ sku: 'FAILS', quantity: 1 }]));
    },
  },
  {
    name: 'retried',
    path: 'failed at the supplier, retried by support after the route was fixed, delivered (two runs)',
    run: async (w) => {
      await failingSku(w, 'RETRIED');
      const id = await finished(w, await w.place([{ sku: 'RETRIED', quantity: 1 }]));
      await setRoutes(w.sys.db, w.sys.merchant.merchantId, 'RETRIED', [{ supplierId: w.supplier.id, supplierProduct: 'CARD-5', maxUnitCost: 500 }]);
      await expectOk('retry', await w.admin('POST', `/admin/orders/${id}/retry`));
      return finished(w, id);
    },
  },
  {
    name: 'refunded',
    path: 'delivered from stock, then refunded by support',
    run: async (w) => {
      const id = await finished(w, await w.place([{ sku: 'STOCK', quantity: 1 }]));
      await expectOk('refund', await w.admin('POST', `/admin/orders/${id}/refund`, { reason: 'buyer never received it' }));
      return finished(w, id);
    },
  },
];
