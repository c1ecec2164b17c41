import crypto from 'node:crypto';
import type { Db } from '.';
import type { CodeVault } from '../lib/code-vault';
import { hashPassword } from '../lib/passwords';
import { issueToken, issueWebhookSecret } from '../lib/tokens';
import { importCodes } from '../stock/import-codes';
import { sealWebhookSecret } from '../storefronts/webhook-secret';
import { createSupplier, setRoutes } from '../suppliers/supplier-config';

// Creating merchants, storefronts and SKUs. Used for the demo data on first start and by tests;
// the console will create the same rows through the admin API.

export interface NewMerchant {
  merchantId: string;
  ownerEmail: string;
  adminToken: string;
  storefrontId: string;
  apiKey: string;
  webhookSecret: string;
}

export async function createMerchant(
  db: Db,
  vault: CodeVault,
  opts: { name: string; ownerEmail: string; ownerPassword?: string; webhookUrl?: string; currency?: string; riskMaxOrderAmount?: number; riskMaxOrderQuantity?: number },
): Promise<NewMerchant> {
  const merchantId = crypto.randomUUID();
  const userId = crypto.randomUUID();
  const token = issueToken('pat');
  const passwordHash = opts.ownerPassword ? await hashPassword(opts.ownerPassword) : null;
  await db.transaction(async (trx) => {
    await trx('merchants').insert({
      id: merchantId,
      name: opts.name,
      currency: opts.currency ?? 'CNY',
      risk_max_order_amount: opts.riskMaxOrderAmount ?? null,
      risk_max_order_quantity: opts.riskMaxOrderQuantity ?? null,
    });
    await trx('users').insert({ id: userId, merchant_id: merchantId, email: opts.ownerEmail.toLowerCase(), role: 'owner', password_hash: passwordHash });
    await trx('admin_tokens').insert({ id: crypto.randomUUID(), user_id: userId, name: 'made with the merchant', prefix: token.prefix, token_hash: token.hash });
  });
  const storefront = await createStorefront(db, vault, { merchantId, name: `${opts.name} shop`, webhookUrl: opts.webhookUrl });
  return { merchantId, ownerEmail: opts.ownerEmail, adminToken: token.token, ...storefront };
}

export async function createStorefront(db: Db, vault: CodeVault, opts: { merchantId: string; name: string; webhookUrl?: string }) {
  const storefrontId = crypto.randomUUID();
  const key = issueToken('sk');
  const webhookSecret = issueWebhookSecret();
  const sealed = sealWebhookSecret(vault, storefrontId, webhookSecret);
  await db.transaction(async (trx) => {
    await trx('storefronts').insert({
      id: storefrontId,
      merchant_id: opts.merchantId,
      name: opts.name,
      webhook_url: opts.webhookUrl ?? null,
      webhook_secret_key_id: sealed.keyId,
      webhook_secret: sealed.payload,
    });
    await trx('storefront_api_keys').insert({ id: crypto.randomUUID(), storefront_id: storefrontId, prefix: key.prefix, key_hash: key.hash });
  });
  return { storefrontId, apiKey: key.token, webhookSecret };
}

export async function createSku(
  db: Db,
  opts: {
    merchantId: string;
    code: string;
    name: string;
    faceValue: number;
    price: number;
    cost: number;
    currency?: string;
    maxPerOrder?: number;
    fulfilmentMode?: 'stock' | 'supplier' | 'topup' | 'link' | 'manual';
    supplierFallback?: boolean;
    manualEscalateAfterSeconds?: number;
    manualCancelAfterSeconds?: number;
  },
): Promise<string> {
  const id = crypto.randomUUID();
  await db('skus').insert({
    id,
    merchant_id: opts.merchantId,
    code: opts.code,
    name: opts.name,
    currency: opts.currency ?? 'CNY',
    face_value: opts.faceValue,
    price: opts.price,
    cost: opts.cost,
    fulfilment_mode: opts.fulfilmentMode ?? 'stock',
    supplier_fallback: opts.supplierFallback ?? false,
    max_per_order: opts.maxPerOrder ?? null,
    low_stock_threshold: 10,
    ...(opts.manualEscalateAfterSeconds ? { manual_escalate_after_seconds: opts.manualEscalateAfterSeconds } : {}),
    ...(opts.manualCancelAfterSeconds ? { manual_cancel_after_seconds: opts.manualCancelAfterSeconds } : {}),
  });
  return id;
}

/** Random demo codes in the shape card shops sell: a 16-character card number and an 8-digit PIN. */
export function demoCodes(count: number): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const pick = (n: number, chars: string) => Array.from(crypto.randomBytes(n), (b) => chars[b % chars.length]).join('');
  return Array.from({ length: count }, () => `${pick(16, alphabet)}----${pick(8, '0123456789')}`).join('\n');
}

export const DEMO_SUPPLIER_NAME = 'Demo supplier (simulator)';

/**
 * First start only: a demo merchant to try the API and the console with. Returns undefined if one exists.
 * With a demo supplier (the simulator's URL and partner credentials) it also gets a SKU bought
 * in real time and a direct top-up SKU.
 */
export async function seedDemo(
  db: Db,
  vault: CodeVault,
  demoSupplier?: { baseUrl: string; partnerId: string; secret: string },
): Promise<(NewMerchant & { ownerPassword: string }) | undefined> {
  if (await db('merchants').first('id')) return undefined;
  const ownerPassword = crypto.randomBytes(12).toString('base64url');
  const demo = await createMerchant(db, vault, { name: 'Demo Merchant', ownerEmail: 'owner@demo.cardflow.local', ownerPassword, riskMaxOrderAmount: 500_000 });
  const skus = [
    { code: 'GAME-100', name: 'Game card ¥100', faceValue: 10_000, price: 9_800, cost: 9_200 },
    { code: 'VIDEO-VIP-1M', name: 'Video membership, 1 month', faceValue: 2_500, price: 1_990, cost: 1_500 },
    { code: 'COFFEE-TALL', name: 'Coffee e-voucher, tall', faceValue: 3_300, price: 2_800, cost: 2_000 },
  ];
  for (const sku of skus) {
    await createSku(db, { merchantId: demo.merchantId, ...sku });
    await importCodes(db, vault, { merchantId: demo.merchantId, sku: sku.code, content: demoCodes(50), format: 'txt', source: 'demo seed', importedBy: 'system:seed' });
  }
  if (demoSupplier) {
    const supplierId = await createSupplier(db, vault, demo.merchantId, {
      name: DEMO_SUPPLIER_NAME,
      kind: 'api',
      adapter: 'cardflow-sim',
      baseUrl: demoSupplier.baseUrl,
      currency: 'USD',
      credentials: { partnerId: demoSupplier.partnerId, secret: demoSupplier.secret },
      lowBalanceThreshold: 100_000,
    });
    await createSku(db, {
      merchantId: demo.merchantId,
      code: 'STEAM-50',
      name: 'Steam Wallet $50 (bought in real time)',
      faceValue: 5_000,
      price: 5_200,
      cost: 4_700,
      currency: 'USD',
      fulfilmentMode: 'supplier',
    });
    await setRoutes(db, demo.merchantId, 'STEAM-50', [{ supplierId, supplierProduct: 'STEAM-50', maxUnitCost: 4_800 }]);
    await createSku(db, {
      merchantId: demo.merchantId,
      code: 'DIAMONDS-60',
      name: 'Game top-up, 60 diamonds (直充)',
      faceValue: 99,
      price: 99,
      cost: 92,
      currency: 'USD',
      fulfilmentMode: 'topup',
    });
    await setRoutes(db, demo.merchantId, 'DIAMONDS-60', [{ supplierId, supplierProduct: 'GAME-TOPUP-60', maxUnitCost: 95 }]);
  }
  return { ...demo, ownerPassword };
}
