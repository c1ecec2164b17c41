import { z } from 'zod';
import { fieldPattern } from '../lib/field-codes';
import { PAYMENT_METHODS } from './vocabulary';

// The risk signals a storefront may send with an order, beside the buyer fields it always had.
// All optional: a shop sends what it has. A signal of the wrong type is refused (400), because
// a silently ignored signal would quietly weaken every rule that reads it.

const country = z
  .string()
  .regex(fieldPattern('country_code', /^[A-Za-z]{2}$/), 'must be an ISO 3166-1 alpha-2 country code such as "CN"')
  .transform((c) => c.toUpperCase());

export { PAYMENT_METHODS } from './vocabulary';

export const riskSignalFields = {
  /** When the buyer's account at the storefront was created. */
  accountCreatedAt: z.iso.datetime({ offset: true }),
  /** Country the account is registered in. */
  accountCountry: country,
  /** Country the storefront's geo-IP lookup puts the buyer's IP in. */
  ipCountry: country,
  paymentMethod: z.enum(PAYMENT_METHODS),
  /**
   * An opaque token for the payment instrument that is stable across orders (a payment
   * provider's card or wallet fingerprint). Never a card number.
   */
  paymentFingerprint: z.string().trim().min(4).max(128),
  /** First 6 or 8 digits of the card number (issuer identification number). */
  cardBin: z.string().regex(fieldPattern('card_bin', /^[0-9]{6}([0-9]{2})?$/), 'must be the first 6 or 8 digits of the card number'),
  /** Country of the card's issuing bank. */
  cardCountry: country,
};
