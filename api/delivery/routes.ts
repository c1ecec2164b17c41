import crypto from 'node:crypto';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import type { Db } from '../../db';
import type { CodeVault } from '../../lib/code-vault';
import { AppError } from '../../lib/errors';
import type { Mailer } from '../../mail/mailer';
import type { SmsSender } from '../../mail/sms';
import { deliveryPageData, openDeliveryLink, revealCode } from '../../orders/buyer-delivery';
import { contactOf, startLookup, verifyLookup } from '../../orders/delivery-lookup';
import type { FulfilmentClient } from '../../orders/fulfilment-client';
import { giftTemplateFor, markGiftOpened } from '../../orders/gifts';
import { deliveryPage, expiredPage, lookupPage, type GiftCard, type PageShell } from './page';
import { pageLanguage, TEXTS } from './texts';

// The buyer's pages, served by the api under /d: the delivery page a link opens (/d/<token>),
// the reveal (a POST: a link followed, prefetched or previewed never shows a code), and the
// lookup (查单) at /d/lookup/<storefront id>. Pages are HTML for people; refusals are pages too,
// with the HTTP status a program would expect.

export interface DeliveryLimits {
  /** Lookups started per client address per 15 minutes. */
  lookupsPerIp: number;
  /** Wrong one-time codes per order (and per address) per 15 minutes before the lookup locks. */
  wrongCodes: number;
  /** Codes shown per link per hour. */
  revealsPerLink: number;
}

export const DEFAULT_DELIVERY_LIMITS: DeliveryLimits = { lookupsPerIp: 10, wrongCodes: 5, revealsPerLink: 60 };
const WINDOW = 15 * 60;

export interface DeliveryDeps {
  db: Db;
  vault: CodeVault;
  fulfilment: FulfilmentClient;
  mailer?: Mailer;
  sms?: SmsSender;
  limits?: DeliveryLimits;
}

const RevealForm = z.object({ unit: z.uuid(), lang: z.string().optional() });
const LookupForm = z.object({ reference: z.string().trim().min(1).max(128), contact: z.string().trim().min(1).max(254), lang: z.string().optional() });
const VerifyForm = z.object({
  challenge: z.uuid(),
  code: z
    .string()
    .trim()
    .regex(/^[0-9]{6}$/),
  lang: z.string().optional(),
});

export function deliveryRouter(deps: DeliveryDeps) {
  const { db, vault, fulfilment } = deps;
  const limits = deps.limits ?? DEFAULT_DELIVERY_LIMITS;
  const limiter = (keyPrefix: string, points: number, duration: number, blockDuration = 0) =>
    new RateLimiterPostgres({ storeClient: db, storeType: 'knex', tableName: 'rate_limits', tableCreated: true, keyPrefix, points, duration, blockDuration });
  const lookupsPerIp = limiter('delivery-lookup-ip', limits.lookupsPerIp, WINDOW);
  // Lockout: past the budget of wrong codes the order (and the address) is blocked for the window.
  const wrongPerOrder = limiter('delivery-wrong-order', limits.wrongCodes, WINDOW, WINDOW);
  const wrongPerIp = limiter('delivery-wrong-ip', limits.wrongCodes * 4, WINDOW, WINDOW);
  const revealsPerLink = limiter('delivery-reveal', limits.revealsPerLink, 3600);

  const router = Router();
  router.use(pageHeaders);
  const form = express.urlencoded({ extended: false, limit: '4kb' });

  const shellOf = (req: Request, res: Response, path: string): PageShell => ({ language: pageLanguage(req), nonce: res.locals.nonce as string, path });

  router.get('/lookup/:storefront', async (req, res) => {
    const path = `/d/lookup/${req.params.storefront}`;
    if (!(await storefrontExists(db, String(req.params.storefront))))
      return void res
        .status(404)
        .type('html')
        .send(expiredPage(shellOf(req, res, path)));
    res.type('html').send(lookupPage(shellOf(req, res, path), { step: 'ask' }));
  });

  router.post('/lookup/:storefront', sameOriginForm, form, async (req, res) => {
    const storefrontId = String(req.params.storefront);
    const path = `/d/lookup/${storefrontId}`;
    const shell = shellOf(req, res, path);
    if (!(await storefrontExists(db, storefrontId))) return void res.status(404).type('html').send(expiredPage(shell));
    const t = TEXTS[shell.language];
    const parsed = LookupForm.safeParse(req.body ?? {});
    const contact = parsed.success ? contactOf(parsed.data.contact) : undefined;
    if (!parsed.success || !contact)
      return void res
        .status(400)
        .type('html')
        .send(lookupPage(shell, { step: 'ask' }, t.badInput));
    const waited = await refused(lookupsPerIp, clientKey(req));
    if (waited) return void locked(res, shell, waited);
    const challengeId = await startLookup(db, deps, { storefrontId, reference: parsed.data.reference, contact, language: shell.language });
    res.type('html').send(lookupPage(shell, { step: 'code', challengeId }));
  });

  router.post('/lookup/:storefront/verify', sameOriginForm, form, async (req, res) => {
    const path = `/d/lookup/${String(req.params.storefront)}`;
    const shell = shellOf(req, res, path);
    const t = TEXTS[shell.language];
    const parsed = VerifyForm.safeParse(req.body ?? {});
    if (!parsed.success)
      return void res
        .status(400)
        .type('html')
        .send(lookupPage(shell, { step: 'ask' }, t.wrongCode));
    const { challenge, code } = parsed.data;
    const challengeRow = await db('delivery_lookup_codes').where({ id: challenge }).first('order_id');
    // A made-up challenge counts against itself, so it locks like a real one.
    const orderKey = challengeRow?.order_id ?? challenge;
    const blocked = Math.max(await blockedFor(wrongPerOrder, orderKey), await blockedFor(wrongPerIp, clientKey(req)));
    if (blocked > 0) return void locked(res, shell, blocked);
    const outcome = await verifyLookup(db, challenge, code);
    if (outcome.kind === 'verified') {
      await wrongPerOrder.delete(orderKey);
      return void res.redirect(303, `${outcome.link.path}?lang=${shell.language}`);
    }
    const waits = await Promise.all([countWrong(wrongPerOrder, orderKey), countWrong(wrongPerIp, clientKey(req))]);
    const wait = Math.max(...waits);
    if (wait > 0) return void locked(res, shell, wait);
    res
      .status(400)
      .type('html')
      .send(lookupPage(shell, { step: 'code', challengeId: challenge }, t.wrongCode));
  });

  router.get('/:token', async (req, res) => {
    const token = String(req.params.token);
    const path = `/d/${token}`;
    const shell = shellOf(req, res, path);
    const link = await openDeliveryLink(db, token);
    const data = link && (await deliveryPageData(db, link.order_id, shell.language));
    if (!link || !data) return void res.status(404).type('html').send(expiredPage(shell));
    let gift: GiftCard | undefined;
    if (link.gift_id) {
      gift = await giftCard(db, link.gift_id);
      // The first opening by the recipient is the sender's news.
      if (await markGiftOpened(db, link.gift_id)) await fulfilment.giftOpened(link.gift_id);
    }
    res.type('html').send(deliveryPage(shell, data, { gift }));
  });

  router.post('/:token/reveal', sameOriginForm, form, async (req, res) => {
    const token = String(req.params.token);
    const path = `/d/${token}`;
    const shell = shellOf(req, res, path);
    const link = await openDeliveryLink(db, token);
    if (!link) return void res.status(404).type('html').send(expiredPage(shell));
    const parsed = RevealForm.safeParse(req.body ?? {});
    if (!parsed.success) throw new AppError('invalid_input', 'validation_failed', 'Say which unit to reveal');
    const waited = await refused(revealsPerLink, link.id);
    if (waited) return void locked(res, shell, waited);
    const code = await revealCode(db, vault, link, parsed.data.unit, { ip: req.ip });
    const data = await deliveryPageData(db, link.order_id, shell.language);
    const gift = link.gift_id ? await giftCard(db, link.gift_id) : undefined;
    res.type('html').send(deliveryPage(shell, data!, { gift, revealed: { unitId: parsed.data.unit, code } }));
  });

  return router;
}

/** Every page: nothing cached, no referrer (the URL holds the token), no framing, only its own nonce'd style and script. */
const pageHeaders: RequestHandler = (_req, res, next) => {
  const nonce = crypto.randomBytes(16).toString('base64');
  res.locals.nonce = nonce;
  res.set({
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  });
  next();
};

/**
 * Forms post here, so the console's JSON-only rule cannot apply; a browser's own word on where
 * the request came from (Sec-Fetch-Site, else Origin) must say this site. (The reveal also needs
 * the link's token in its path, which a forging page does not have.)
 */
const sameOriginForm: RequestHandler = (req, _res, next) => {
  const site = req.get('sec-fetch-site');
  const origin = req.get('origin');
  const fromHere = site !== undefined ? site === 'same-origin' || site === 'none' : origin === undefined || safeHost(origin) === req.get('host');
  if (!fromHere) throw new AppError('forbidden', 'cross_origin_refused', 'This request came from a page on another origin');
  next();
};

function safeHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

const clientKey = (req: Request) => req.ip ?? 'unknown';

/** Takes a point; the seconds to wait when there was none left (0 when it went through). */
async function refused(limiter: RateLimiterPostgres, key: string): Promise<number> {
  try {
    await limiter.consume(key);
    return 0;
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
    return Math.max(1, Math.ceil(err.msBeforeNext / 1000));
  }
}

/** Counts a wrong code; the one that uses up the budget locks the key for a whole window (answers its seconds, else 0). */
async function countWrong(limiter: RateLimiterPostgres, key: string): Promise<number> {
  const left = await refused(limiter, key);
  if (left > 0) return left;
  const r = await limiter.get(key);
  if (!r || r.consumedPoints < limiter.points) return 0;
  await limiter.block(key, WINDOW);
  return WINDOW;
}

/** Seconds a key is still blocked for (0 if not). */
async function blockedFor(limiter: RateLimiterPostgres, key: string): Promise<number> {
  const r = await limiter.get(key);
  return r && r.consumedPoints >= limiter.points ? Math.max(1, Math.ceil(r.msBeforeNext / 1000)) : 0;
}

function locked(res: Response, shell: PageShell, seconds: number) {
  const t = TEXTS[shell.language];
  res.set('Retry-After', String(seconds));
  res
    .status(429)
    .type('html')
    .send(lookupPage(shell, { step: 'ask' }, t.locked.replace('%{minutes}', String(Math.ceil(seconds / 60)))));
}

async function storefrontExists(db: Db, id: string): Promise<boolean> {
  if (!z.uuid().safeParse(id).success) return false;
  return (await db('storefronts').where({ id }).first('id')) !== undefined;
}

async function giftCard(db: Db, giftId: string): Promise<GiftCard | undefined> {
  const g = await giftTemplateFor(db, giftId);
  return g && { imageUrl: g.image_url, templateName: g.template_name, senderName: g.sender_name, recipientName: g.recipient_name, message: g.message };
}
