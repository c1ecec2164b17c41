import { consolePart } from './index';

// Issue 13: why the system voided a code (stock/void-reasons.ts), worded from its code; a person's
// own void reason is shown as written. And why a bulk order's units were not had: a stock unit that
// found no code (orders/reasons.ts no_code_left), and the bulk order page's list of such reasons.

export const voids13Part = consolePart(
  {
    cf: {
      reasons: {
        void: {
          order_refunded: 'Its order was refunded',
          bundle_undone: 'Its bundle was undone: %{reason}',
          order_cancelled: 'Its order was cancelled: %{reason}',
          duplicate_code: 'The same code as another one (found when fingerprints were re-made)',
        },
        order: {
          no_code_left: 'No code was left in stock for it (its reserved code expired or was voided)',
        },
      },
      bulk: {
        unit_failures: 'Why units could not be had',
        unit_failure: '%{units} units: %{reason}',
      },
    },
  },
  {
    cf: {
      reasons: {
        void: {
          order_refunded: '所属订单已退款',
          bundle_undone: '所属套餐已撤销：%{reason}',
          order_cancelled: '所属订单已取消：%{reason}',
          duplicate_code: '与另一个卡密相同（重新生成指纹时发现）',
        },
        order: {
          no_code_left: '库存中已没有可给它的卡密（预留的卡密已过期或已作废）',
        },
      },
      bulk: {
        unit_failures: '无法获得的原因',
        unit_failure: '%{units} 件：%{reason}',
      },
    },
  },
);
