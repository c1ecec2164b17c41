import { consolePart } from './index';

// Issue 13: the timeline's events that had no sentence of their own showed their details as
// English "name: value" pairs (admin-ui/src/orders/Timeline.tsx). Their words, at
// cf.events.detail13.

export const events13Part = consolePart(
  {
    cf: {
      events: {
        detail13: {
          at_step: 'at %{step}',
          actions: { retry: 'Retried', refund: 'Refunded', fulfil_manually: 'Handed over to be fulfilled by hand' },
          rows: '%{smart_count} row |||| %{smart_count} rows',
          bulk_finished: '%{delivered} delivered, %{failed} could not be had',
          codes_back_in_stock: '%{smart_count} code back in stock |||| %{smart_count} codes back in stock',
          codes_voided: '%{smart_count} code voided |||| %{smart_count} codes voided',
          written_off: 'written off',
          top_ups_to_refund:
            '%{smart_count} part was topped up before the bundle failed: refund it to the buyer |||| %{smart_count} parts were topped up before the bundle failed: refund them to the buyer',
          valid_until: 'valid until %{at}',
          issued_for: { storefront: 'for the storefront to hand on', lookup: 'for the buyer who looked the order up', gift: 'for a gift' },
          deliver_at: 'to be sent %{at}',
          codes_in_email: '%{smart_count} code in the message |||| %{smart_count} codes in the message',
          channels: { email: 'by email', sms: 'by text message' },
        },
      },
    },
  },
  {
    cf: {
      events: {
        detail13: {
          at_step: '在「%{step}」',
          actions: { retry: '已重试', refund: '已退款', fulfil_manually: '已转为人工发货' },
          rows: '%{smart_count} 行',
          bulk_finished: '已交付 %{delivered} 件，%{failed} 件无法获得',
          codes_back_in_stock: '%{smart_count} 个卡密退回库存',
          codes_voided: '%{smart_count} 个卡密已作废',
          written_off: '已核销损失',
          top_ups_to_refund: '套餐失败前已有 %{smart_count} 件完成直充：请退款给买家',
          valid_until: '有效期至 %{at}',
          issued_for: { storefront: '供店铺转交', lookup: '给查询订单的买家', gift: '用于礼品' },
          deliver_at: '将于 %{at} 发送',
          codes_in_email: '消息中含 %{smart_count} 个卡密',
          channels: { email: '通过邮件', sms: '通过短信' },
        },
      },
    },
  },
);
