import { startDujiaoCallbackSweep } from '../interop/dujiao-next/callbacks';
import { found } from './found';
import { issueDujiaoKey } from '../interop/dujiao-next/keys';
import { createSupplier, setRoutes } from '../suppliers/supplier-config';
import { log, startTestSystem, type TestSystem } from './harness';

// One Cardflow buying from a second Cardflow through the dujiao-next protocol: the buyer's
// dujiao-next adapter against the seller's /api/v1/upstream, the seller's callback waking the
// buyer's order. Each unit the buyer sells is one order at the seller, charged once.

let buyer: TestSystem;
let seller: TestSystem;
let stopSweep: () => void;

beforeAll(async () => {
  seller = await startTestSystem();
  buyer = await startTestSystem();
  await seller.addSku('GIFT-50', { codes: 4, price: 4500, currency: 'CNY' });
  await seller.db('storefronts').where({ id: seller.merchant.storefrontId }).update({ credit_limit: 100_000, credit_currency: 'CNY' });
  const key = await issueDujiaoKey(seller.db, seller.vault, seller.merchant.merchantId, seller.merchant.storefrontId);
  stopSweep = startDujiaoCallbackSweep({ db: seller.db, client: seller.client, taskQueue: seller.taskQueue, log, intervalMs: 100 });
  const supplierId = await createSupplier(buyer.db, buyer.vault, buyer.merchant.merchantId, {
    name: 'Other Cardflow',
    kind: 'api',
    adapter: 'dujiao-next',
    baseUrl: seller.baseUrl,
    currency: 'CNY',
    credentials: { apiKey: key.apiKey, apiSecret: key.apiSecret },
    timeoutMs: 5000,
  });
  const sellerSku = found(await seller.db('skus').where({ code: 'GIFT-50' }).first('public_no'), 'seller SKU');
  await buyer.addSku('GIFT-50-RESALE', { mode: 'supplier', price: 5000, cost: 4500, currency: 'CNY' });
  await setRoutes(buyer.db, buyer.merchant.merchantId, 'GIFT-50-RESALE', [{ supplierId, supplierProduct: `${sellerSku.public_no}:${sellerSku.public_no}`, maxUnitCost: 4600 }]);
});

afterAll(async () => {
  stopSweep();
  await buyer.stop();
  await seller.stop();
});

test('when a buyer sells 3 units it buys from a second Cardflow, then each is one order there and the codes match', async () => {
  const placed = await buyer.api('POST', '/v1/orders', { body: { externalRef: 'pair-1', items: [{ sku: 'GIFT-50-RESALE', quantity: 3 }] } });
  expect(placed.status).toBe(202);
  const delivered = await buyer.waitForOrder(placed.body.id, ['delivered'], 45_000);
  const bought = delivered.items[0].units.map((u: any) => `${u.code.number} ${u.code.pin}`).sort();

  const references = await buyer.db('supplier_purchases').where({ order_id: placed.body.id, status: 'succeeded' }).pluck('reference');
  const atSeller = await seller.db('dujiao_orders').whereIn('downstream_order_no', references).select('order_id');
  expect(atSeller).toHaveLength(3);
  const sold = [];
  for (const o of atSeller) {
    const view = await seller.api('GET', `/v1/orders/${o.order_id}`);
    expect(view.body.status).toBe('delivered');
    sold.push(...view.body.items[0].units.map((u: any) => `${u.code.number} ${u.code.pin}`));
  }
  expect(sold.sort()).toEqual(bought);
  // The seller's stock went down by exactly the three units bought.
  expect(await seller.db('skus').where({ code: 'GIFT-50' }).first('stock_available')).toEqual({ stock_available: 1 });
});
