import { reconciliationScheduleId, ensureReconciliationSchedule } from '../reconciliation/schedule';
import { startTestSystem, type TestSystem } from './harness';
import { ledgerSum, unbalancedEntries } from './ledger-helpers';
import { addSupplier, card, route, topup, type TestSupplier } from './supplier-helpers';

// Supplier statements and three-way reconciliation (issue 14, docs/MONEY.md "Reconciliation"),
// through the real admin API, worker and Temporal, and the supplier simulator over real HTTP: its
// statement (GET /v1/statement) fetched through the adapter, with each kind of difference planted
// by its statement_difference fault; a statement imported as CSV; the daily Temporal Schedule.

jest.setTimeout(120_000);

let sys: TestSystem;
let shop: TestSupplier;
let n = 0;

// The period spans yesterday to tomorrow (UTC), so a run near midnight still covers today's purchases.
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const period = { from: day(-1), to: day(1) };

const admin = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  sys.api(method, path, { key: sys.merchant.adminToken, ...(typeof body === 'string' ? { raw: body, headers } : { body }) });
const merchantId = () => sys.merchant.merchantId;

async function order(items: { sku: string; quantity: number; account?: string }[]) {
  const res = await sys.api('POST', '/v1/orders', { body: { externalRef: `recon-${++n}`, items } });
  expect(res.status).toBe(202);
  await sys.finished(res.body.id);
  return (await admin('GET', `/admin/orders/${res.body.id}`)).body;
}

const referenceOf = async (orderId: string) => (await sys.db('supplier_purchases').where({ order_id: orderId }).orderBy('attempt', 'desc').first('reference'))!.reference;
const reconcileNow = (extra: Record<string, unknown> = {}) => admin('POST', '/admin/reconciliation/runs', { supplierId: shop.id, ...period, ...extra });
const openDifferences = async () => (await admin('GET', `/admin/reconciliation/differences?status=open&supplierId=${shop.id}`)).body.differences;
const openAlert = () => sys.db('alerts').where({ merchant_id: merchantId(), kind: 'supplier_statement_differences', subject_id: shop.id }).whereNull('resolved_at').first();

const cards: { orderId: string; externalRef: string; reference: string }[] = [];
let failedTopUp: string;

beforeAll(async () => {
  sys = await startTestSystem();
  shop = await addSupplier(sys, 'ReconShop', [card('R-CARD', 450), topup('R-TOPUP', 90, { async: true, asyncDelayMs: 50 })]);
  await sys.addSku('R-SUP', { mode: 'supplier', currency: 'USD', price: 600 });
  await route(sys, 'R-SUP', [{ supplier: shop, product: 'R-CARD', maxUnitCost: 500 }]);
  await sys.addSku('R-TOP', { mode: 'topup', currency: 'USD', price: 99 });
  await route(sys, 'R-TOP', [{ supplier: shop, product: 'R-TOPUP', maxUnitCost: 95 }]);
  for (let i = 0; i < 4; i++) {
    const o = await order([{ sku: 'R-SUP', quantity: 1 }]);
    expect(o.status).toBe('delivered');
    cards.push({ orderId: o.id, externalRef: o.externalRef, reference: await referenceOf(o.id) });
  }
  // A top-up the game rejects: the supplier charges, then refunds; the books hold both.
  const rejected = await order([{ sku: 'R-TOP', quantity: 1, account: 'player-fail-1' }]);
  expect(rejected.status).toBe('failed');
  failedTopUp = await referenceOf(rejected.id);
});

afterAll(async () => {
  await sys?.stop();
  await shop?.stop();
});

afterEach(async () => {
  expect(await unbalancedEntries(sys.db)).toEqual([]);
});

test('when the supplier statement agrees with the books, then a run on demand finds no difference, though it compared every purchase and line', async () => {
  const res = await reconcileNow();
  expect(res.status).toBe(201);
  // Positive control: both sides were there to compare (4 cards and a top-up; 5 charges and a refund).
  expect(res.body).toMatchObject({ purchases: 5, statementLines: 6, differences: 0, byKind: {} });
  expect(await openDifferences()).toEqual([]);
  expect(await openAlert()).toBeUndefined();
  const run = await sys.db('reconciliation_runs').where({ id: res.body.runId }).first();
  expect(run).toMatchObject({ trigger: 'on_demand', supplier_id: shop.id, differences: 0 });
  expect(await sys.db('supplier_statements').where({ id: run!.statement_id }).first('source')).toEqual({ source: 'adapter' });
});

test("when Cardflow's own statement is asked for, then it lists every purchase by reference with what the books say it cost, as JSON, CSV and XLSX", async () => {
  const res = await admin('GET', `/admin/suppliers/${shop.id}/statement?from=${period.from}&to=${period.to}`);
  expect(res.status).toBe(200);
  expect(res.body.totals).toEqual({ purchases: 5, charged: 4 * 450 + 90, refunded: 90, net: 4 * 450 });
  const first = res.body.lines.find((l: { reference: string }) => l.reference === cards[0].reference);
  expect(first).toMatchObject({ status: 'succeeded', charged: 450, refunded: null, externalRef: cards[0].externalRef, delivered: true, sku: 'R-SUP' });
  const filter = encodeURIComponent(JSON.stringify({ supplierId: shop.id, ...period }));
  const csv = await admin('GET', `/admin/exports/supplier-statement?format=csv&filter=${filter}`);
  expect(csv.status).toBe(200);
  const text = typeof csv.body === 'string' ? csv.body : JSON.stringify(csv.body);
  for (const c of cards) expect(text).toContain(`${c.reference},`);
  expect(text).toContain(',4.50,');
  const xlsx = await admin('GET', `/admin/exports/supplier-statement?format=xlsx&filter=${filter}`);
  expect(xlsx.status).toBe(200);
  expect(xlsx.headers.get('content-type')).toContain('spreadsheetml');
  expect(
    (await admin('GET', `/admin/exports/supplier-statement?format=csv&filter=${encodeURIComponent(JSON.stringify({ supplierId: shop.id, from: period.to, to: period.from }))}`))
      .status,
  ).toBe(400);
});

test('when the simulator plants one of each kind of difference in its statement, then a run finds each one, by kind and reference, with its evidence, and raises one alert', async () => {
  const [a, b, c] = cards;
  await shop.fault({ kind: 'statement_difference', difference: 'charged_not_delivered', reference: 'GHOST-0001', amount: 450 } as never);
  await shop.fault({ kind: 'statement_difference', difference: 'delivered_not_charged', reference: a.reference } as never);
  await shop.fault({ kind: 'statement_difference', difference: 'price_differs', reference: b.reference, amount: 25 } as never);
  await shop.fault({ kind: 'statement_difference', difference: 'charged_twice', reference: c.reference } as never);
  await shop.fault({ kind: 'statement_difference', difference: 'refund_missing', reference: failedTopUp } as never);

  const res = await reconcileNow();
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({
    differences: 5,
    byKind: { charged_not_delivered: 1, delivered_not_charged: 1, price_differs: 1, charged_twice: 1, refund_missing: 1 },
  });
  const found = await openDifferences();
  const byKind = Object.fromEntries(found.map((d: { kind: string }) => [d.kind, d]));
  expect(byKind.charged_not_delivered).toMatchObject({ reference: 'GHOST-0001', ours: 0, theirs: 450, orderId: null, evidence: { purchase: null, order: null } });
  expect(byKind.delivered_not_charged).toMatchObject({
    reference: a.reference,
    ours: 450,
    theirs: 0,
    orderId: a.orderId,
    evidence: { statement: [], purchase: { status: 'succeeded', charged: 450 }, order: { externalRef: a.externalRef, delivered: true } },
  });
  expect(byKind.price_differs).toMatchObject({ reference: b.reference, ours: 450, theirs: 475 });
  expect(byKind.charged_twice).toMatchObject({ reference: c.reference, ours: 450, theirs: 900 });
  expect(byKind.charged_twice.evidence.statement).toHaveLength(2);
  expect(byKind.refund_missing).toMatchObject({ reference: failedTopUp, ours: 0, theirs: 90, evidence: { purchase: { status: 'failed', charged: 90, refunded: 90 } } });
  // The untouched fourth card is no difference (the check is per reference, not a total).
  expect(found.map((d: { reference: string }) => d.reference)).not.toContain(cards[3].reference);
  expect(await openAlert()).toMatchObject({ detail: { open: 5 } });

  // The daily run seeing the same again does not copy them.
  expect((await reconcileNow()).body.differences).toBe(5);
  expect(await sys.db('reconciliation_differences').where({ supplier_id: shop.id }).count('* as n').first()).toEqual({ n: 5 });
});

test('when a difference is resolved with a reason, then it is audited, an adjustment posts balanced entries through the ledger, and bad or repeated resolutions change nothing', async () => {
  const found = await openDifferences();
  const byKind = Object.fromEntries(found.map((d: { kind: string; id: string }) => [d.kind, d]));
  const resolve = (kind: string, body: unknown) => admin('POST', `/admin/reconciliation/differences/${byKind[kind].id}/resolve`, body);
  const audits = () => sys.db('audit_log').where({ merchant_id: merchantId(), action: 'reconciliation.difference_resolved' }).orderBy('id');

  // Bad input: 4xx, and nothing changes.
  expect((await resolve('price_differs', { reason: '' })).status).toBe(400);
  expect((await resolve('price_differs', { reason: 'ok', adjust: 'yes' })).status).toBe(400);
  expect((await admin('POST', `/admin/reconciliation/differences/${crypto.randomUUID()}/resolve`, { reason: 'no such', adjust: false })).status).toBe(404);
  // A prepaid supplier that took less than booked: its next balance report corrects the books, so no adjustment.
  const refused = await resolve('delivered_not_charged', { reason: 'statement is late', adjust: true });
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('adjustment_not_needed');
  expect(await audits()).toHaveLength(0);
  expect(await sys.db('ledger_entries').where({ kind: 'reconciliation_adjustment' }).count('* as n').first()).toEqual({ n: 0 });
  expect((await openDifferences()).length).toBe(5);

  // Overcharged by 25 on a prepaid supplier: claimed back from it, taken from the balance adjustments.
  const claimsBefore = await ledgerSum(sys.db, merchantId(), 'supplier_claims', { ownerId: shop.id });
  const adjusted = await resolve('price_differs', { reason: 'supplier raised the price without notice; claimed back', adjust: true });
  expect(adjusted.status).toBe(200);
  expect(adjusted.body.adjustmentKey).toBe(`reconciliation-adjustment:${byKind.price_differs.id}`);
  expect((await ledgerSum(sys.db, merchantId(), 'supplier_claims', { ownerId: shop.id })) - claimsBefore).toBe(25);
  expect(await ledgerSum(sys.db, merchantId(), 'supplier_balance_adjustments', { entryKind: 'reconciliation_adjustment' })).toBe(-25);

  // The same supplier on credit terms: charged twice, so the payable grows and the claim with it.
  expect((await admin('PUT', `/admin/suppliers/${shop.id}/terms`, { terms: 'credit', creditDays: 30, statementPeriod: 'month' })).status).toBe(200);
  const payableBefore = await ledgerSum(sys.db, merchantId(), 'supplier_payable', { ownerId: shop.id });
  expect((await resolve('charged_twice', { reason: 'duplicate charge; asked for a refund', adjust: true })).status).toBe(200);
  expect((await ledgerSum(sys.db, merchantId(), 'supplier_payable', { ownerId: shop.id })) - payableBefore).toBe(-450);
  expect((await ledgerSum(sys.db, merchantId(), 'supplier_claims', { ownerId: shop.id })) - claimsBefore).toBe(475);

  // Resolved without an adjustment: the books stand.
  expect((await resolve('delivered_not_charged', { reason: 'charged on the next statement', adjust: false })).body).toMatchObject({ status: 'resolved', adjustmentKey: null });
  const again = await resolve('delivered_not_charged', { reason: 'again', adjust: false });
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe('difference_already_resolved');

  const rows = await audits();
  expect(rows.map((r) => [r.actor, r.target, ...['kind', 'reason', 'adjustmentKey'].map((k) => (r.detail as Record<string, unknown>)[k])])).toEqual([
    [expect.stringMatching(/^user:/), `supplier:${shop.id}`, 'price_differs', 'supplier raised the price without notice; claimed back', adjusted.body.adjustmentKey],
    [expect.stringMatching(/^user:/), `supplier:${shop.id}`, 'charged_twice', 'duplicate charge; asked for a refund', `reconciliation-adjustment:${byKind.charged_twice.id}`],
    [expect.stringMatching(/^user:/), `supplier:${shop.id}`, 'delivered_not_charged', 'charged on the next statement', null],
  ]);
  expect(await openAlert()).toMatchObject({ detail: { open: 2 } });
  for (const kind of ['charged_not_delivered', 'refund_missing']) expect((await resolve(kind, { reason: 'taken up with the supplier', adjust: false })).status).toBe(200);
  expect(await openAlert()).toBeUndefined();
  await admin('PUT', `/admin/suppliers/${shop.id}/terms`, { terms: 'prepaid' });
  await shop.clearFaults();
});

test("when the supplier's statement is imported as CSV, then bad lines are refused with their line numbers and nothing is kept, and a matching one reconciles clean", async () => {
  const statementsBefore = await sys.db('supplier_statements').count('* as n').first();
  const importCsv = (csv: string, p = period) => admin('POST', `/admin/suppliers/${shop.id}/statements?from=${p.from}&to=${p.to}`, csv, { 'content-type': 'text/csv' });
  const now = new Date().toISOString();
  const bad = await importCsv(
    `reference,kind,amount,at\n${cards[0].reference},charge,4.5.0,${now}\n${cards[1].reference},fee,4.50,${now}\n${cards[2].reference},charge,4.50,1999-01-01\n`,
  );
  expect(bad.status).toBe(400);
  expect(bad.body.error.code).toBe('validation_failed');
  expect(bad.body.error.details.fields.map((f: { path: string }) => f.path)).toEqual(['line 2.amount', 'line 3.kind', 'line 4.at']);
  expect((await importCsv('reference;kind\nx;y\n')).status).toBe(400);
  expect((await admin('POST', `/admin/suppliers/${shop.id}/statements?from=${period.from}&to=${period.to}`, { not: 'csv' })).status).toBe(400);
  expect(await sys.db('supplier_statements').count('* as n').first()).toEqual(statementsBefore);

  // The statement as the supplier would send it: every charge and refund, in major units.
  const ours = (await admin('GET', `/admin/suppliers/${shop.id}/statement?from=${period.from}&to=${period.to}`)).body.lines as {
    reference: string;
    charged: number;
    refunded: number | null;
    createdAt: string;
  }[];
  const lines = ours.flatMap((p) => [
    `${p.reference},charge,${(p.charged / 100).toFixed(2)},${p.createdAt}`,
    ...(p.refunded ? [`${p.reference},refund,${(p.refunded / 100).toFixed(2)},${p.createdAt}`] : []),
  ]);
  const good = await importCsv(`\uFEFFreference,kind,amount,at\r\n${lines.join('\r\n')}\r\n`);
  expect(good.status).toBe(201);
  expect(good.body.lines).toBe(6);
  const run = await reconcileNow({ statementId: good.body.id });
  expect(run.status).toBe(201);
  expect(run.body).toMatchObject({ statementId: good.body.id, purchases: 5, statementLines: 6, differences: 0 });
  // ...and the same statement with a line missing is found out (the check can fail).
  const short = await importCsv(`reference,kind,amount,at\n${lines.slice(1).join('\n')}\n`);
  expect((await reconcileNow({ statementId: short.body.id })).body.differences).toBe(1);
  expect(await sys.db('audit_log').where({ action: 'supplier.statement_imported' }).count('* as n').first()).toEqual({ n: 2 });
});

test('when a run is asked for without a statement to use, then it is refused before anything starts', async () => {
  const manual = await admin('POST', '/admin/suppliers', { name: 'Paper supplier', kind: 'manual', currency: 'USD' });
  expect(manual.status).toBe(201);
  const res = await admin('POST', '/admin/reconciliation/runs', { supplierId: manual.body.id, ...period });
  expect(res.status).toBe(409);
  expect(res.body.error.code).toBe('no_supplier_statement');
  expect((await admin('POST', '/admin/reconciliation/runs', { supplierId: shop.id, from: period.to, to: period.from })).status).toBe(400);
  expect(await sys.db('reconciliation_runs').where({ supplier_id: manual.body.id }).count('* as n').first()).toEqual({ n: 0 });
});

test('when a worker ensures the daily reconciliation schedule, then it exists once, daily, and a triggered run reconciles the suppliers that offer statements', async () => {
  const scheduleId = await ensureReconciliationSchedule(sys.client, { taskQueue: sys.taskQueue });
  expect(scheduleId).toBe(reconciliationScheduleId(sys.taskQueue));
  const handle = sys.client.schedule.getHandle(scheduleId);
  try {
    await ensureReconciliationSchedule(sys.client, { taskQueue: sys.taskQueue, hourUtc: 2 });
    const described = await handle.describe();
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'reconcileSuppliers', taskQueue: sys.taskQueue });
    expect(described.spec.calendars).toEqual([expect.objectContaining({ hour: [{ start: 2, end: 2, step: 1 }] })]);
    const scheduled = async () => Number((await sys.db('reconciliation_runs').where({ supplier_id: shop.id, trigger: 'schedule' }).count<{ n: number }[]>('* as n'))[0].n);
    expect(await scheduled()).toBe(0);
    await handle.trigger();
    const deadline = Date.now() + 60_000;
    while ((await scheduled()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await scheduled()).toBe(1);
    expect(await sys.db('reconciliation_runs').where({ supplier_id: shop.id, trigger: 'schedule' }).first('started_by')).toEqual({ started_by: 'system:reconciliation' });
  } finally {
    await handle.delete();
  }
});
