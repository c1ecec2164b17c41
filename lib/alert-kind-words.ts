import type { AlertKind } from './alert-kinds';

// The name of every alert kind, in English and Chinese, kept once: the console's messages
// (admin-ui/src/i18n/en.ts and zh.ts, cf.alerts.kinds) and the notifications sent to people
// (notifications/compose.ts) both read it, so an email's headline and the console's list name an
// alert alike; they drifted when each kept its own. `satisfies` refuses a kind without words, and
// test/message-codes.test.ts checks each is non-empty. Only a type import: the console bundles it.

export const ALERT_KIND_WORDS = {
  supplier_low_balance: { en: 'Low supplier balance', zh: '供应商余额不足' },
  supplier_circuit_open: { en: 'Supplier not answering', zh: '供应商无应答' },
  manual_fulfilment_waiting: { en: 'Order waiting on a person', zh: '订单等待手工发货' },
  manual_fulfilment_overdue: { en: 'Manual order overdue', zh: '人工发货超时' },
  supplier_purchase_slow: { en: 'Slow supplier purchase', zh: '供应商采购缓慢' },
  supplier_price_above_max: { en: 'Charged above maximum', zh: '采购价超过上限' },
  order_needs_attention: { en: 'Order needs attention', zh: '订单待人工处理' },
  sku_out_of_stock: { en: 'Out of stock', zh: '缺货' },
  sku_low_stock: { en: 'Low stock', zh: '低库存' },
  supplier_catalogue_drift: { en: 'Supplier catalogue changed', zh: '供应商商品有变动' },
  supplier_statement_differences: { en: 'Supplier statement differs', zh: '供应商对账单有差异' },
} as const satisfies Record<AlertKind, { en: string; zh: string }>;

/** The kinds' names in one language, as the console's cf.alerts.kinds. */
export const alertKindNames = (language: 'en' | 'zh'): Record<AlertKind, string> =>
  Object.fromEntries(Object.entries(ALERT_KIND_WORDS).map(([kind, words]) => [kind, words[language]])) as Record<AlertKind, string>;
