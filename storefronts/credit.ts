import type { Knex } from 'knex';
import { AppError } from '../lib/errors';

// A storefront with a credit limit may have at most that much in open and delivered orders
// (cancelled, failed and refunded ones give their amount back). It stands in for a prepaid
// balance until the ledger (issue 14) holds one; a dujiao-next shop reads it as its wallet
// balance (POST /ping). Storefronts without a limit are not limited.

/** Orders whose amount no longer counts against the limit. */
const RELEASED = ['cancelled', 'failed', 'refunded'];

export interface CreditLimit {
  limit: number;
  currency: string;
}

/** What the storefront may still order for, in its credit currency. */
export async function availableCredit(db: Knex, storefrontId: string, credit: CreditLimit): Promise<number> {
  const [{ used }] = await db('orders')
    .where({ storefront_id: storefrontId, currency: credit.currency })
    .whereNotIn('status', RELEASED)
    .sum<{ used: string | null }[]>('total_amount as used');
  return credit.limit - Number(used ?? 0);
}

/**
 * Inside the acceptance transaction, before the order is written: the storefront row is locked,
 * so two orders cannot both spend the last of the credit.
 */
export async function holdCredit(trx: Knex.Transaction, storefrontId: string, amount: number, currency: string): Promise<void> {
  const row = await trx('storefronts').where({ id: storefrontId }).forUpdate().first('credit_limit', 'credit_currency');
  if (!row || row.credit_limit === null) return;
  const credit = { limit: Number(row.credit_limit), currency: row.credit_currency as string };
  if (currency !== credit.currency) {
    throw new AppError('invalid_input', 'credit_currency_mismatch', `This storefront's credit is in ${credit.currency}; the order is in ${currency}`, {
      creditCurrency: credit.currency,
      currency,
    });
  }
  const available = await availableCredit(trx, storefrontId, credit);
  if (amount > available) {
    throw new AppError('payment_required', 'insufficient_credit', `The order costs ${amount} ${currency}; the storefront's credit has ${available} left`, {
      amount,
      available,
      currency,
    });
  }
}
