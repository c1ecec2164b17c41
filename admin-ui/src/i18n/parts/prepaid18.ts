import type { ConsolePart } from './index';

// A storefront's prepaid balance (issue 18, storefronts/prepaid-balance.ts): its refusals and audit entry.
// Typed rather than built with consolePart(): index.ts imports this file, so calling into it here
// would run before it is defined.

const en = {
  cf: {
    errors: {
      balance_insufficient: 'Not enough prepaid balance: the order costs %{amount} %{currency}, the storefront has %{balance}.',
      balance_currency_mismatch: 'This storefront’s prepaid balance is in %{balanceCurrency}; this is in %{currency}.',
    },
    audit: {
      actions: {
        'storefront.balance_topped_up': 'Topped up a storefront’s prepaid balance',
      },
    },
  },
};

export const prepaid18Part: ConsolePart<typeof en> = {
  en,
  zh: {
    cf: {
      errors: {
        balance_insufficient: '预付余额不足：订单金额 %{amount} %{currency}，该渠道余额 %{balance}。',
        balance_currency_mismatch: '该渠道的预付余额币种为 %{balanceCurrency}，此处币种为 %{currency}。',
      },
      audit: {
        actions: {
          'storefront.balance_topped_up': '为渠道充值预付余额',
        },
      },
    },
  },
};
