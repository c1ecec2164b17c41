import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { AccountRef } from '../ledger/accounts';
import { post } from '../ledger/post';
import { AppError, conflict } from '../lib/errors';

// A storefront's prepaid balance (issue 18, docs/MONEY.md): the merchant records money the
// storefront paid ahead (a top-up), each of its orders draws its total when it is accepted, and
// a cancelled, failed or refunded order gives back what it drew. The balance lives in the ledger
// only: a `storefront_prepaid` account per storefront (a liability, so its lines sum to minus the
// balance). A draw pays the storefront's receivable ahead of the sale, which raises it on
// delivery (ledger/postings-for.ts postSale), so a delivered prepaid order leaves the receivable
// at zero. A storefront is prepaid once it has been topped up (storefronts.prepaid_currency).

const prepaidAccount = (storefrontId: string, currency: string): AccountRef => ({ kind: 'storefront_prepaid', ownerId: storefrontId, currency });
const receivable = (storefrontId: string, currency: string): AccountRef => ({ kind: 'storefront_receivable', ownerId: storefrontId, currency });

/** The storefront's balance now, in minor units of its currency (0 before its first top-up). */
export async function prepaidBalance(db: Knex, storefrontId: string, currency: string): Promise<number> {
  const [{ sum }] = await db('ledger_lines as l')
    .join('ledger_accounts as a', 'a.id', 'l.account_id')
    .where({ 'a.kind': 'storefront_prepaid', 'a.owner_id': storefrontId, 'a.currency': currency })
    .sum<{ sum: string | null }[]>('l.amount as sum');
  return -Number(sum ?? 0);
}

/** The merchant received money from the storefront: its balance grows (cash in, owed back in goods). */
export async function topUpBalance(trx: Knex.Transaction, s: { storefrontId: string; merchantId: string; amount: number; currency: string }): Promise<{ balance: number }> {
  const row = await trx('storefronts').where({ id: s.storefrontId }).forUpdate().first('prepaid_currency');
  const currency = (row?.prepaid_currency as string | null)?.trim();
  if (currency && currency !== s.currency) {
    throw conflict('balance_currency_mismatch', `This storefront's balance is in ${currency}; the top-up is in ${s.currency}`, { balanceCurrency: currency, currency: s.currency });
  }
  if (!currency) await trx('storefronts').where({ id: s.storefrontId }).update({ prepaid_currency: s.currency });
  await post(trx, [
    {
      key: `storefront-top-up:${crypto.randomUUID()}`,
      kind: 'storefront_top_up',
      merchantId: s.merchantId,
      refs: { storefrontId: s.storefrontId },
      lines: [
        { account: { kind: 'cash', currency: s.currency }, amount: s.amount },
        { account: prepaidAccount(s.storefrontId, s.currency), amount: -s.amount },
      ],
    },
  ]);
  return { balance: await prepaidBalance(trx, s.storefrontId, s.currency) };
}

/**
 * Inside the acceptance transaction, once the order's id is known: the storefront row is locked,
 * so two orders cannot both spend the last of the balance. Refuses (nothing written) when the
 * balance is short or in another currency.
 */
export async function drawBalance(trx: Knex.Transaction, order: { id: string; merchantId: string; storefrontId: string; amount: number; currency: string }): Promise<void> {
  const row = await trx('storefronts').where({ id: order.storefrontId }).forUpdate().first('prepaid_currency');
  const currency = (row?.prepaid_currency as string | null)?.trim();
  if (!currency) return;
  const orderCurrency = order.currency.trim();
  if (orderCurrency !== currency) {
    throw new AppError('invalid_input', 'balance_currency_mismatch', `This storefront's balance is in ${currency}; the order is in ${orderCurrency}`, {
      balanceCurrency: currency,
      currency: orderCurrency,
    });
  }
  const balance = await prepaidBalance(trx, order.storefrontId, currency);
  if (order.amount > balance) {
    throw new AppError('payment_required', 'balance_insufficient', `The order costs ${order.amount} ${currency}; the storefront's balance is ${balance}`, {
      amount: order.amount,
      balance,
      currency,
    });
  }
  if (order.amount === 0) return;
  await post(trx, [
    {
      key: `storefront-draw:${order.id}`,
      kind: 'storefront_draw',
      merchantId: order.merchantId,
      refs: { orderId: order.id, storefrontId: order.storefrontId },
      lines: [
        { account: prepaidAccount(order.storefrontId, currency), amount: order.amount },
        { account: receivable(order.storefrontId, currency), amount: -order.amount },
      ],
    },
  ]);
}

/**
 * In the transaction that closes or refunds the order: gives back up to `amount` of what the
 * order drew and has not had back (all of it when no amount is given). `key` names the event
 * (the close, or one refund), so a repeat gives nothing twice. Orders that drew nothing (not
 * prepaid, or placed before the storefront was) give nothing back.
 */
export async function returnBalance(
  trx: Knex.Transaction,
  order: { id: string; merchant_id: string; storefront_id: string },
  event: { key: string; kind: 'order_closed' | 'order_refunded'; amount?: number },
): Promise<number> {
  const rows: { currency: string; sum: string | null }[] = await trx('ledger_lines as l')
    .join('ledger_entries as e', 'e.id', 'l.entry_id')
    .join('ledger_accounts as a', 'a.id', 'l.account_id')
    .where({ 'e.order_id': order.id, 'a.kind': 'storefront_prepaid', 'a.owner_id': order.storefront_id })
    .groupBy('a.currency')
    .select('a.currency', trx.raw('sum(l.amount) as sum'));
  const drawn = rows[0];
  const outstanding = drawn ? Number(drawn.sum ?? 0) : 0;
  const amount = Math.min(outstanding, event.amount ?? outstanding);
  if (amount <= 0) return 0;
  const currency = drawn.currency.trim();
  await post(trx, [
    {
      key: `storefront-return:${event.key}`,
      kind: 'storefront_return',
      merchantId: order.merchant_id,
      refs: { orderId: order.id, storefrontId: order.storefront_id },
      memo: { because: event.kind },
      lines: [
        { account: receivable(order.storefront_id, currency), amount },
        { account: prepaidAccount(order.storefront_id, currency), amount: -amount },
      ],
    },
  ]);
  return amount;
}
