import type { ConsolePart } from './index';

// Texts for the server codes added by the issue 13/14/18 merges (api/message-codes.ts lists them):
// storefront credit and dujiao-next keys, the books, supplier callbacks and deep list pages.
// Typed rather than built with consolePart(): index.ts imports this file, so calling into it here
// would run before it is defined.

const en = {
  cf: {
    errors: {
      credit_limit_required: 'Set the storefront’s credit limit before issuing a dujiao-next key.',
      credit_currency_mismatch: 'This storefront’s credit is in %{creditCurrency}; the order is in %{currency}.',
      insufficient_credit: 'Not enough credit left: the order costs %{amount} %{currency}, the storefront has %{available} left.',
      period_not_ended: '%{month} has not ended yet; a month can be closed once it is over.',
      period_already_closed: 'The books are already closed through %{closedThrough}.',
      supplier_without_currency: 'Set the supplier’s currency before recording a payment to it.',
      callback_order_mismatch: 'The supplier’s callback names a different supplier order than the purchase made.',
      page_too_deep: 'This page is too deep to open directly: go page by page from the start, or narrow the filter.',
    },
    attention: {
      codes: {
        ledger_mixed_merchants: 'A ledger posting mixed two merchants’ books (%{key}); nothing was posted',
        ledger_entry_without_lines: 'A ledger entry had no lines (%{key}); nothing was posted',
        ledger_amount_not_integer: 'A ledger amount was not a whole number of minor units (%{key}); nothing was posted',
        ledger_unbalanced: 'A ledger entry did not balance in %{currency} (off by %{sum}, %{key}); nothing was posted',
        refund_missing: 'The refund row is missing',
        idempotency_key_missing: 'The Idempotency-Key row is missing',
      },
    },
    audit: {
      actions: {
        'codes.exported_revealed': 'Exported codes in clear text',
        'supplier.terms': 'Changed a supplier’s payment terms',
        'supplier.top_up': 'Recorded a supplier top-up',
        'supplier.payment': 'Recorded a payment to a supplier',
        'ledger.period_closed': 'Closed a month on the books',
      },
    },
  },
};

export const fixcodesPart: ConsolePart<typeof en> = {
  en,
  zh: {
    cf: {
      errors: {
        credit_limit_required: '签发 dujiao-next 密钥前，请先设置该渠道的授信额度。',
        credit_currency_mismatch: '该渠道的授信币种为 %{creditCurrency}，订单币种为 %{currency}。',
        insufficient_credit: '授信额度不足：订单金额 %{amount} %{currency}，该渠道剩余 %{available}。',
        period_not_ended: '%{month} 尚未结束，月份结束后才能结账。',
        period_already_closed: '账簿已结账至 %{closedThrough}。',
        supplier_without_currency: '登记付款前，请先设置该供应商的币种。',
        callback_order_mismatch: '供应商回调中的供应商订单号与本次采购不符。',
        page_too_deep: '此页太深，无法直接打开：请从第一页逐页翻阅，或缩小筛选范围。',
      },
      attention: {
        codes: {
          ledger_mixed_merchants: '一笔记账混入了两个商户的账簿（%{key}），未记账',
          ledger_entry_without_lines: '一笔分录没有明细行（%{key}），未记账',
          ledger_amount_not_integer: '记账金额不是最小货币单位的整数（%{key}），未记账',
          ledger_unbalanced: '一笔分录在 %{currency} 下借贷不平（相差 %{sum}，%{key}），未记账',
          refund_missing: '退款记录丢失',
          idempotency_key_missing: '幂等键（Idempotency-Key）记录丢失',
        },
      },
      audit: {
        actions: {
          'codes.exported_revealed': '导出明文卡密',
          'supplier.terms': '修改供应商结算方式',
          'supplier.top_up': '登记供应商充值',
          'supplier.payment': '登记向供应商付款',
          'ledger.period_closed': '月度结账',
        },
      },
    },
  },
};
