import crypto from 'node:crypto';

// The Fulu (福禄) open platform's envelope, signature and card cipher, as its public document and
// its published SDKs describe them (docs/INTEROP.md names the versions). One place for both the
// adapter and the simulator; test/fulu-contract.test.ts checks it against an independent reading
// of the same document and the document's own cipher example.
//
// - Every call is POST <gateway> with a JSON body of common parameters (app_key, method,
//   timestamp "yyyy-MM-dd HH:mm:ss", version "2.0", format "json", charset "utf-8", sign_type
//   "md5", app_auth_token "") plus biz_content, the business parameters as a JSON *string*.
// - sign: the JSON of those parameters (sign left out), its characters sorted, the app secret
//   appended, MD5, lower-case hex. The answer { code, message, result, sign } signs `result` (a
//   JSON string) the same way.
// - Card numbers and passwords come back AES-256-ECB encrypted (PKCS#7), base64, keyed by the
//   app secret's bytes.

export const FULU_METHODS = {
  goodsInfo: 'fulu.goods.info.get',
  cardOrder: 'fulu.order.card.add',
  directOrder: 'fulu.order.direct.add',
  orderInfo: 'fulu.order.info.get',
  userInfo: 'fulu.user.info.get',
} as const;

/**
 * The answer codes Cardflow acts on. 0 is the document's success. The others are not in any
 * public document we could store (docs/INTEROP.md): they are named here once, the simulator
 * answers them, and the adapter treats every other non-zero code as "outcome unknown, ask by
 * customer_order_no" — so a code we have wrong can delay an order but never buy it twice.
 * The opt-in sandbox test checks the not-found code against Fulu's sandbox.
 */
export const FULU_CODES = {
  ok: 0,
  badSign: 1001,
  orderNotFound: 2009,
  duplicateOrderNo: 2010,
  productNotFound: 2001,
  productOffSale: 2002,
  outOfStock: 2003,
  insufficientBalance: 2004,
  invalidAccount: 2005,
  systemBusy: 9999,
} as const;

export interface FuluEnvelope {
  app_key: string;
  method: string;
  timestamp: string;
  version: string;
  format: string;
  charset: string;
  sign_type: string;
  app_auth_token: string;
  biz_content: string;
  sign?: string;
}

export interface FuluAnswer {
  code?: unknown;
  message?: unknown;
  result?: unknown;
  sign?: unknown;
}

/** MD5 over the text's characters in sorted order, then the secret (the document's rule). */
export function fuluSignText(text: string, secret: string): string {
  const sorted = Array.from(text).sort().join('');
  return crypto
    .createHash('md5')
    .update(sorted + secret, 'utf8')
    .digest('hex');
}

export function signEnvelope(params: Omit<FuluEnvelope, 'sign'>, secret: string): string {
  return fuluSignText(JSON.stringify(params), secret);
}

/** A request or a notification: its parameters without `sign`, signed by the rule above. */
export function verifySigned(body: Record<string, unknown>, secret: string): boolean {
  const { sign, ...rest } = body;
  if (typeof sign !== 'string') return false;
  const expected = fuluSignText(JSON.stringify(rest), secret);
  return expected.length === sign.length && crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(sign));
}

/** Beijing time, as the platform writes it. */
export function fuluTimestamp(at = new Date()): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
}

export function envelope(appKey: string, secret: string, method: string, biz: Record<string, unknown>, at = new Date()): FuluEnvelope {
  const params = {
    app_key: appKey,
    method,
    timestamp: fuluTimestamp(at),
    version: '2.0',
    format: 'json',
    charset: 'utf-8',
    sign_type: 'md5',
    app_auth_token: '',
    biz_content: JSON.stringify(biz),
  };
  return { ...params, sign: signEnvelope(params, secret) };
}

function cardKey(secret: string): Buffer {
  const key = Buffer.from(secret, 'utf8');
  if (key.length !== 32) throw new Error('a Fulu app secret is 32 characters');
  return key;
}

export function decryptCardField(secret: string, encrypted: string): string {
  const decipher = crypto.createDecipheriv('aes-256-ecb', cardKey(secret), null);
  return Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()])
    .toString('utf8')
    .trim();
}

export function encryptCardField(secret: string, plain: string): string {
  const cipher = crypto.createCipheriv('aes-256-ecb', cardKey(secret), null);
  return Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]).toString('base64');
}
