import { z } from 'zod';
import { fieldPattern } from './field-codes';

// What Cardflow takes as a phone number, wherever one is given: a buyer's (orders/validators.ts),
// a gift recipient's (orders/gifts.ts), a block or allow list entry's (risk/lists.ts). Digits with
// an optional leading +, spaces, brackets and dashes; risk/signals.ts normalisePhone keeps only the
// + and the digits when comparing.

/** A phone number field, refused with the field code `phone`. */
export const phoneNumber = z
  .string()
  .trim()
  .regex(fieldPattern('phone', /^\+?[0-9 ()-]{5,20}$/), 'must be a phone number');

export const isPhoneNumber = (value: string): boolean => phoneNumber.safeParse(value).success;
