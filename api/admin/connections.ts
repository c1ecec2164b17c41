import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { issueDujiaoKey } from '../../interop/dujiao-next/keys';
import { recordAudit, userActor } from '../../lib/audit';
import type { CodeVault } from '../../lib/code-vault';
import { conflict, notFound } from '../../lib/errors';
import { fieldPattern } from '../../lib/field-codes';
import { availableCredit } from '../../storefronts/credit';
import { prepaidBalance, topUpBalance } from '../../storefronts/prepaid-balance';
import { recentCallFailures } from '../../suppliers/call-failures';
import { LISTING_ADAPTERS, syncSupplierCatalogue } from '../../suppliers/catalogue-sync';
import type { SupplierRegistry } from '../../suppliers/registry';
import { parseOrThrow } from '../errors';
import { jsonBody } from '../well-formed';
import { allow } from './auth';
import { iso } from './list-query';

// dujiao-next connections, both ways (issue 18). Selling: a storefront's dujiao-next API keys
// (the secret is shown once, when issued) and its credit limit, the balance a shop sees.
// Buying: a dujiao-next supplier's catalogue as last synced, which of its products our SKUs'
// routes use, and a sync on demand (the worker also syncs every 10 minutes).

const uuid = z.uuid();
export const CreditBody = z
  .object({
    creditLimit: z.number({ error: 'Enter an amount' }).int('Amounts are whole minor units').min(0, 'Cannot be negative').max(1e12),
    currency: z
      .string()
      .trim()
      .regex(fieldPattern('currency_code', /^[A-Z]{3}$/), 'A three-letter currency code such as CNY'),
  })
  .strict();

export const TopUpBody = z
  .object({
    amount: z.number({ error: 'Enter an amount' }).int('Amounts are whole minor units').min(1, 'Must be more than zero').max(1e12),
    currency: z
      .string()
      .trim()
      .regex(fieldPattern('currency_code', /^[A-Z]{3}$/), 'A three-letter currency code such as CNY'),
  })
  .strict();

export function adminConnectionsRouter(deps: { db: Db; vault: CodeVault; suppliers: SupplierRegistry; maxBodyBytes: number }) {
  const { db, vault } = deps;
  const router = Router();
  const json = jsonBody(deps.maxBodyBytes);
  const actor = (req: { admin?: { email: string } }) => userActor(req.admin!.email);

  async function storefrontOf(merchantId: string, id: unknown) {
    const parsed = uuid.safeParse(id);
    const row =
      parsed.success && (await db('storefronts').where({ id: parsed.data, merchant_id: merchantId }).first('id', 'name', 'credit_limit', 'credit_currency', 'prepaid_currency'));
    if (!row) throw notFound('Storefront');
    return row;
  }

  router.get('/storefronts/:id/dujiao', allow('storefronts', 'show'), async (req, res) => {
    const sf = await storefrontOf(req.admin!.merchantId, req.params.id);
    const keys = await db('dujiao_api_keys').where({ storefront_id: sf.id }).orderBy('created_at', 'desc').select('id', 'api_key', 'created_at', 'revoked_at');
    const callbackFailures = await db('dujiao_callback_failures as f')
      .join('dujiao_orders as d', 'd.id', 'f.dujiao_order_id')
      .where('f.storefront_id', sf.id)
      .orderBy('f.id', 'desc')
      .limit(20)
      .select('f.code', 'f.http_status', 'f.created_at', 'f.dujiao_order_id', 'd.order_id', 'd.downstream_order_no');
    const credit = sf.credit_limit === null ? null : { limit: Number(sf.credit_limit), currency: sf.credit_currency as string };
    res.json({
      id: sf.id,
      credit: credit && { ...credit, available: await availableCredit(db, sf.id, credit) },
      balance: sf.prepaid_currency && { currency: sf.prepaid_currency.trim(), amount: await prepaidBalance(db, sf.id, sf.prepaid_currency.trim()) },
      keys: keys.map((k) => ({ id: k.id, apiKey: k.api_key, createdAt: iso(k.created_at), revokedAt: iso(k.revoked_at) })),
      upstreamPath: '/api/v1/upstream',
      callbackFailures: callbackFailures.map((f) => ({
        orderId: f.order_id,
        dujiaoOrderId: Number(f.dujiao_order_id),
        downstreamOrderNo: f.downstream_order_no,
        code: f.code,
        httpStatus: f.http_status,
        at: iso(f.created_at),
      })),
    });
  });

  // The prepaid balance's history, newest first: each top-up, draw and give-back with the
  // balance after it (the ledger's storefront_prepaid lines; a liability, so minus their sum).
  router.get('/storefronts/:id/balance/entries', allow('storefronts', 'show'), async (req, res) => {
    const sf = await storefrontOf(req.admin!.merchantId, req.params.id);
    const currency = sf.prepaid_currency?.trim();
    if (!currency) return void res.json({ currency: null, balance: 0, entries: [] });
    const rows: { kind: string; order_id: string | null; external_ref: string | null; created_at: Date; amount: string; after: string }[] = await db
      .with('moves', (q) =>
        q
          .from('ledger_lines as l')
          .join('ledger_entries as e', 'e.id', 'l.entry_id')
          .join('ledger_accounts as a', 'a.id', 'l.account_id')
          .where({ 'a.kind': 'storefront_prepaid', 'a.owner_id': sf.id, 'a.currency': currency, 'a.merchant_id': req.admin!.merchantId })
          .select('e.id', 'e.kind', 'e.order_id', 'e.created_at', db.raw('-l.amount AS amount'), db.raw('sum(-l.amount) OVER (ORDER BY e.created_at, e.id) AS after')),
      )
      .from('moves as m')
      .leftJoin('orders as o', 'o.id', 'm.order_id')
      .orderBy([
        { column: 'm.created_at', order: 'desc' },
        { column: 'm.id', order: 'desc' },
      ])
      .limit(100)
      .select('m.kind', 'm.order_id', 'o.external_ref', 'm.created_at', 'm.amount', 'm.after');
    res.json({
      currency,
      balance: await prepaidBalance(db, sf.id, currency),
      entries: rows.map((r) => ({
        kind: r.kind,
        orderId: r.order_id,
        externalRef: r.external_ref,
        amount: Number(r.amount),
        balanceAfter: Number(r.after),
        at: iso(r.created_at),
      })),
    });
  });

  router.put('/storefronts/:id/credit', allow('storefronts', 'edit'), json, async (req, res) => {
    const sf = await storefrontOf(req.admin!.merchantId, req.params.id);
    const body = parseOrThrow(CreditBody, req.body);
    await db.transaction(async (trx) => {
      await trx('storefronts').where({ id: sf.id }).update({ credit_limit: body.creditLimit, credit_currency: body.currency });
      await recordAudit(trx, { merchantId: req.admin!.merchantId, actor: actor(req), action: 'storefront.credit_set', target: `storefront:${sf.id}`, detail: body });
    });
    res.json({ creditLimit: body.creditLimit, currency: body.currency });
  });

  // Money the storefront paid ahead: its orders draw it (storefronts/prepaid-balance.ts).
  router.post('/storefronts/:id/balance/top-ups', allow('storefronts', 'edit'), json, async (req, res) => {
    const sf = await storefrontOf(req.admin!.merchantId, req.params.id);
    const body = parseOrThrow(TopUpBody, req.body);
    const { balance } = await db.transaction(async (trx) => {
      const done = await topUpBalance(trx, { storefrontId: sf.id, merchantId: req.admin!.merchantId, amount: body.amount, currency: body.currency });
      await recordAudit(trx, { merchantId: req.admin!.merchantId, actor: actor(req), action: 'storefront.balance_topped_up', target: `storefront:${sf.id}`, detail: body });
      return done;
    });
    res.status(201).json({ balance, currency: body.currency });
  });

  router.post('/storefronts/:id/dujiao-keys', allow('storefronts', 'keys'), async (req, res) => {
    const sf = await storefrontOf(req.admin!.merchantId, req.params.id);
    // A shop reads its balance from the prepaid balance or the credit limit: a key without either could buy nothing.
    if (sf.credit_limit === null && sf.prepaid_currency === null) throw conflict('credit_limit_required', 'Set the storefront credit limit before issuing a dujiao-next key');
    const issued = await db.transaction(async (trx) => {
      const key = await issueDujiaoKey(trx, vault, req.admin!.merchantId, sf.id);
      await recordAudit(trx, {
        merchantId: req.admin!.merchantId,
        actor: actor(req),
        action: 'storefront.dujiao_key_issued',
        target: `storefront:${sf.id}`,
        detail: { keyId: key.id, apiKey: key.apiKey },
      });
      return key;
    });
    res.status(201).json(issued);
  });

  router.delete('/storefronts/:id/dujiao-keys/:keyId', allow('storefronts', 'keys'), async (req, res) => {
    const sf = await storefrontOf(req.admin!.merchantId, req.params.id);
    const keyId = uuid.safeParse(req.params.keyId);
    const key = keyId.success && (await db('dujiao_api_keys').where({ id: keyId.data, storefront_id: sf.id }).first('id', 'revoked_at'));
    if (!key) throw notFound('API key');
    if (key.revoked_at) throw conflict('already_revoked', 'This key is already revoked');
    await db.transaction(async (trx) => {
      await trx('dujiao_api_keys').where({ id: key.id }).update({ revoked_at: trx.fn.now() });
      await recordAudit(trx, {
        merchantId: req.admin!.merchantId,
        actor: actor(req),
        action: 'storefront.dujiao_key_revoked',
        target: `storefront:${sf.id}`,
        detail: { keyId: key.id },
      });
    });
    res.status(204).end();
  });

  async function supplierOf(merchantId: string, id: unknown) {
    const parsed = uuid.safeParse(id);
    const row =
      parsed.success && (await db('suppliers').where({ id: parsed.data, merchant_id: merchantId }).first('id', 'name', 'adapter', 'catalogue_synced_at', 'catalogue_sync_error'));
    if (!row) throw notFound('Supplier');
    return row;
  }

  router.get('/suppliers/:id/catalogue', allow('suppliers', 'show'), async (req, res) => {
    const supplier = await supplierOf(req.admin!.merchantId, req.params.id);
    const items = await db('supplier_catalogue_items').where({ supplier_id: supplier.id }).orderBy('product').limit(1000);
    const routes = await db('sku_supplier_routes as r')
      .join('skus as s', 's.id', 'r.sku_id')
      .where('r.supplier_id', supplier.id)
      .select('r.supplier_product', 'r.max_unit_cost', 'r.active', 's.code');
    const alert = await db('alerts').where({ kind: 'supplier_catalogue_drift', subject_id: supplier.id }).whereNull('resolved_at').first('detail');
    // The alert's detail is { drift: [...] } as suppliers/catalogue-sync.ts raised it; none when no alert is open.
    const detail = alert?.detail;
    const drift = typeof detail === 'object' && detail !== null && 'drift' in detail && Array.isArray(detail.drift) ? detail.drift : [];
    res.json({
      id: supplier.id,
      // Protocols without a listing (Reloadly, Fulu, the Cardflow simulator) are priced on each purchase by a quote.
      listsCatalogue: LISTING_ADAPTERS.includes(supplier.adapter ?? ''),
      routes: routes.map((r) => ({ sku: r.code, product: r.supplier_product, maxUnitCost: Number(r.max_unit_cost), active: r.active })),
      syncedAt: iso(supplier.catalogue_synced_at),
      syncError: supplier.catalogue_sync_error,
      drift,
      items: items.map((i) => ({
        product: i.product,
        title: i.title,
        unitPrice: Number(i.unit_price),
        currency: i.currency.trim(),
        stock: i.stock,
        active: i.active,
        mappedTo: routes.filter((r) => r.supplier_product === i.product).map((r) => ({ sku: r.code, maxUnitCost: Number(r.max_unit_cost) })),
      })),
    });
  });

  // The connection's last errors: its recent failed calls, newest first (suppliers/call-failures.ts).
  router.get('/suppliers/:id/call-failures', allow('suppliers', 'show'), async (req, res) => {
    const supplier = await supplierOf(req.admin!.merchantId, req.params.id);
    res.json({ id: supplier.id, failures: await recentCallFailures(db, supplier.id) });
  });

  router.post('/suppliers/:id/catalogue/sync', allow('suppliers', 'refresh'), async (req, res) => {
    const supplier = await supplierOf(req.admin!.merchantId, req.params.id);
    const result = await syncSupplierCatalogue(db, deps.suppliers, supplier.id);
    const after = await supplierOf(req.admin!.merchantId, supplier.id);
    res.json({ items: result.items, drift: result.drift, syncedAt: iso(after.catalogue_synced_at), syncError: after.catalogue_sync_error });
  });

  return router;
}
