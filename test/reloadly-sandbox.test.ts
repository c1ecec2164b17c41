import { OutboundHttp } from '../lib/outbound-http';
import { reloadlyAdapter } from '../suppliers/adapters/reloadly';

// Opt-in: the Reloadly contract against Reloadly's real sandbox (no real money moves there).
// Credentials come from the environment, and every call goes through the guarded outbound
// client with the production policy (https only, public addresses only):
//   RELOADLY_SANDBOX_CLIENT_ID, RELOADLY_SANDBOX_CLIENT_SECRET   (Reloadly dashboard, sandbox mode)
//   RELOADLY_SANDBOX_GIFTCARD  optional, a product to order, e.g. giftcard:5:25
// Without the credentials this suite is reported as skipped, and its title says why.

const clientId = process.env.RELOADLY_SANDBOX_CLIENT_ID;
const clientSecret = process.env.RELOADLY_SANDBOX_CLIENT_SECRET;
const giftcard = process.env.RELOADLY_SANDBOX_GIFTCARD;
const configured = Boolean(clientId && clientSecret);
const describeSandbox = configured ? describe : describe.skip;

describeSandbox(`Reloadly sandbox${configured ? '' : ' — SKIPPED: set RELOADLY_SANDBOX_CLIENT_ID and RELOADLY_SANDBOX_CLIENT_SECRET to run it'}`, () => {
  let adapter: ReturnType<typeof reloadlyAdapter>;
  beforeAll(() => {
    adapter = reloadlyAdapter({
      baseUrl: 'https://giftcards-sandbox.reloadly.com',
      credentials: { clientId: clientId!, clientSecret: clientSecret! },
      timeoutMs: 20_000,
      http: new OutboundHttp({ allowPlainHttp: false, allowPrivateAddresses: false }),
    });
  });
  jest.setTimeout(120_000);

  test('then the client credentials give a token and the balance reads in minor units of a currency', async () => {
    const balance = await adapter.balance();
    expect(balance.currency).toMatch(/^[A-Z]{3}$/);
    expect(Number.isSafeInteger(balance.balance)).toBe(true);
  });

  test('then a reference never sent is not found (the look-up that guards every retry)', async () => {
    expect(await adapter.getPurchase(`cardflow-never-${Date.now()}`, { supplierOrderId: null, product: 'giftcard:5:25', maxUnitPrice: 1 })).toBe('not_found');
  });

  (giftcard ? test : test.skip)(
    `then a gift card is ordered once under its reference and found again by it${giftcard ? '' : ' — SKIPPED: set RELOADLY_SANDBOX_GIFTCARD'}`,
    async () => {
      const price = await adapter.quote(giftcard!);
      const reference = `cardflow-sandbox-${Date.now()}`;
      const placed = await adapter.purchase({ reference, product: giftcard!, maxUnitPrice: price.unitPrice });
      expect(['succeeded', 'processing']).toContain(placed.status);
      const found = await adapter.getPurchase(reference, { supplierOrderId: null, product: giftcard!, maxUnitPrice: price.unitPrice });
      expect(found).toMatchObject({ supplierOrderId: placed.supplierOrderId });
    },
  );
});
