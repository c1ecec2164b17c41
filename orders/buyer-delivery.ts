import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Db } from '../db';
import type { DeliveryLinkRow } from '../db/tables';
import { recordAudit } from '../lib/audit';
import type { CodeVault } from '../lib/code-vault';
import { conflict } from '../lib/errors';
import { hashToken } from '../lib/tokens';
import { openCode, type CodeSecret } from '../stock/code-secret';
import { appendEvent } from './events';

// The buyer's own delivery page (/d/<token>): who may open it, what it shows, and the one way a
// code leaves the vault for a buyer (revealCode). A link is 256 random bits, stored only as its
// hash, with an expiry; whoever holds an unexpired link is the buyer (or the gift's recipient).
// The page lists the units without their codes; each code is decrypted only when its holder asks
// for it (a POST), and every such reveal is an order event and an audit row.

export type Language = 'en' | 'zh';
export const LANGUAGES: readonly Language[] = ['en', 'zh'];

/** A link the storefront hands out lives this long unless it asks otherwise (at most MAX). */
export const DEFAULT_LINK_MINUTES = 7 * 24 * 60;
export const MAX_LINK_MINUTES = 30 * 24 * 60;
/** A gift's link, mailed to its recipient, lasts longer: a card may sit unread for weeks. */
export const GIFT_LINK_DAYS = 90;

/** What a storefront may ask of a link: how long it lives. */
export const DeliveryLinkRequestSchema = z.object({ expiresInMinutes: z.number().int().min(5).max(MAX_LINK_MINUTES).default(DEFAULT_LINK_MINUTES) }).strict();

export const DeliveryLinkSchema = z
  .object({
    url: z.string().meta({ description: "The buyer's delivery page; the token in it is shown only here" }),
    expiresAt: z.string(),
  })
  .meta({ id: 'DeliveryLink' });

export interface IssuedLink {
  /** The path of the page, token included: shown once, never stored. */
  path: string;
  expiresAt: Date;
}

export async function issueDeliveryLink(
  db: Db | Knex.Transaction,
  order: { id: string; merchant_id: string },
  issuedFor: DeliveryLinkRow['issued_for'],
  minutes: number,
  giftId?: string,
): Promise<IssuedLink> {
  const token = crypto.randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + minutes * 60_000);
  await db('delivery_links').insert({
    id: crypto.randomUUID(),
    merchant_id: order.merchant_id,
    order_id: order.id,
    token_hash: hashToken(token),
    issued_for: issuedFor,
    gift_id: giftId ?? null,
    expires_at: expiresAt,
  });
  // The event says a link exists and until when; never the token.
  await appendEvent(db, order.id, 'delivery_link_issued', { issuedFor, expiresAt: expiresAt.toISOString() });
  return { path: `/d/${token}`, expiresAt };
}

/** The link a token opens, if it exists and has not expired. Expired and unknown look the same to the caller. */
export async function openDeliveryLink(db: Db, token: string): Promise<DeliveryLinkRow | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const link = await db('delivery_links')
    .where({ token_hash: hashToken(token) })
    .first();
  if (!link || link.expires_at.getTime() <= Date.now()) return undefined;
  return link;
}

export interface DeliveryUnit {
  id: string;
  status: string;
  /** A delivered unit with a code: the page offers to reveal it. */
  hasCode: boolean;
  expiresAt: Date | null;
  /** A delivered top-up's account. */
  toppedUpAccount?: string;
}

export interface DeliveryItem {
  sku: string;
  name: string;
  quantity: number;
  /** Usage instructions in the page's language, else the other one; empty when the merchant wrote none. */
  instructions: string;
  units: DeliveryUnit[];
}

export interface DeliveryPageData {
  orderId: string;
  externalRef: string;
  status: string;
  items: DeliveryItem[];
}

/** What the page shows: the order's items and units, no code. */
export async function deliveryPageData(db: Db, orderId: string, language: Language): Promise<DeliveryPageData | undefined> {
  const order = await db('orders').where({ id: orderId }).first('id', 'external_ref', 'status');
  if (!order) return undefined;
  const items = await db('order_items as i')
    .join('skus as s', 's.id', 'i.sku_id')
    .where('i.order_id', orderId)
    .orderBy('s.code')
    .select<{ id: string; quantity: number; code: string; name: string; usage_instructions: Record<string, string> | null }[]>(
      'i.id',
      'i.quantity',
      's.code',
      's.name',
      's.usage_instructions',
    );
  const units = await db('order_units as u')
    .leftJoin('codes as c', 'c.unit_id', 'u.id')
    .where('u.order_id', orderId)
    .orderBy(['u.order_item_id', 'u.seq'])
    .select<{ id: string; order_item_id: string; status: string; code_id: string | null; expires_at: Date | null; receipt: { account?: string } | null }[]>(
      'u.id',
      'u.order_item_id',
      'u.status',
      'c.id as code_id',
      'c.expires_at',
      'u.receipt',
    );
  return {
    orderId: order.id,
    externalRef: order.external_ref,
    status: order.status === 'needs_attention' ? 'processing' : order.status,
    items: items.map((i) => ({
      sku: i.code,
      name: i.name,
      quantity: i.quantity,
      instructions: instructionsIn(i.usage_instructions, language),
      units: units
        .filter((u) => u.order_item_id === i.id)
        .map((u) => ({
          id: u.id,
          status: u.status,
          hasCode: u.status === 'delivered' && u.code_id !== null,
          expiresAt: u.expires_at,
          toppedUpAccount: u.status === 'delivered' && u.receipt?.account ? u.receipt.account : undefined,
        })),
    })),
  };
}

function instructionsIn(all: Record<string, string> | null, language: Language): string {
  const other: Language = language === 'zh' ? 'en' : 'zh';
  return all?.[language]?.trim() || all?.[other]?.trim() || '';
}

/**
 * The code of one delivered unit of the link's order, decrypted for its holder, with the reveal
 * recorded in the same transaction (order event + audit row). A unit of another order, or one
 * not delivered, is refused the same way.
 */
export async function revealCode(db: Db, vault: CodeVault, link: DeliveryLinkRow, unitId: string, requester: { ip?: string }): Promise<CodeSecret> {
  return db.transaction(async (trx) => {
    const row = await trx('order_units as u')
      .join('codes as c', 'c.unit_id', 'u.id')
      .where({ 'u.id': unitId, 'u.order_id': link.order_id, 'u.status': 'delivered' })
      .first<{ id: string; key_id: string; secret: Buffer } | undefined>('c.id', 'c.key_id', 'c.secret');
    if (!row) throw conflict('nothing_to_reveal', 'This unit has no delivered code to show');
    const detail = { unitId, via: link.issued_for, linkId: link.id };
    await appendEvent(trx, link.order_id, 'code_revealed', detail);
    await recordAudit(trx, {
      merchantId: link.merchant_id,
      actor: `buyer:${link.issued_for}`,
      action: 'code.revealed_to_buyer',
      target: `order:${link.order_id}`,
      detail: { ...detail, ip: requester.ip },
    });
    return openCode(vault, row);
  });
}
