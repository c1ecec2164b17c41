import type { ConsolePart } from './index';

// Buyer delivery (issue 15): usage instructions per product and language, mailing the code,
// e-gift designs, and the server codes the delivery pages and gifts add. Typed rather than built
// with consolePart(): index.ts imports this file.

const en = {
  resources: {
    skus: {
      fields: {
        'instructions.zh': 'Usage instructions, Chinese (shown to the buyer beside the code)',
        'instructions.en': 'Usage instructions, English',
        codeInEmail: 'Put the code itself in gift emails (off: the email carries only the link to the gift page)',
      },
    },
    'gift-templates': {
      name: 'Gift design |||| Gift designs',
      fields: { name: 'Name', imageUrl: 'Picture address', active: 'Offered to buyers', createdAt: 'Created' },
    },
  },
  cf: {
    gifts: {
      upload: 'Upload a picture',
      upload_refused: 'Choose a PNG, JPEG or WebP picture of at most 256 KB.',
      image_help: 'An https:// address, or upload a picture',
    },
    errors: {
      nothing_to_reveal: 'This unit has no delivered code to show.',
      gift_order_closed: 'The order is closed; it cannot be sent as a gift.',
      unknown_gift_template: 'No active gift design has this id.',
    },
    events: {
      delivery_link_issued: 'Delivery link issued',
      code_revealed: 'Code shown to the buyer',
      lookup_code_sent: 'Lookup code sent to the buyer',
      gift_scheduled: 'Gift scheduled',
      gift_sent: 'Gift sent',
      gift_bounced: 'Gift could not be delivered',
      gift_opened: 'Gift opened',
    },
    audit: {
      actions: {
        'code.revealed_to_buyer': 'A buyer revealed a code on the delivery page',
        'gift_template.created': 'Added a gift design',
        'gift_template.changed': 'Changed a gift design',
      },
    },
  },
};

export const delivery15Part: ConsolePart<typeof en> = {
  en,
  zh: {
    resources: {
      skus: {
        fields: {
          'instructions.zh': '使用说明（中文，显示在卡密旁）',
          'instructions.en': '使用说明（英文）',
          codeInEmail: '礼品邮件中直接附带卡密（关闭时邮件只含礼品页面链接）',
        },
      },
      'gift-templates': {
        name: '贺卡样式 |||| 贺卡样式',
        fields: { name: '名称', imageUrl: '图片地址', active: '供买家选择', createdAt: '创建时间' },
      },
    },
    cf: {
      gifts: {
        upload: '上传图片',
        upload_refused: '请选择不超过 256 KB 的 PNG、JPEG 或 WebP 图片。',
        image_help: 'https:// 地址，或上传图片',
      },
      errors: {
        nothing_to_reveal: '该份商品没有可显示的卡密。',
        gift_order_closed: '订单已关闭，不能作为礼品发送。',
        unknown_gift_template: '没有此 ID 的可用贺卡样式。',
      },
      events: {
        delivery_link_issued: '已生成提货链接',
        code_revealed: '买家已查看卡密',
        lookup_code_sent: '已向买家发送查单验证码',
        gift_scheduled: '礼品已预约发送',
        gift_sent: '礼品已发送',
        gift_bounced: '礼品无法送达',
        gift_opened: '礼品已被打开',
      },
      audit: {
        actions: {
          'code.revealed_to_buyer': '买家在提货页面查看了卡密',
          'gift_template.created': '新增贺卡样式',
          'gift_template.changed': '修改贺卡样式',
        },
      },
    },
  },
};
