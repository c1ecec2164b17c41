import crypto from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { createStorefront } from '../../db/seed';
import { recordAudit, userActor } from '../../lib/audit';
import type { CodeVault } from '../../lib/code-vault';
import type { OutboundHttp } from '../../lib/outbound-http';
import { conflict, notFound } from '../../lib/errors';
import { issueToken } from '../../lib/tokens';
import { resendDeliveryWebhook } from '../../orders/resend-webhook';
import { rotateWebhookSecret } from '../../storefronts/webhook-secret';
import { checkOutboundTarget, parseOrThrow } from '../errors';
import { jsonBody } from '../well-formed';
import { allow } from './auth';
import { escapeLike, IdList, iso, parseListQuery, sendList } from './list-query';

// Storefronts: their API keys (issued and shown once, stored as hashes, revoked one by one so a
// rotation can overlap), their webhook endpoint and signing secret, and the webhook attempts
// made to it, any of which can be replayed.

const uuid = z.uuid();
const webhookUrl = z
  .union([z.literal(''), z.null(), z.url({ protocol: /^https?$/, error: 'An http(s) URL such as https://shop.example.com/hooks/cardflow' }).max(2000)])
  .optional()
  .transform((v) => v || null);
export const Editable = z.object({ name: z.string().trim().min(1, 'Give the storefront a name').max(200), webhookUrl });
const Filter = z.object({ id: IdList.optional(), q: z.string().trim().max(100).optional() }).strict();
const AttemptFilter = z.object({ storefrontId: uuid.optional(), orderId: uuid.optional(), outcome: z.enum(['succeeded', 'failed']).optional() }).strict();

export function adminStorefrontsRouter(deps: { db: Db; vault: CodeVault; maxBodyBytes: number; outbound: OutboundHttp }) {
  const { db, vault } = deps;
  const router = Router();
  const json = jsonBody(deps.maxBodyBytes);

  const listQuery = (merchantId: string) =>
    db('storefronts as sf')
      .where('sf.merchant_id', merchantId)
      .select(
        'sf.id',
        'sf.name',
        'sf.webhook_url',
        'sf.created_at',
        db.raw('(sf.webhook_secret IS NOT NULL) AS has_webhook_secret'),
        db.raw('(SELECT count(*)::int FROM storefront_api_keys k WHERE k.storefront_id = sf.id AND k.revoked_at IS NULL) AS active_keys'),
      );
  const storefrontJson = (s: { id: string; name: string; webhook_url: string | null; has_webhook_secret: boolean; active_keys: number; created_at: Date }) => ({
    id: s.id,
    name: s.name,
    webhookUrl: s.webhook_url,
    hasWebhookSecret: s.has_webhook_secret,
    activeKeys: s.active_keys,
    createdAt: iso(s.created_at),
  });

  async function findStorefront(merchantId: string, id: unknown) {
    const parsed = uuid.safeParse(id);
    const row = parsed.success ? await listQuery(merchantId).where('sf.id', parsed.data).first() : undefined;
    if (!row) throw notFound('Storefront');
    const keys = await db('storefront_api_keys').where({ storefront_id: row.id }).orderBy('created_at', 'desc').select('id', 'prefix', 'created_at', 'revoked_at');
    return { ...storefrontJson(row), keys: keys.map((k) => ({ id: k.id, prefix: k.prefix, createdAt: iso(k.created_at), revokedAt: iso(k.revoked_at) })) };
  }
  const actor = (req: { admin?: { email: string } }) => userActor(req.admin!.email);

  router.get('/storefronts', allow('storefronts', 'list'), async (req, res) => {
    const params = parseListQuery(req.query, { sortable: { name: 'sf.name', createdAt: 'sf.created_at' }, defaultSort: ['name', 'ASC'], filter: Filter });
    const q = listQuery(req.admin!.merchantId);
    if (params.filter.id)
      q.whereIn(
        'sf.id',
        params.filter.id.filter((id) => uuid.safeParse(id).success),
      );
    if (params.filter.q) q.where('sf.name', 'ilike', `%${escapeLike(params.filter.q)}%`);
    await sendList(res, db, 'storefronts', q, params, storefrontJson, 'sf.id');
  });

  router.get('/storefronts/:id', allow('storefronts', 'show'), async (req, res) => {
    res.json(await findStorefront(req.admin!.merchantId, req.params.id));
  });

  // The API key and webhook secret are in this answer and never again.
  router.post('/storefronts', allow('storefronts', 'create'), json, async (req, res) => {
    const body = parseOrThrow(Editable, req.body ?? {});
    await checkOutboundTarget(deps.outbound, 'webhookUrl', body.webhookUrl);
    const created = await createStorefront(db, vault, { merchantId: req.admin!.merchantId, name: body.name, webhookUrl: body.webhookUrl ?? undefined });
    await recordAudit(db, {
      merchantId: req.admin!.merchantId,
      actor: actor(req),
      action: 'storefront.created',
      target: `storefront:${created.storefrontId}`,
      detail: { name: body.name, webhookUrl: body.webhookUrl },
    });
    res.status(201).json({ ...(await findStorefront(req.admin!.merchantId, created.storefrontId)), apiKey: created.apiKey, webhookSecret: created.webhookSecret });
  });

  router.put('/storefronts/:id', allow('storefronts', 'edit'), json, async (req, res) => {
    const current = await findStorefront(req.admin!.merchantId, req.params.id);
    const body = parseOrThrow(Editable, req.body ?? {});
    await checkOutboundTarget(deps.outbound, 'webhookUrl', body.webhookUrl);
    await db.transaction(async (trx) => {
      await trx('storefronts').where({ id: current.id }).update({ name: body.name, webhook_url: body.webhookUrl });
      await recordAudit(trx, {
        merchantId: req.admin!.merchantId,
        actor: actor(req),
        action: 'storefront.updated',
        target: `storefront:${current.id}`,
        detail: { name: body.name, webhookUrl: body.webhookUrl, previousWebhookUrl: current.webhookUrl },
      });
    });
    res.json(await findStorefront(req.admin!.merchantId, current.id));
  });

  router.post('/storefronts/:id/keys', allow('storefronts', 'keys'), async (req, res) => {
    const sf = await findStorefront(req.admin!.merchantId, req.params.id);
    const key = issueToken('sk');
    const id = crypto.randomUUID();
    await db.transaction(async (trx) => {
      await trx('storefront_api_keys').insert({ id, storefront_id: sf.id, prefix: key.prefix, key_hash: key.hash });
      await recordAudit(trx, {
        merchantId: req.admin!.merchantId,
        actor: actor(req),
        action: 'storefront.key_issued',
        target: `storefront:${sf.id}`,
        detail: { keyId: id, prefix: key.prefix },
      });
    });
    res.status(201).json({ id, prefix: key.prefix, apiKey: key.token });
  });

  router.delete('/storefronts/:id/keys/:keyId', allow('storefronts', 'keys'), async (req, res) => {
    const sf = await findStorefront(req.admin!.merchantId, req.params.id);
    const key = sf.keys.find((k) => k.id === req.params.keyId);
    if (!key) throw notFound('API key');
    if (key.revokedAt) throw conflict('already_revoked', 'This key is already revoked');
    await db.transaction(async (trx) => {
      await trx('storefront_api_keys').where({ id: key.id }).update({ revoked_at: trx.fn.now() });
      await recordAudit(trx, {
        merchantId: req.admin!.merchantId,
        actor: actor(req),
        action: 'storefront.key_revoked',
        target: `storefront:${sf.id}`,
        detail: { keyId: key.id, prefix: key.prefix },
      });
    });
    res.json(await findStorefront(req.admin!.merchantId, sf.id));
  });

  router.post('/storefronts/:id/webhook-secret', allow('storefronts', 'secret'), async (req, res) => {
    const sf = await findStorefront(req.admin!.merchantId, req.params.id);
    const rotated = await db.transaction(async (trx) => {
      const result = await rotateWebhookSecret(trx, vault, sf.id);
      await recordAudit(trx, { merchantId: req.admin!.merchantId, actor: actor(req), action: 'storefront.webhook_secret_rotated', target: `storefront:${sf.id}` });
      return result;
    });
    // The old secret keeps signing (beside the new one) until previousSecretValidUntil.
    res.json({ webhookSecret: rotated.webhookSecret, previousSecretValidUntil: iso(rotated.previousValidUntil) });
  });

  router.get('/webhook-attempts', allow('webhook-attempts', 'list'), async (req, res) => {
    const params = parseListQuery(req.query, { sortable: { createdAt: 'w.created_at', id: 'w.id' }, defaultSort: ['createdAt', 'DESC'], filter: AttemptFilter });
    const f = params.filter;
    const q = db('webhook_attempts as w')
      .join('storefronts as sf', 'sf.id', 'w.storefront_id')
      .join('orders as o', 'o.id', 'w.order_id')
      .where('sf.merchant_id', req.admin!.merchantId)
      .select('w.*', 'o.external_ref', 'o.status as order_status', 'sf.name as storefront_name');
    if (f.storefrontId) q.where('w.storefront_id', f.storefrontId);
    if (f.orderId) q.where('w.order_id', f.orderId);
    if (f.outcome) q.where('w.outcome', f.outcome);
    await sendList(
      res,
      db,
      'webhook-attempts',
      q,
      params,
      (w: {
        id: string;
        storefront_id: string;
        storefront_name: string;
        order_id: string;
        external_ref: string;
        order_status: string;
        event_type: string;
        url: string;
        outcome: string;
        http_status: number | null;
        error: string | null;
        duration_ms: number;
        created_at: Date;
      }) => ({
        id: w.id,
        storefrontId: w.storefront_id,
        storefrontName: w.storefront_name,
        orderId: w.order_id,
        externalRef: w.external_ref,
        orderStatus: w.order_status,
        eventType: w.event_type,
        url: w.url,
        outcome: w.outcome,
        httpStatus: w.http_status,
        error: w.error,
        durationMs: w.duration_ms,
        createdAt: iso(w.created_at),
      }),
      'w.id',
    );
  });

  router.post('/webhook-attempts/:id/replay', allow('webhook-attempts', 'replay'), async (req, res) => {
    const id = z.uuid().safeParse(req.params.id);
    const attempt = id.success
      ? await db('webhook_attempts as w')
          .join('storefronts as sf', 'sf.id', 'w.storefront_id')
          .where({ 'w.id': id.data, 'sf.merchant_id': req.admin!.merchantId })
          .first('w.order_id')
      : undefined;
    if (!attempt) throw notFound('Webhook attempt');
    res.json(await resendDeliveryWebhook(db, vault, deps.outbound, { orderId: attempt.order_id, merchantId: req.admin!.merchantId, actor: actor(req) }));
  });

  return router;
}
