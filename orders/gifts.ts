import crypto from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../db';
import type { GiftRow } from '../db/tables';
import type { CodeVault } from '../lib/code-vault';
import { conflict, invalidInput, notFound } from '../lib/errors';
import { coded, fieldProblem } from '../lib/field-codes';
import { phoneNumber } from '../lib/phone-number';
import { MailNotSent, type Mailer } from '../mail/mailer';
import type { SmsSender } from '../mail/sms';
import { openCode, type CodeSecret } from '../stock/code-secret';
import { GIFT_LINK_DAYS, issueDeliveryLink, LANGUAGES } from './buyer-delivery';
import { appendEvent } from './events';
import type { FulfilmentClient } from './fulfilment-client';
import { onItsWay } from './lifecycle';

// E-gift cards (电子贺卡): the buyer picks one of the merchant's designs, writes a message, names
// the recipient (email or phone) and may choose when it arrives. The gift workflow
// (workflows/deliver-gift.ts) waits until then and calls sendGift, which mails (or texts) the
// recipient a link to the gift page; the code itself goes in the email only if the merchant
// turned that on for the SKU. When the recipient first opens the page the sender is told.

const MAX_SCHEDULE_DAYS = 366;

export const GiftRequestSchema = z
  .object({
    templateId: z.uuid(),
    language: z.enum(LANGUAGES as ['en', 'zh']).default('zh'),
    message: z.string().trim().max(500).default(''),
    sender: z.object({ name: z.string().trim().min(1).max(100), email: z.email().max(254).optional() }).strict(),
    recipient: z
      .object({
        name: z.string().trim().min(1).max(100),
        email: z.email().max(254).optional(),
        phone: phoneNumber.optional(),
      })
      .strict()
      .refine((r) => r.email !== undefined || r.phone !== undefined, coded('email_or_phone', 'give the recipient an email or a phone')),
    /** When the gift arrives (ISO-8601); now when left out. */
    deliverAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export type GiftRequest = z.infer<typeof GiftRequestSchema>;

export const GiftViewSchema = z
  .object({
    id: z.uuid(),
    orderId: z.uuid(),
    templateId: z.uuid(),
    language: z.string(),
    status: z.enum(['scheduled', 'sent', 'bounced']),
    deliverAt: z.string(),
    sentAt: z.string().nullable(),
    openedAt: z.string().nullable(),
    bounce: z.string().nullable().meta({ description: 'Why it could not be delivered (smtp_550, retries_exhausted, ...)' }),
    recipient: z.object({ name: z.string(), email: z.string().optional(), phone: z.string().optional() }),
    sender: z.object({ name: z.string(), email: z.string().optional() }),
    message: z.string(),
  })
  .meta({ id: 'Gift' });

export const GiftTemplateListSchema = z.object({ data: z.array(z.object({ id: z.uuid(), name: z.string(), imageUrl: z.string() })) }).meta({ id: 'GiftTemplateList' });

export function giftJson(g: GiftRow): z.infer<typeof GiftViewSchema> {
  return {
    id: g.id,
    orderId: g.order_id,
    templateId: g.template_id,
    language: g.language,
    status: g.status,
    deliverAt: g.deliver_at.toISOString(),
    sentAt: g.sent_at?.toISOString() ?? null,
    openedAt: g.opened_at?.toISOString() ?? null,
    bounce: g.bounce,
    recipient: { name: g.recipient_name, email: g.recipient_email ?? undefined, phone: g.recipient_phone ?? undefined },
    sender: { name: g.sender_name, email: g.sender_email ?? undefined },
    message: g.message,
  };
}

/** Makes the order a gift. One gift per order: a repeat of the same order answers the gift it has. */
export async function createGift(db: Db, order: { id: string; merchant_id: string; status: string }, req: GiftRequest): Promise<{ gift: GiftRow; created: boolean }> {
  const existing = await db('gifts').where({ order_id: order.id }).first();
  if (existing) return { gift: existing, created: false };
  if (!onItsWay(order.status) && order.status !== 'delivered') throw conflict('gift_order_closed', `The order is ${order.status}; it cannot be sent as a gift`);
  const template = await db('gift_templates').where({ id: req.templateId, merchant_id: order.merchant_id, active: true }).first('id');
  if (!template)
    throw invalidInput('unknown_gift_template', 'No active gift design has this id', {
      fields: [{ path: 'templateId', ...fieldProblem('unknown_gift_design', 'No active gift design has this id') }],
    });
  const deliverAt = req.deliverAt ? new Date(req.deliverAt) : new Date();
  if (deliverAt.getTime() > Date.now() + MAX_SCHEDULE_DAYS * 86_400_000) {
    throw invalidInput('validation_failed', 'The request body is invalid', {
      fields: [{ path: 'deliverAt', ...fieldProblem('schedule_too_far', `At most ${MAX_SCHEDULE_DAYS} days ahead`, { days: MAX_SCHEDULE_DAYS }) }],
    });
  }
  const id = crypto.randomUUID();
  await db.transaction(async (trx) => {
    await trx('gifts').insert({
      id,
      merchant_id: order.merchant_id,
      order_id: order.id,
      template_id: req.templateId,
      language: req.language,
      sender_name: req.sender.name,
      sender_email: req.sender.email ?? null,
      message: req.message,
      recipient_name: req.recipient.name,
      recipient_email: req.recipient.email ?? null,
      recipient_phone: req.recipient.phone ?? null,
      deliver_at: deliverAt,
    });
    await appendEvent(trx, order.id, 'gift_scheduled', { giftId: id, deliverAt: deliverAt.toISOString(), channel: req.recipient.email ? 'email' : 'sms' });
  });
  const gift = await db('gifts').where({ id }).first();
  if (!gift) throw notFound('Gift');
  return { gift, created: true };
}

/**
 * Starts the gift's workflow and records that it started. The row is written first (createGift),
 * so a start lost in between (the api died, Temporal did not answer) leaves workflow_started_at
 * null, and the worker's reconciler (worker/reconciler.ts) calls this again. Starting is
 * idempotent (workflow id `gift-<id>`, a finished one is never revived), so a repeat, from the
 * storefront or the reconciler, starts nothing twice. Throws when Temporal does not answer.
 */
export async function startGiftWorkflow(db: Db, fulfilment: Pick<FulfilmentClient, 'startGift'>, giftId: string): Promise<void> {
  await fulfilment.startGift(giftId);
  await db('gifts').where({ id: giftId }).whereNull('workflow_started_at').update({ workflow_started_at: new Date() });
}

/** Gifts written more than `graceSeconds` ago whose workflow's start was never confirmed, oldest first. */
export async function giftsWithoutWorkflow(db: Db, graceSeconds: number, limit: number): Promise<string[]> {
  return db('gifts')
    .whereNull('workflow_started_at')
    .andWhere('created_at', '<', db.raw(`now() - make_interval(secs => ?)`, [graceSeconds]))
    .orderBy('created_at')
    .limit(limit)
    .pluck('id');
}

export interface GiftSenders {
  mailer?: Mailer;
  sms?: SmsSender;
  /** The api's public address: the gift page's link starts with it. */
  publicBaseUrl: string;
}

export type GiftSendOutcome = { outcome: 'sent' | 'bounced' | 'order_closed' };

/** Thrown while the order is still on its way: the workflow's retries wait for its delivery. */
export class GiftOrderNotDelivered extends Error {
  constructor(status: string) {
    super(`the gift's order is ${status}, not delivered yet`);
    this.name = 'GiftOrderNotDelivered';
  }
}

/**
 * Sends the gift: once per gift (a repeat after success answers 'sent'). A refused recipient (a
 * bounce) is recorded and final; anything else is thrown for the workflow to retry. Only the
 * outcome goes back to the workflow: the link and any code stay in this activity.
 */
export async function sendGift(db: Db, vault: CodeVault, senders: GiftSenders, giftId: string): Promise<GiftSendOutcome> {
  const gift = await db('gifts').where({ id: giftId }).first();
  if (!gift) throw notFound('Gift');
  if (gift.status === 'sent') return { outcome: 'sent' };
  if (gift.status === 'bounced') return { outcome: 'bounced' };
  const order = await db('orders').where({ id: gift.order_id }).first('id', 'merchant_id', 'status');
  if (!order) throw notFound('Order');
  if (order.status !== 'delivered') {
    if (onItsWay(order.status)) throw new GiftOrderNotDelivered(order.status);
    return { outcome: 'order_closed' };
  }
  const link = await issueDeliveryLink(db, order, 'gift', GIFT_LINK_DAYS * 24 * 60, gift.id);
  const url = `${senders.publicBaseUrl}${link.path}`;
  const codes = await codesForEmail(db, vault, order.id);
  const zh = gift.language === 'zh';
  try {
    if (gift.recipient_email) {
      if (!senders.mailer) return await recordBounce(db, gift, 'mail_not_configured');
      const lines = [
        zh ? `${gift.recipient_name}，您好：` : `Dear ${gift.recipient_name},`,
        '',
        zh ? `${gift.sender_name} 送给您一份礼物。` : `${gift.sender_name} has sent you a gift.`,
        ...(gift.message ? ['', gift.message] : []),
        '',
        zh ? `打开礼物：${url}` : `Open your gift: ${url}`,
        ...(codes.length ? ['', zh ? '卡密：' : 'Your code:', ...codes.map(codeLine)] : []),
      ];
      await senders.mailer.send({ to: gift.recipient_email, subject: zh ? `${gift.sender_name} 送您一份礼物` : `A gift from ${gift.sender_name}`, text: lines.join('\n') });
    } else {
      if (!senders.sms) return await recordBounce(db, gift, 'sms_not_configured');
      await senders.sms.send(gift.recipient_phone!, zh ? `${gift.sender_name} 送您一份礼物：${url}` : `${gift.sender_name} sent you a gift: ${url}`);
    }
  } catch (err) {
    if (err instanceof MailNotSent && err.permanent) return recordBounce(db, gift, `smtp_${err.responseCode}`);
    throw err;
  }
  await db.transaction(async (trx) => {
    await trx('gifts').where({ id: gift.id }).update({ status: 'sent', sent_at: new Date() });
    await appendEvent(trx, order.id, 'gift_sent', { giftId: gift.id, channel: gift.recipient_email ? 'email' : 'sms', codesInEmail: codes.length });
  });
  return { outcome: 'sent' };
}

const codeLine = (c: CodeSecret) => [c.number, c.pin && `PIN ${c.pin}`, c.url].filter(Boolean).join('  ');

/** The order's codes, only for SKUs whose merchant chose to mail codes (skus.code_in_email). */
async function codesForEmail(db: Db, vault: CodeVault, orderId: string): Promise<CodeSecret[]> {
  const rows = await db('order_units as u')
    .join('codes as c', 'c.unit_id', 'u.id')
    .join('order_items as i', 'i.id', 'u.order_item_id')
    .join('skus as s', 's.id', 'i.sku_id')
    .where({ 'u.order_id': orderId, 'u.status': 'delivered', 's.code_in_email': true })
    .orderBy(['u.order_item_id', 'u.seq'])
    .select<{ id: string; key_id: string; secret: Buffer }[]>('c.id', 'c.key_id', 'c.secret');
  return rows.map((r) => openCode(vault, r));
}

/** The workflow gave up retrying: recorded like a bounce, so the gift does not look pending for ever. */
export async function recordGiftNotSent(db: Db, giftId: string): Promise<void> {
  const gift = await db('gifts').where({ id: giftId }).first();
  if (gift && gift.status === 'scheduled') await recordBounce(db, gift, 'retries_exhausted');
}

async function recordBounce(db: Db, gift: GiftRow, reason: string): Promise<GiftSendOutcome> {
  await db.transaction(async (trx) => {
    await trx('gifts').where({ id: gift.id }).update({ status: 'bounced', bounce: reason });
    await appendEvent(trx, gift.order_id, 'gift_bounced', { giftId: gift.id, reason });
  });
  return { outcome: 'bounced' };
}

/** When the gift is due: the workflow's timer runs until then. */
export async function giftSchedule(db: Db, giftId: string): Promise<{ deliverAt: string }> {
  const gift = await db('gifts').where({ id: giftId }).first('deliver_at');
  if (!gift) throw notFound('Gift');
  return { deliverAt: gift.deliver_at.toISOString() };
}

/** The recipient opened the gift page: true the first time only. */
export async function markGiftOpened(db: Db, giftId: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    const [row] = await trx('gifts').where({ id: giftId }).whereNull('opened_at').update({ opened_at: new Date() }).returning(['order_id']);
    if (!row) return false;
    await appendEvent(trx, row.order_id, 'gift_opened', { giftId });
    return true;
  });
}

/** Tells the sender (by email, when they gave one) that the recipient opened the gift; once. */
export async function tellSenderGiftOpened(db: Db, mailer: Mailer | undefined, giftId: string): Promise<{ told: boolean }> {
  const gift = await db('gifts').where({ id: giftId }).first();
  if (!gift || gift.sender_told_at || !gift.sender_email || !mailer) return { told: false };
  const zh = gift.language === 'zh';
  try {
    await mailer.send({
      to: gift.sender_email,
      subject: zh ? `${gift.recipient_name} 已打开您的礼物` : `${gift.recipient_name} opened your gift`,
      text: zh
        ? `${gift.recipient_name} 已于 ${gift.opened_at?.toISOString()} 打开您送的礼物。`
        : `${gift.recipient_name} opened the gift you sent at ${gift.opened_at?.toISOString()}.`,
    });
  } catch (err) {
    if (err instanceof MailNotSent && err.permanent) return { told: false };
    throw err;
  }
  await db('gifts').where({ id: giftId }).update({ sender_told_at: new Date() });
  return { told: true };
}

export async function giftTemplateFor(db: Db, giftId: string) {
  return db('gifts as g')
    .join('gift_templates as t', 't.id', 'g.template_id')
    .where('g.id', giftId)
    .first<{ image_url: string; template_name: string; sender_name: string; recipient_name: string; message: string; opened_at: Date | null } | undefined>(
      't.image_url',
      't.name as template_name',
      'g.sender_name',
      'g.recipient_name',
      'g.message',
      'g.opened_at',
    );
}
