import type { ConsolePart } from './index';

// Issue 13 "every message a person reads is translated" and issue 16 (typed rows): the words for
// why an order failed, was rejected or was cancelled (orders.reason_code and its params,
// orders/reasons.ts), the built-in risk rules' names, and the rows that cannot go missing.
// Typed rather than built with consolePart(): index.ts imports this file, so calling into it here
// would run before it is defined.

const en = {
  cf: {
    reasons: {
      order: {
        risk_rejected: 'Rejected by risk control: %{reasons}',
        risk_review_expired: 'Rejected: no reviewer decided before the deadline',
        risk_review_rejected: 'Rejected by a reviewer%{note}',
        manual_fulfilment_deadline: 'Cancelled: nobody fulfilled the order before its deadline',
        supplier_failed: 'No supplier could supply it: %{detail}',
        supplier_unavailable: 'The suppliers could not be reached: %{detail}',
      },
      risk: {
        list_blocked: 'Buyer %{kind} is on the block list%{note}',
        list_allowed: 'Buyer %{kind} is on the allow list%{note}',
        merchant_cap_amount: 'Order amount %{amount} exceeds the per-order cap of %{max}',
        merchant_cap_quantity: 'Order has %{units} units, over the per-order cap of %{max}',
        velocity_count: '%{seen} orders from %{subject} %{value} in the last %{window} (limit %{max})',
        velocity_amount: '%{seen} ordered by %{subject} %{value} in the last %{window} (limit %{max})',
        velocity_payments: '%{seen} different payment instruments used from %{subject} %{value} in the last %{window} (limit %{max})',
        velocity_card_bins: '%{seen} different card BINs used from %{subject} %{value} in the last %{window} (limit %{max})',
        velocity_buyers: '%{seen} different buyers ordered from %{subject} %{value} in the last %{window} (limit %{max})',
        new_account: 'Account is %{ageHours} h old and orders %{amount} (rule: under %{maxAgeHours} h and at least %{minAmount})',
        account_takeover:
          'Account %{ageDays} days old orders %{amount} from IP country %{ipCountry} (new for it) on a new device (%{earlierOrders} earlier orders, usually %{usual}; rule: at least %{minAgeDays} days old, %{multiple}× usual, at least %{minAmount})',
        first_purchase: 'First purchase of high-risk SKU %{skus} by this buyer',
        sku_cap_quantity: '%{quantity} × %{sku}, over the cap of %{max} per order',
        sku_cap_amount: '%{amount} of %{sku}, over the cap of %{max} per order',
        order_cap_quantity: 'Order has %{units} units, over the cap of %{max}',
        order_cap_amount: 'Order amount %{amount} is over the cap of %{max}',
        country_mismatch: '%{first} country %{firstCountry} differs from %{second} country %{secondCountry}',
        disposable_email: 'Email %{email} is at a disposable-address provider',
        score_reject: 'Risk score %{score} reached the reject threshold %{threshold}',
        score_review: 'Risk score %{score} reached the review threshold %{threshold}',
        model_unusual: 'Unusual for this shop: %{detail}',
      },
      subjects: { ip: 'IP', subnet: 'subnet', account: 'account', device: 'device', email: 'email', phone: 'phone', payment: 'payment' },
      list_kinds: { ip: 'IP', cidr: 'IP range', email: 'email', email_domain: 'email domain', phone: 'phone', account: 'account', device: 'device', payment: 'payment' },
      sources: { ip: 'IP', card: 'card', account: 'account' },
      units: { days: '%{n} days', h: '%{n} h', min: '%{n} min', s: '%{n} s' },
      points: '%{reason} (+%{points})',
      note: ' (%{note})',
      separator: '; ',
    },
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
    reasons: {
      order: {
        risk_rejected: '被风控拒绝：%{reasons}',
        risk_review_expired: '已拒绝：审核截止前无人处理',
        risk_review_rejected: '被审核员拒绝%{note}',
        manual_fulfilment_deadline: '已取消：截止前无人人工发货',
        supplier_failed: '没有供应商能供货：%{detail}',
        supplier_unavailable: '无法连接供应商：%{detail}',
      },
      risk: {
        list_blocked: '买家%{kind}在黑名单中%{note}',
        list_allowed: '买家%{kind}在白名单中%{note}',
        merchant_cap_amount: '订单金额 %{amount} 超过单笔上限 %{max}',
        merchant_cap_quantity: '订单共 %{units} 件，超过单笔上限 %{max} 件',
        velocity_count: '%{subject} %{value} 在最近 %{window} 内下单 %{seen} 次（上限 %{max}）',
        velocity_amount: '%{subject} %{value} 在最近 %{window} 内下单金额 %{seen}（上限 %{max}）',
        velocity_payments: '%{subject} %{value} 在最近 %{window} 内使用了 %{seen} 种不同的支付方式（上限 %{max}）',
        velocity_card_bins: '%{subject} %{value} 在最近 %{window} 内使用了 %{seen} 个不同的卡 BIN（上限 %{max}）',
        velocity_buyers: '%{subject} %{value} 在最近 %{window} 内有 %{seen} 个不同买家下单（上限 %{max}）',
        new_account: '账户注册仅 %{ageHours} 小时即下单 %{amount}（规则：注册不足 %{maxAgeHours} 小时且金额至少 %{minAmount}）',
        account_takeover:
          '注册 %{ageDays} 天的账户从新的 IP 国家 %{ipCountry}、新设备下单 %{amount}（此前 %{earlierOrders} 单，通常 %{usual}；规则：注册至少 %{minAgeDays} 天、达到通常金额的 %{multiple} 倍、至少 %{minAmount}）',
        first_purchase: '该买家首次购买高风险商品 %{skus}',
        sku_cap_quantity: '%{sku} 购买 %{quantity} 件，超过单笔上限 %{max} 件',
        sku_cap_amount: '%{sku} 金额 %{amount}，超过单笔上限 %{max}',
        order_cap_quantity: '订单共 %{units} 件，超过上限 %{max} 件',
        order_cap_amount: '订单金额 %{amount} 超过上限 %{max}',
        country_mismatch: '%{first}国家 %{firstCountry} 与%{second}国家 %{secondCountry} 不一致',
        disposable_email: '邮箱 %{email} 属于一次性邮箱服务商',
        score_reject: '风险分 %{score} 达到拒绝阈值 %{threshold}',
        score_review: '风险分 %{score} 达到审核阈值 %{threshold}',
        model_unusual: '对本店而言不寻常：%{detail}',
      },
      subjects: { ip: 'IP', subnet: '子网', account: '账户', device: '设备', email: '邮箱', phone: '手机号', payment: '支付方式' },
      list_kinds: { ip: 'IP', cidr: 'IP 段', email: '邮箱', email_domain: '邮箱域名', phone: '手机号', account: '账户', device: '设备', payment: '支付方式' },
      sources: { ip: 'IP', card: '银行卡', account: '账户' },
      units: { days: '%{n} 天', h: '%{n} 小时', min: '%{n} 分钟', s: '%{n} 秒' },
      points: '%{reason}（+%{points}）',
      note: '（%{note}）',
      separator: '；',
    },
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
