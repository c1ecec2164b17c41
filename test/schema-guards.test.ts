import crypto from 'node:crypto';
import { startTestSystem, type TestSystem } from './harness';
import { found } from './found';
import type { PurchaseStatus } from '../suppliers/purchase-results';

// The invariants do not rest on application code alone: the database itself refuses the
// writes that would break them, whatever code (or person with psql) attempts them.

describe('database guards behind the invariants', () => {
  let sys: TestSystem;
  let orderId: string;
  beforeAll(async () => {
    sys = await startTestSystem();
    await sys.addSku('GUARD', { codes: 3 });
    await sys.addSku('GUARD-OTHER');
    const placed = await sys.api('POST', '/v1/orders', { body: { externalRef: 'guard-1', items: [{ sku: 'GUARD', quantity: 1 }] } });
    orderId = placed.body.id;
    await sys.finished(orderId);
  });
  afterAll(() => sys.stop());

  const sku = async () => found(await sys.db('skus').where({ code: 'GUARD' }).first(), 'SKU GUARD');

  test('when stock would go below zero, then the write is refused (no oversell)', async () => {
    const { stock_available } = await sku();
    expect(stock_available).toBe(2);
    await expect(sys.db('skus').where({ code: 'GUARD' }).decrement('stock_available', 3)).rejects.toThrow(/skus_no_oversell/);
    await sys.db('skus').where({ code: 'GUARD' }).decrement('stock_available', 2); // down to exactly zero is fine
    await sys.db('skus').where({ code: 'GUARD' }).increment('stock_available', 2);
  });

  test('when a delivered code is given to a second unit, then the write is refused (exactly once)', async () => {
    const unit = found(await sys.db('order_units').where({ order_id: orderId }).first(), 'the order unit');
    const spare = found(await sys.db('codes').where({ sku_id: unit.sku_id, status: 'available' }).first(), 'a spare code');
    const taken = found(await sys.db('codes').where({ unit_id: unit.id }).first(), 'the allocated code');
    expect(taken).toBeDefined();
    // A second code for the same unit:
    await expect(sys.db('codes').where({ id: spare.id }).update({ status: 'allocated', unit_id: unit.id })).rejects.toThrow(/codes_unit_id_unique/);
    // The same code delivered twice:
    await expect(sys.db('deliveries').insert({ id: crypto.randomUUID(), order_id: orderId, unit_id: unit.id, code_id: taken.id })).rejects.toThrow(/deliveries_unit_id_unique/);
    // An allocated code without its unit, or an available one with a unit:
    await expect(sys.db('codes').where({ id: taken.id }).update({ unit_id: null })).rejects.toThrow(/codes_allocated_has_unit/);
  });

  test('when a unit would get a second live supplier purchase, then the write is refused (charged at most once)', async () => {
    const unit = found(await sys.db('order_units').where({ order_id: orderId }).first(), 'the order unit');
    const supplierId = crypto.randomUUID();
    await sys.db('suppliers').insert({ id: supplierId, merchant_id: sys.merchant.merchantId, name: 'Guarded supplier', kind: 'manual' });
    const attempt = (n: number, status: PurchaseStatus) => ({
      id: crypto.randomUUID(),
      merchant_id: sys.merchant.merchantId,
      order_id: orderId,
      unit_id: unit.id,
      supplier_id: supplierId,
      supplier_product: 'P',
      reference: `${unit.id}.${n}`,
      attempt: n,
      max_unit_cost: 100,
      status,
    });
    await sys.db('supplier_purchases').insert(attempt(1, 'failed')); // a purchase that never happened does not count
    await sys.db('supplier_purchases').insert(attempt(2, 'pending'));
    await expect(sys.db('supplier_purchases').insert(attempt(3, 'pending'))).rejects.toThrow(/supplier_purchases_one_live_per_unit/);
    await expect(sys.db('supplier_purchases').insert({ ...attempt(4, 'failed'), reference: `${unit.id}.2` })).rejects.toThrow(/supplier_purchases_supplier_id_reference_unique/);
  });

  test('when the same code is stored twice for a merchant, in its SKU or another, then the write is refused', async () => {
    const code = found(await sys.db('codes').whereNotNull('unit_id').first(), 'an allocated code');
    expect(code.fingerprint_version).toBe(2);
    await expect(sys.db('codes').insert({ ...code, id: crypto.randomUUID(), unit_id: null, status: 'available' })).rejects.toThrow(/codes_merchant_fingerprint_unique/);
    const otherSku = found(await sys.db('skus').where({ merchant_id: code.merchant_id }).whereNot({ id: code.sku_id }).first('id'), 'another SKU');
    expect(otherSku).toBeDefined();
    await expect(sys.db('codes').insert({ ...code, id: crypto.randomUUID(), sku_id: otherSku.id, unit_id: null, status: 'available' })).rejects.toThrow(
      /codes_merchant_fingerprint_unique/,
    );
  });

  test('when an order would be settled twice, then the write is refused', async () => {
    const settlement = await sys.db('settlements').where({ order_id: orderId }).first();
    expect(settlement).toMatchObject({ revenue: 1000, cost: 800, gross_profit: 200 });
    await expect(sys.db('settlements').insert({ ...settlement, id: crypto.randomUUID() })).rejects.toThrow(/settlements_order_id_unique/);
  });

  test('when the timeline is edited or pruned, then the write is refused (append-only)', async () => {
    const events = await sys.db('order_events').where({ order_id: orderId });
    expect(events.length).toBeGreaterThan(3);
    await expect(sys.db('order_events').where({ id: events[0].id }).update({ type: 'delivered' })).rejects.toThrow(/append-only/);
    await expect(sys.db('order_events').where({ order_id: orderId }).delete()).rejects.toThrow(/append-only/);
    expect(await sys.db('order_events').where({ order_id: orderId })).toHaveLength(events.length);
  });

  test('when a storefront reuses an externalRef, then the database refuses a second order', async () => {
    const order = await sys.db('orders').where({ id: orderId }).first();
    await expect(sys.db('orders').insert({ ...order, id: crypto.randomUUID() })).rejects.toThrow(/orders_storefront_id_external_ref_unique/);
  });
});
