import { consolePart } from './index';

// Issue 13: the last supplier and bulk-order reasons that were English (orders/reasons.ts codedReason): no
// active route, a unit no longer waiting, and why each route could not be used while the
// purchase waited (suppliers/outcome-codes.ts ROUTE_PAUSED_CODES).

export const reasons13Part = consolePart(
  {
    cf: {
      reasons: {
        order: {
          supplier_no_route: 'No supplier sells %{sku}: it has no active supplier route',
          supplier_unit_closed: 'The unit was no longer waiting to be bought (%{status})',
          bulk_units_failed: '%{failed} of %{units} units could not be had',
        },
        risk: {
          bulk_order_unchecked: 'Bulk order: not risk-checked order by order',
        },
      },
      suppliers: {
        outcomes: {
          circuit_open: 'paused after repeated failures (circuit open)',
          at_rate_limit: 'at our request limit for it',
          no_answer: 'gave no usable answer',
        },
      },
    },
  },
  {
    cf: {
      reasons: {
        order: {
          supplier_no_route: '没有供应商销售 %{sku}：该商品没有启用的供货渠道',
          supplier_unit_closed: '该件商品已不再等待采购（%{status}）',
          bulk_units_failed: '%{units} 件中有 %{failed} 件无法获得',
        },
        risk: {
          bulk_order_unchecked: '批量订单：不逐单做风控检查',
        },
      },
      suppliers: {
        outcomes: {
          circuit_open: '连续失败后已暂停（熔断中）',
          at_rate_limit: '已达到我方对它的请求频率上限',
          no_answer: '没有给出可用的答复',
        },
      },
    },
  },
);
