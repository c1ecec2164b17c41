import crypto from 'node:crypto';
import { z } from 'zod';
import { SimError } from './errors';
import { encryptCardField } from './signing';
import type { SimOrder, SimPartner, SimProduct, SimWorld } from './state';

// The wholesaler's business rules for one order, in the order a real one checks them.
// Nothing here touches HTTP; server.ts turns these into answers.

// Strict: a misspelt field (say `maxPrice`) would otherwise silently switch the price guard off.
export const PlaceOrderRequest = z.strictObject({
  // Used in GET /v1/orders/:reference, so kept to characters that need no escaping.
  reference: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'must be 1-100 of A-Z a-z 0-9 _ . : -'),
  product: z.string().min(1).max(64),
  maxUnitPrice: z.number().int().nonnegative().optional(),
  account: z.string().min(1).max(64).optional(),
  /** For custom face value products: the amount to top up or load, in minor units. */
  faceValue: z.number().int().positive().optional(),
  callbackUrl: z.url({ protocol: /^https?$/ }).optional(),
});
export type PlaceOrderRequest = z.infer<typeof PlaceOrderRequest>;

export const ValidateAccountRequest = z.strictObject({
  product: z.string().min(1).max(64),
  account: z.string().min(1).max(64),
});

/** The simulator's stand-in for asking the game's server whether an account exists. */
export function accountProblem(account: string): { reason: string; message: string } | null {
  if (account.startsWith('0')) return { reason: 'malformed', message: 'account ids never start with 0' };
  if (account.toLowerCase().includes('bad')) return { reason: 'not_found', message: 'no player account with that id' };
  return null;
}

/** A product's price: fixed, or for a custom face value product a rate of the face value asked for. */
function priceOf(product: SimProduct, faceValue: number | undefined): number {
  const custom = product.customFaceValue;
  if (!custom) {
    if (faceValue !== undefined) throw new SimError(400, 'invalid_denomination', `product "${product.product}" has a fixed face value`);
    return product.unitPrice;
  }
  if (faceValue === undefined || faceValue < custom.min || faceValue > custom.max) {
    throw new SimError(400, 'invalid_denomination', `product "${product.product}" takes a faceValue from ${custom.min} to ${custom.max}`);
  }
  return Math.floor((faceValue * custom.priceRateBp + 5_000) / 10_000);
}

export function findProduct(world: SimWorld, partner: SimPartner, id: string): SimProduct {
  const product = world.products.get(id);
  if (!product) throw new SimError(400, 'invalid_denomination', `no product "${id}" in the catalogue`);
  if (product.currency !== partner.currency) {
    throw new SimError(400, 'invalid_denomination', `product "${id}" is priced in ${product.currency}; this account pays in ${partner.currency}`);
  }
  return product;
}

/**
 * Buys one unit. A repeated reference returns the original order and charges nothing
 * (`committed: false`); anything refused throws a SimError and changes nothing.
 * Async products come back `processing`: the caller schedules completeOrder.
 */
export function placeOrder(world: SimWorld, partner: SimPartner, request: PlaceOrderRequest, now: number): { order: SimOrder; committed: boolean } {
  const existing = world.findOrder(partner.id, request.reference);
  if (existing) {
    const sameAccount = existing.kind !== 'topup' || existing.account === (request.account ?? null);
    if (existing.product !== request.product || !sameAccount) {
      throw new SimError(
        409,
        'reference_conflict',
        `reference "${request.reference}" was already used for a different ${existing.product !== request.product ? 'product' : 'account'}`,
      );
    }
    return { order: existing, committed: false };
  }

  const product = findProduct(world, partner, request.product);
  let account: string | null = null;
  if (product.kind === 'topup') {
    if (!request.account) throw new SimError(400, 'invalid_request', `account: required for the top-up product "${product.product}"`);
    const problem = accountProblem(request.account);
    if (problem) throw new SimError(422, 'invalid_account', problem.message, { reason: problem.reason });
    account = request.account;
  }
  const unitPrice = priceOf(product, request.faceValue);
  if (request.maxUnitPrice !== undefined && unitPrice > request.maxUnitPrice) {
    throw new SimError(409, 'price_changed', `the unit price is now ${unitPrice}, above maxUnitPrice ${request.maxUnitPrice}`, { unitPrice });
  }
  if (product.stock === 0 || world.faults.stockRanOut(product.product)) {
    throw new SimError(409, 'out_of_stock', `"${product.product}" is out of stock`);
  }
  if (partner.balance < unitPrice) {
    throw new SimError(402, 'insufficient_balance', `the balance ${partner.balance} cannot pay ${unitPrice}`, { balance: partner.balance });
  }

  const order: SimOrder = {
    partnerId: partner.id,
    reference: request.reference,
    orderId: world.nextOrderId(),
    product: product.product,
    kind: product.kind,
    account,
    callbackUrl: request.callbackUrl ?? null,
    status: 'processing',
    unitPrice,
    ...(request.faceValue !== undefined ? { faceValue: request.faceValue } : {}),
    currency: product.currency,
    createdAt: new Date(now).toISOString(),
    completedAt: null,
    card: null,
    topup: null,
    failure: null,
  };
  world.commit(order, partner, product);
  if (!product.async) completeOrder(world, order, now);
  return { order, committed: true };
}

/** Delivers the goods, or fails the order and refunds it. */
export function completeOrder(world: SimWorld, order: SimOrder, now: number): void {
  if (order.status !== 'processing') return;
  const at = new Date(now).toISOString();
  order.completedAt = at;
  if (order.kind === 'topup') {
    // The game's server turning the top-up down after the supplier took the money.
    if (order.account!.toLowerCase().includes('fail')) {
      order.status = 'failed';
      order.failure = { code: 'topup_rejected', message: 'the game server rejected the top-up' };
      world.refund(order, at);
      return;
    }
    order.topup = { account: order.account!, receipt: `TXN-${crypto.randomBytes(6).toString('hex').toUpperCase()}` };
  } else {
    order.card = newCard(world.products.get(order.product)?.redeemUrl ?? null, now);
  }
  order.status = 'success';
}

// No 0/O or 1/I: people type these codes in by hand.
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

function newCard(url: string | null, now: number) {
  const char = () => CODE_ALPHABET[crypto.randomInt(CODE_ALPHABET.length)];
  const group = () => Array.from({ length: 4 }, char).join('');
  return {
    code: Array.from({ length: 4 }, group).join('-'),
    pin: String(crypto.randomInt(1_000_000)).padStart(6, '0'),
    url,
    expiresAt: new Date(now + YEAR_MS).toISOString(),
  };
}

/** The order as the protocol shows it; card fields encrypted when a secret is given. */
export function orderView(order: SimOrder, encryptWith: string | null = null) {
  const card = order.card && {
    ...order.card,
    ...(encryptWith ? { code: encryptCardField(encryptWith, order.card.code), pin: encryptCardField(encryptWith, order.card.pin), encrypted: true } : {}),
  };
  return {
    reference: order.reference,
    orderId: order.orderId,
    product: order.product,
    status: order.status,
    unitPrice: order.unitPrice,
    currency: order.currency,
    createdAt: order.createdAt,
    completedAt: order.completedAt,
    card,
    topup: order.topup,
    failure: order.failure,
  };
}

/** What a partner sees: encrypted cards if it asked for them. */
export function partnerView(order: SimOrder, partner: SimPartner) {
  return orderView(order, partner.encryptCards ? partner.secret : null);
}
