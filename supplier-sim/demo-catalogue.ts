import type { SimPartner, SimProduct } from './state';

// What `npm start` and `node --import tsx supplier-sim/main.ts` serve unless told otherwise:
// a few game cards and memberships, one async card, one game top-up, and one partner account
// (Cardflow's) with plenty of prepaid balance.

export const DEMO_PARTNER_ID = 'cardflow-demo';

export const demoCatalogue: SimProduct[] = [
  {
    product: 'STEAM-50',
    name: 'Steam Wallet 50 USD',
    kind: 'card',
    currency: 'USD',
    faceValue: 5_000,
    unitPrice: 4_700,
    stock: 500,
    redeemUrl: 'https://store.steampowered.com/account/redeemwalletcode',
  },
  {
    product: 'NETFLIX-1M',
    name: 'Netflix gift card, 1 month',
    kind: 'card',
    currency: 'USD',
    faceValue: 1_549,
    unitPrice: 1_450,
    stock: null,
  },
  {
    // Some issuers mint codes on demand: the order is confirmed later, by callback.
    product: 'PSN-25',
    name: 'PlayStation Store 25 USD',
    kind: 'card',
    currency: 'USD',
    faceValue: 2_500,
    unitPrice: 2_380,
    stock: null,
    async: true,
    asyncDelayMs: 1_500,
    redeemUrl: 'https://store.playstation.com/redeem',
  },
  {
    // 直充: 60 diamonds credited to the player's game account. Accounts containing "fail" are
    // taken, then turned down by the game server (failed and refunded) for demos of that path.
    product: 'GAME-TOPUP-60',
    name: 'Game top-up, 60 diamonds',
    kind: 'topup',
    currency: 'USD',
    faceValue: 99,
    unitPrice: 92,
    stock: null,
    async: true,
    asyncDelayMs: 800,
  },
];

/**
 * The demo partner, with a secret of each install's own (no constant one: anyone could sign a
 * callback with it): `npm start` generates it, the standalone simulator takes SUPPLIER_SIM_SECRET.
 */
export function demoPartners(secret: string): SimPartner[] {
  return [{ id: DEMO_PARTNER_ID, secret, currency: 'USD', balance: 10_000_000 }];
}
