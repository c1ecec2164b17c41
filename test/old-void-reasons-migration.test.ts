import crypto from 'node:crypto';
import * as migration from '../db/migrations/039_coded_void_reasons';
import { found } from './found';
import { startTestSystem, type TestSystem } from './harness';

// Void reasons and bulk-order reasons stored before they were codes (migration 039), written as the
// code of that time wrote them, are rewritten into codes; the admin API then sends the codes. It is
// harmless run twice; down() gives the English back (for the code before it, which showed the
// stored text as it was), and up() again codes it. A person's own void reason is left as written.

jest.setTimeout(180_000);

const hex = () => crypto.randomBytes(4).toString('hex');

// As orders/refund-order.ts, orders/bundle-undo.ts and stock/refingerprint.ts wrote them.
const REFUNDED = 'order refunded';
const BUNDLE_BECAUSE = 'supplier_failed: no supplier could supply OLD-VOID: Acme: out of stock';
const BUNDLE = `bundle undone: ${BUNDLE_BECAUSE}`;
const TWIN = 'the same code as another one (found when fingerprints were re-made)';
// As orders/bulk/fulfil-pages.ts wrote a bulk order's reasons, and suppliers/purchase-unit.ts a unit's failure.
const BULK_REASON = '4 units could not be had';
const BULK_ORDER_REASON = 'bulk_units_failed: 4 of 5 units could not be had';
const UNIT_FAILURES = [
  'no supplier could supply OLD-BULK: Acme: out of stock; Beta: circuit open',
  'the account was rejected by Acme: no such player',
  'SKU OLD-BULK has no active supplier route',
  'something nobody wrote down the shape of',
];

describe('migration 039: void reasons and bulk reasons stored before the codes', () => {
  let sys: TestSystem;
  const ids: Record<'refunded' | 'bundle' | 'twin' | 'typed', string> = { refunded: '', bundle: '', twin: '', typed: '' };
  let bulkId: string;
  let units: string[];
  const admin = async (path: string) => (await sys.api('GET', path, { key: sys.merchant.adminToken })).body;
  const voidReasonOf = async (id: string) => found((await admin(`/admin/codes?filter=${encodeURIComponent(JSON.stringify({ id: [id] }))}`))[0], 'the code');
  /** Everything the migration may change, to compare runs. */
  const stored = async () => ({
    codes: await sys.db('codes').whereIn('id', Object.values(ids)).orderBy('id').select('id', 'void_reason'),
    bulk: await sys.db('bulk_orders').where({ order_id: bulkId }).first('reason'),
    order: await sys.db('orders').where({ id: bulkId }).first('reason'),
    failures: await sys.db('bulk_unit_failures').where({ order_id: bulkId }).orderBy('unit_id').select('unit_id', 'reason'),
  });

  beforeAll(async () => {
    sys = await startTestSystem();
    // Three sold codes, voided by the system then: a refund, an undone bundle, a twin; and one unsold, by a person.
    await sys.addSku('OLD-VOID', { codes: 4 });
    for (const key of ['refunded', 'bundle', 'twin'] as const) {
      const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: `old-void-${hex()}`, items: [{ sku: 'OLD-VOID', quantity: 1 }] } });
      await sys.finished(placed.body.id);
      ids[key] = found(await sys.db('codes as c').join('order_units as u', 'u.id', 'c.unit_id').where('u.order_id', placed.body.id).first('c.id'), 'the code').id;
    }
    const free = found(
      await sys
        .db('codes')
        .whereIn('sku_id', sys.db('skus').where({ code: 'OLD-VOID' }).select('id'))
        .whereNull('unit_id')
        .first('id'),
      'the unsold code',
    );
    ids.typed = free.id;
    const voided = (reason: string) => ({ status: 'voided', voided_at: new Date(), void_reason: reason });
    await sys.db('codes').where({ id: ids.refunded }).update(voided(REFUNDED));
    await sys.db('codes').where({ id: ids.bundle }).update(voided(BUNDLE));
    await sys
      .db('codes')
      .where({ id: ids.twin })
      .update({ ...voided(TWIN), duplicate_of: ids.refunded });
    // A person typed the same words as the system once did, for a code no order had.
    await sys.db('codes').where({ id: ids.typed }).update(voided(REFUNDED));

    // A bulk order of five units, four of which could not be had, as the code before the codes wrote it.
    await sys.addSku('OLD-BULK', { codes: 5 });
    const placed = await sys.api('POST', '/v1/bulk-orders', { body: { externalRef: `old-bulk-${hex()}`, sku: 'OLD-BULK', quantity: 5 } });
    bulkId = placed.body.id;
    await sys.finished(bulkId);
    units = await sys.db('order_units').where({ order_id: bulkId }).orderBy('seq').pluck('id');
    await sys.db('bulk_orders').where({ order_id: bulkId }).update({ status: 'failed', reason: BULK_REASON });
    await sys.db('orders').where({ id: bulkId }).update({ status: 'failed', reason: BULK_ORDER_REASON });
    await sys
      .db('bulk_unit_failures')
      .insert([...UNIT_FAILURES.map((reason, i) => ({ unit_id: units[i], order_id: bulkId, reason })), { unit_id: units[4], order_id: bulkId, reason: 'no_code_left' }]);
  });
  afterAll(async () => {
    await sys?.stop();
  });

  test('when it runs, then the system’s void reasons and the bulk reasons come back as codes; a person’s words stay; run again, it changes nothing', async () => {
    // Positive control: before it runs, the English has no code.
    expect((await voidReasonOf(ids.refunded)).voidReasonCode).toBeNull();
    expect((await admin(`/admin/bulk-orders/${bulkId}`)).reasonCode).toBeNull();

    await migration.up(sys.db);
    expect((await voidReasonOf(ids.refunded)).voidReasonCode).toEqual({ code: 'order_refunded', params: {} });
    expect((await voidReasonOf(ids.bundle)).voidReasonCode).toEqual({
      code: 'bundle_undone',
      params: {},
      orderReason: { code: 'supplier_failed', params: { detail: 'no supplier could supply OLD-VOID: Acme: out of stock' } },
      orderReasonText: BUNDLE_BECAUSE,
    });
    expect((await voidReasonOf(ids.twin)).voidReasonCode).toEqual({ code: 'duplicate_code', params: {} });
    expect(await voidReasonOf(ids.typed)).toMatchObject({ voidReason: REFUNDED, voidReasonCode: null });

    const bulk = await admin(`/admin/bulk-orders/${bulkId}`);
    expect(bulk.reasonCode).toEqual({ code: 'bulk_units_failed', params: { failed: 4, units: 5 } });
    expect((await admin(`/admin/orders/${bulkId}`)).reasonCode).toEqual({ code: 'bulk_units_failed', params: { failed: 4, units: 5 } });
    const outcome = (supplier: string, code: string, message = '') => ({ supplier, code, vendorCode: code, message });
    expect(new Map(bulk.unitFailures.map((f: { reasonCode: unknown; units: number }) => [JSON.stringify(f.reasonCode), f.units]))).toEqual(
      new Map(
        [
          { code: 'supplier_failed', params: {}, outcomes: [outcome('Acme', 'out_of_stock'), outcome('Beta', 'circuit_open')] },
          { code: 'supplier_failed', params: {}, outcomes: [outcome('Acme', 'invalid_account', 'no such player')] },
          { code: 'supplier_no_route', params: { sku: 'OLD-BULK' } },
          { code: 'supplier_failed', params: { detail: UNIT_FAILURES[3] } },
          { code: 'no_code_left', params: {} },
        ].map((c) => [JSON.stringify(c), 1]),
      ),
    );

    const before = await stored();
    await migration.up(sys.db);
    expect(await stored()).toEqual(before);
  });

  test('when it is undone and done again, then the English is back for the older code, and coded again', async () => {
    const coded = await stored();
    await migration.down(sys.db);
    const english = await stored();
    expect(Object.fromEntries(english.codes.map((c) => [c.id, c.void_reason]))).toEqual({
      [ids.refunded]: REFUNDED,
      [ids.bundle]: BUNDLE,
      [ids.twin]: TWIN,
      [ids.typed]: REFUNDED,
    });
    expect(english.bulk).toEqual({ reason: BULK_REASON });
    // The code before this migration already wrote and worded a failed bulk order's coded reason.
    expect(english.order).toEqual(coded.order);
    expect(new Map(english.failures.map((f) => [f.unit_id, f.reason]))).toEqual(
      new Map([
        // What the supplier said comes back as its code where the English once said it in words;
        // the SKU was not kept (the bulk order's own).
        [units[0], 'no supplier could supply -: Acme: out_of_stock; Beta: circuit open'],
        [units[1], UNIT_FAILURES[1]],
        [units[2], UNIT_FAILURES[2]],
        [units[3], UNIT_FAILURES[3]],
        [units[4], 'no_code_left'],
      ]),
    );

    await migration.up(sys.db);
    const again = await stored();
    expect(again.codes).toEqual(coded.codes);
    expect(again.bulk).toEqual(coded.bulk);
    expect((await admin(`/admin/bulk-orders/${bulkId}`)).unitFailures.map((f: { reasonCode: { code: string } }) => f.reasonCode.code).sort()).toEqual([
      'no_code_left',
      'supplier_failed',
      'supplier_failed',
      'supplier_failed',
      'supplier_no_route',
    ]);
  });
});
