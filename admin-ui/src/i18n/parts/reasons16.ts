import type { ConsolePart } from './index';

// Issue 13 "every message a person reads is translated" and issue 16 (typed rows): the words for
// why an order failed, was rejected or was cancelled (orders.reason_code and its params,
// orders/reasons.ts), the built-in risk rules' names, and the rows that cannot go missing.
// Typed rather than built with consolePart(): index.ts imports this file, so calling into it here
// would run before it is defined.

const en = {
  cf: {
    attention: {
      codes: {
        manual_task_missing: 'The order’s manual fulfilment task is missing',
        dujiao_order_missing: 'The dujiao-next record of order %{orderId} is missing',
        dujiao_key_missing: 'The dujiao-next key %{keyId} of an order is missing',
      },
    },
  },
};

const zh: typeof en = {
  cf: {
    attention: {
      codes: {
        manual_task_missing: '该订单的人工发货任务记录丢失',
        dujiao_order_missing: '订单 %{orderId} 的 dujiao-next 记录丢失',
        dujiao_key_missing: '订单所用的 dujiao-next 密钥 %{keyId} 丢失',
      },
    },
  },
};

export const reasons16Part: ConsolePart<typeof en> = { en, zh };
