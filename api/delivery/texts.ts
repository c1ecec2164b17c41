import type { Request } from 'express';
import { LANGUAGES, type Language } from '../../orders/buyer-delivery';

// The delivery page's words, in English and Chinese. The page is for buyers, not the console, so
// it keeps its own small dictionary here instead of the console's.

export const TEXTS = {
  en: {
    title: 'Your order',
    order: 'Order',
    status: { accepted: 'Received', held: 'Being checked', processing: 'On its way', delivered: 'Delivered', failed: 'Failed', cancelled: 'Cancelled', refunded: 'Refunded' },
    reveal: 'Show code',
    revealHelp: 'Your code stays hidden until you ask for it; each time it is shown is recorded.',
    code: 'Code',
    pin: 'PIN',
    url: 'Link',
    copy: 'Copy',
    copied: 'Copied',
    expires: 'Valid until',
    instructions: 'How to use',
    notYet: 'Not delivered yet',
    toppedUp: 'Topped up to account',
    unit: 'Unit',
    expired: 'This link has expired or does not exist.',
    expiredHelp: 'Ask the shop for a new link, or look up your order.',
    lookupTitle: 'Find your order',
    lookupHelp: 'Enter the order number from the shop and the email or phone number you ordered with. We will send a one-time code there.',
    reference: 'Order number',
    contact: 'Email or phone',
    sendCode: 'Send code',
    codeSent: 'If the order number and contact match an order, a 6-digit code is on its way to it. It is valid for 10 minutes.',
    otp: 'One-time code',
    verify: 'Open my order',
    wrongCode: 'That code is wrong or has expired.',
    locked: 'Too many attempts. Try again in %{minutes} min.',
    badInput: 'Enter the order number and a valid email or phone number.',
    gift: { to: 'For', from: 'From' },
    language: 'Language',
  },
  zh: {
    title: '您的订单',
    order: '订单',
    status: { accepted: '已接收', held: '审核中', processing: '处理中', delivered: '已发货', failed: '失败', cancelled: '已取消', refunded: '已退款' },
    reveal: '显示卡密',
    revealHelp: '卡密在您点击前不会显示；每次显示都会被记录。',
    code: '卡号',
    pin: '密码',
    url: '链接',
    copy: '复制',
    copied: '已复制',
    expires: '有效期至',
    instructions: '使用说明',
    notYet: '尚未发货',
    toppedUp: '已充值到账号',
    unit: '份',
    expired: '此链接已过期或不存在。',
    expiredHelp: '请向商家索取新链接，或通过查单找回订单。',
    lookupTitle: '查单',
    lookupHelp: '请输入商家的订单号，以及下单时使用的邮箱或手机号。我们会向其发送一次性验证码。',
    reference: '订单号',
    contact: '邮箱或手机号',
    sendCode: '发送验证码',
    codeSent: '如果订单号与联系方式匹配，6 位验证码已发送，10 分钟内有效。',
    otp: '验证码',
    verify: '查看订单',
    wrongCode: '验证码错误或已过期。',
    locked: '尝试次数过多，请 %{minutes} 分钟后再试。',
    badInput: '请输入订单号和有效的邮箱或手机号。',
    gift: { to: '致', from: '来自' },
    language: '语言',
  },
} as const satisfies Record<Language, unknown>;

export type Texts = (typeof TEXTS)[Language];

/** `?lang=` (the page's switch) first, then the browser's Accept-Language; Chinese for any zh-*. */
export function pageLanguage(req: Request): Language {
  const given: unknown = req.query.lang ?? (req.body as { lang?: unknown } | undefined)?.lang;
  const asked = typeof given === 'string' ? given : '';
  if ((LANGUAGES as readonly string[]).includes(asked)) return asked as Language;
  const best = req.acceptsLanguages('zh', 'en');
  return best === 'zh' ? 'zh' : 'en';
}
