import { OutboundHttp } from '../lib/outbound-http';
import { fuluAdapter } from '../suppliers/adapters/fulu';

// Opt-in: the Fulu contract against Fulu's sandbox gateway (test balance, test goods). Credentials
// come from the environment, and every call goes through the guarded outbound client with the
// production policy (https only, public addresses only):
//   FULU_SANDBOX_APP_KEY, FULU_SANDBOX_APP_SECRET   (Fulu open platform, sandbox application)
//   FULU_SANDBOX_URL           optional, default https://pre.openapi.fulu.com/api/getway
//   FULU_SANDBOX_CARD_PRODUCT  optional, a product to order, e.g. card:10000497
// Without the credentials this suite is reported as skipped, and its title says why.

const appKey = process.env.FULU_SANDBOX_APP_KEY;
const appSecret = process.env.FULU_SANDBOX_APP_SECRET;
const product = process.env.FULU_SANDBOX_CARD_PRODUCT;
const configured = Boolean(appKey && appSecret);
const describeSandbox = configured ? describe : describe.skip;

describeSandbox(`Fulu sandbox${configured ? '' : ' — SKIPPED: set FULU_SANDBOX_APP_KEY and FULU_SANDBOX_APP_SECRET to run it'}`, () => {
  let adapter: ReturnType<typeof fuluAdapter>;
  beforeAll(() => {
    adapter = fuluAdapter({
      baseUrl: process.env.FULU_SANDBOX_URL || 'https://pre.openapi.fulu.com/api/getway',
      credentials: { appKey: appKey!, appSecret: appSecret! },
      timeoutMs: 20_000,
      http: new OutboundHttp({ allowPlainHttp: false, allowPrivateAddresses: false }),
    });
  });
  jest.setTimeout(120_000);

  test('then the signed envelope is accepted and the balance reads in fen', async () => {
    const balance = await adapter.balance();
    expect(balance.currency).toBe('CNY');
    expect(Number.isSafeInteger(balance.balance)).toBe(true);
  });

  test('then a customer_order_no never sent is not found (this checks FULU_CODES.orderNotFound, the one code the adapter relies on)', async () => {
    expect(await adapter.getPurchase(`cardflow-never-${Date.now()}`, { supplierOrderId: null, product: 'card:10000497', maxUnitPrice: 1 })).toBe('not_found');
  });

  (product ? test : test.skip)(
    `then a card order is placed once under its reference and settled by the order query${product ? '' : ' — SKIPPED: set FULU_SANDBOX_CARD_PRODUCT'}`,
    async () => {
      const price = await adapter.quote(product!);
      const reference = `cardflow-sandbox-${Date.now()}`;
      const placed = await adapter.purchase({ reference, product: product!, maxUnitPrice: price.unitPrice });
      expect(['succeeded', 'processing']).toContain(placed.status);
      const found = await adapter.getPurchase(reference, { supplierOrderId: null, product: product!, maxUnitPrice: price.unitPrice });
      expect(found).toMatchObject({ supplierOrderId: placed.supplierOrderId });
    },
  );
});
