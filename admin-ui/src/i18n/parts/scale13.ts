import type { ConsolePart } from './index';

// The dashboard per currency and against yesterday, and lists of millions of orders (issue 13).
// Written without consolePart(): index.ts imports this file, and calling back into it while it
// loads would meet consolePart before it is defined. The type keeps the two halves alike.
const en = {
  cf: {
    dashboard: {
      by_currency: 'Today by currency (%{timeZone})',
      by_currency_help: 'Each currency is counted on its own; amounts in different currencies are never added together.',
      currency: 'Currency',
      orders: 'Orders',
      gmv: 'GMV (delivered, net of refunds)',
      yesterday: 'Yesterday:',
      more_than_yesterday: 'more than yesterday',
      less_than_yesterday: 'less than yesterday',
      orders_vs_yesterday: 'Yesterday: %{count}',
      top_skus_in: 'Top SKUs in %{currency}, last 7 days',
      mode: 'Fulfilment',
      waiting_count: '%{shown} of %{count} shown',
      low_stock_count: '%{shown} of %{count} shown',
    },
  },
};

export const scale13Part: ConsolePart<typeof en> = {
  en,
  zh: {
    cf: {
      dashboard: {
        by_currency: '今日各币种数据（%{timeZone}）',
        by_currency_help: '每种币种单独统计，不同币种的金额不会相加。',
        currency: '币种',
        orders: '订单',
        gmv: '成交额（已发货，扣除退款）',
        yesterday: '昨日：',
        more_than_yesterday: '比昨日多',
        less_than_yesterday: '比昨日少',
        orders_vs_yesterday: '昨日：%{count}',
        top_skus_in: '近 7 天 %{currency} 毛利最高的商品',
        mode: '发货方式',
        waiting_count: '显示 %{shown} / 共 %{count}',
        low_stock_count: '显示 %{shown} / 共 %{count}',
      },
    },
  },
};
