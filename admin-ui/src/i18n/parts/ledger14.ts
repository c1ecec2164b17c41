import type { ConsolePart } from './index';

// The ledger's console words (issue 14, docs/MONEY.md): the books page and the supplier's money card.
// Typed rather than built with consolePart(): index.ts imports this file, so calling into it here
// would run before it is defined.

const en = {
  resources: { 'ledger-periods': { name: 'Books |||| Books' } },
  cf: {
    books: {
      title: 'On the books',
      terms_prepaid: 'Prepaid: each purchase draws the balance',
      terms_credit: 'Credit: net %{days} days after each %{period}',
      period_week: 'week',
      period_month: 'month',
      balance_help: 'Prepaid balance on the books',
      owed_help: 'Owed; this period is due on %{due}',
      spend: 'Spent since %{from}',
      failure_rate: 'Purchases failed (%{failed} of %{finished})',
      average_cost: 'Average cost',
      sku: 'Product',
      units: 'Units',
      top_up: 'Record top-up',
      pay: 'Record payment',
      amount: 'Amount (%{currency})',
      reference: 'Reference (e.g. bank transfer)',
      paid: 'Recorded on the books',
      page_title: 'Books',
      page_help: 'A closed month takes no more entries; corrections are posted in the open period.',
      month: 'Month',
      close: 'Close month',
      closed: '%{month} is closed',
      none_closed: 'No month is closed yet.',
      closed_at: 'Closed at',
      closed_by: 'Closed by',
      confirm_title: 'Close %{month}?',
      confirm_body: 'Nothing can be posted in %{month} or any month before it afterwards. This cannot be undone.',
    },
  },
};

export const ledger14Part: ConsolePart<typeof en> = {
  en,
  zh: {
    resources: { 'ledger-periods': { name: '账簿 |||| 账簿' } },
    cf: {
      books: {
        title: '账务',
        terms_prepaid: '预付：每笔采购从余额中扣除',
        terms_credit: '账期：每%{period}结束后 %{days} 天付款',
        period_week: '周',
        period_month: '月',
        balance_help: '账上的预付余额',
        owed_help: '应付金额；本期到期日 %{due}',
        spend: '自 %{from} 起的采购额',
        failure_rate: '采购失败率（%{finished} 笔中 %{failed} 笔）',
        average_cost: '平均成本',
        sku: '商品',
        units: '数量',
        top_up: '登记充值',
        pay: '登记付款',
        amount: '金额（%{currency}）',
        reference: '凭证号（如银行转账）',
        paid: '已记账',
        page_title: '账簿',
        page_help: '已结账的月份不能再记账；更正记在未结账的期间。',
        month: '月份',
        close: '结账',
        closed: '%{month} 已结账',
        none_closed: '尚无已结账的月份。',
        closed_at: '结账时间',
        closed_by: '结账人',
        confirm_title: '结账 %{month}？',
        confirm_body: '结账后，%{month} 及之前的月份都不能再记账。此操作无法撤销。',
      },
    },
  },
};
