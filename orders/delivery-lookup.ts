import crypto from 'node:crypto';
import type { Db } from '../db';
import type { Mailer } from '../mail/mailer';
import type { SmsSender } from '../mail/sms';
import { hashToken } from '../lib/tokens';
import { issueDeliveryLink, type IssuedLink, type Language } from './buyer-delivery';
import { appendEvent } from './events';

// 查单: a buyer without their link finds the order by the storefront's order reference plus the
// email or phone the order was placed with, and proves it by a one-time code sent there. The
// answer never says whether the order exists or the contact matched (a stranger learns nothing by
// trying); a verified buyer gets a fresh, short link. Counting attempts and locking out is the
// caller's (api/delivery/routes.ts, with the shared rate limiter); a code also dies after
// MAX_CODE_ATTEMPTS wrong guesses or CODE_MINUTES.

export const CODE_MINUTES = 10;
export const MAX_CODE_ATTEMPTS = 5;
/** A verified buyer's link: long enough to read and copy, short enough not to be a standing key. */
export const LOOKUP_LINK_MINUTES = 60;

export type Contact = { email: string } | { phone: string };

export function contactOf(text: string): Contact | undefined {
  const t = text.trim();
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(t) && t.length <= 254) return { email: t.toLowerCase() };
  const digits = t.replace(/[\s()-]/g, '');
  if (/^\+?[0-9]{5,20}$/.test(digits)) return { phone: digits };
  return undefined;
}

const samePhone = (a: string, b: string) => a.replace(/[^0-9]/g, '').replace(/^0+/, '') === b.replace(/[^0-9]/g, '').replace(/^0+/, '');

export interface LookupSenders {
  mailer?: Mailer;
  sms?: SmsSender;
}

/**
 * Sends a one-time code when the reference and contact name an order of this storefront; answers
 * a challenge id either way (a made-up one when nothing matched), so both cases look alike.
 */
export async function startLookup(db: Db, senders: LookupSenders, q: { storefrontId: string; reference: string; contact: Contact; language: Language }): Promise<string> {
  const order = await db('orders').where({ storefront_id: q.storefrontId, external_ref: q.reference }).first('id', 'buyer');
  const buyer = (order?.buyer ?? {}) as { email?: string; phone?: string };
  const matches = order && ('email' in q.contact ? buyer.email?.toLowerCase() === q.contact.email : buyer.phone !== undefined && samePhone(buyer.phone, q.contact.phone));
  const challengeId = crypto.randomUUID();
  if (!order || !matches) return challengeId;

  const code = String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
  const channel = 'email' in q.contact ? 'email' : 'sms';
  const text =
    q.language === 'zh'
      ? `您的查单验证码是 ${code}，${CODE_MINUTES} 分钟内有效。如非本人操作，请忽略。`
      : `Your order lookup code is ${code}. It is valid for ${CODE_MINUTES} minutes. If you did not ask for it, ignore this message.`;
  // A channel that is not set up sends nothing, and the answer still looks the same.
  if (channel === 'email' && !senders.mailer) return challengeId;
  if (channel === 'sms' && !senders.sms) return challengeId;
  await db('delivery_lookup_codes').insert({
    id: challengeId,
    order_id: order.id,
    channel,
    code_hash: hashToken(`${challengeId}:${code}`),
    expires_at: new Date(Date.now() + CODE_MINUTES * 60_000),
  });
  if ('email' in q.contact) await senders.mailer!.send({ to: q.contact.email, subject: q.language === 'zh' ? '查单验证码' : 'Your order lookup code', text });
  else await senders.sms!.send(q.contact.phone, text);
  await appendEvent(db, order.id, 'lookup_code_sent', { channel });
  return challengeId;
}

export type LookupOutcome = { kind: 'verified'; orderId: string; link: IssuedLink } | { kind: 'wrong'; orderId?: string };

/** Checks a one-time code; right, it is used up and the buyer gets a link. */
export async function verifyLookup(db: Db, challengeId: string, code: string): Promise<LookupOutcome> {
  return db.transaction(async (trx) => {
    const challenge = await trx('delivery_lookup_codes').where({ id: challengeId }).forUpdate().first();
    if (!challenge || challenge.used_at || challenge.expires_at.getTime() <= Date.now() || challenge.failed_attempts >= MAX_CODE_ATTEMPTS) {
      return { kind: 'wrong', orderId: challenge?.order_id };
    }
    const given = hashToken(`${challengeId}:${code.trim()}`);
    if (!crypto.timingSafeEqual(Buffer.from(given), Buffer.from(challenge.code_hash))) {
      await trx('delivery_lookup_codes').where({ id: challengeId }).increment('failed_attempts', 1);
      return { kind: 'wrong', orderId: challenge.order_id };
    }
    await trx('delivery_lookup_codes').where({ id: challengeId }).update({ used_at: new Date() });
    const order = await trx('orders').where({ id: challenge.order_id }).first('id', 'merchant_id');
    const link = await issueDeliveryLink(trx, order!, 'lookup', LOOKUP_LINK_MINUTES);
    return { kind: 'verified', orderId: challenge.order_id, link };
  });
}
