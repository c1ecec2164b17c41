import crypto from 'node:crypto';
import type { Db } from '../../db';
import { createMerchant, createSku, type NewMerchant } from '../../db/seed';
import { CodeVault, loadVaultKeys } from '../../lib/code-vault';
import { loadConfig } from '../../lib/config';
import { importCodes } from '../../stock/import-codes';
import { startSupplierSim, type SupplierSim } from '../../supplier-sim/server';
import { createSupplier, setRoutes } from '../../suppliers/supplier-config';

// The merchant running the drop: one storefront with a webhook, one hot SKU holding M codes,
// and for the supplier variant a wholesaler (the simulator, over HTTP) to buy the rest from.

export interface Shop {
  merchant: NewMerchant;
  sku: string;
  skuId: string;
  codes: number;
  supplier?: { sim: SupplierSim; id: string; product: string; control(method: string, path: string, body?: unknown): Promise<unknown> };
}

export function vaultFor(env: Record<string, string>): CodeVault {
  return new CodeVault(loadVaultKeys(loadConfig(env)));
}

export async function openShop(
  db: Db,
  vault: CodeVault,
  opts: { webhookUrl: string; codes: number; sku?: string; supplier?: { latencyMs: [number, number]; async?: boolean } },
): Promise<Shop> {
  const sku = opts.sku ?? 'DROP-100';
  const merchant = await createMerchant(db, vault, {
    name: 'Flash Sale Merchant',
    ownerEmail: `owner-${crypto.randomBytes(4).toString('hex')}@shop.example`,
    webhookUrl: opts.webhookUrl,
    currency: 'USD',
  });
  const skuId = await createSku(db, {
    merchantId: merchant.merchantId,
    code: sku,
    name: 'Hot drop gift card',
    faceValue: 1000,
    price: 950,
    cost: 900,
    currency: 'USD',
    supplierFallback: Boolean(opts.supplier),
  });
  if (opts.codes > 0) {
    const content = Array.from({ length: opts.codes }, (_, i) => `DROP-${crypto.randomBytes(8).toString('hex')}-${i}`).join('\n');
    await importCodes(db, vault, { merchantId: merchant.merchantId, sku, content, format: 'txt', source: 'flash-sale bench', importedBy: 'bench' });
  }
  const shop: Shop = { merchant, sku, skuId, codes: opts.codes };
  if (opts.supplier) {
    const product = 'DROP-100-WHOLESALE';
    const partnerId = 'cardflow-bench';
    const secret = crypto.randomBytes(16).toString('hex');
    const sim = await startSupplierSim({
      catalogue: [
        {
          product,
          name: 'Hot drop gift card (wholesale)',
          kind: 'card',
          currency: 'USD',
          faceValue: 1000,
          unitPrice: 880,
          stock: null,
          ...(opts.supplier.async ? { async: true, asyncDelayMs: 100 } : {}),
        },
      ],
      partners: [{ id: partnerId, secret, currency: 'USD', balance: 1_000_000_000 }],
    });
    const id = await createSupplier(db, vault, merchant.merchantId, {
      name: 'Wholesaler (simulator)',
      kind: 'api',
      adapter: 'cardflow-sim',
      baseUrl: sim.url,
      currency: 'USD',
      credentials: { partnerId, secret },
      timeoutMs: 2000,
      circuitFailureThreshold: 1000,
      circuitCooldownSeconds: 5,
      lowBalanceThreshold: null,
      rateLimitPerSecond: null,
    });
    await setRoutes(db, merchant.merchantId, sku, [{ supplierId: id, supplierProduct: product, maxUnitCost: 900 }]);
    const control = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${sim.url}/_sim${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`supplier simulator ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
      const text = await res.text();
      return text ? JSON.parse(text) : undefined;
    };
    const [min, max] = opts.supplier.latencyMs;
    if (max > 0) await control('POST', '/faults', { kind: 'latency', ms: min, maxMs: max });
    shop.supplier = { sim, id, product, control };
  }
  return shop;
}
