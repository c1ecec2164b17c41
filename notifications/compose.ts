import { ALERT_KIND_WORDS } from '../lib/alert-kind-words';
import type { AlertKind } from '../lib/alert-kinds';
import type { WebhookKind } from './settings';

// What a notification says, in the merchant's chosen language, and how each kind of target wants
// it: an email, a WeCom or DingTalk group bot's markdown, Telegram's sendMessage, or Cardflow's
// own JSON for anything else. The console words alerts itself (admin-ui/src/alerts); a message
// leaves Cardflow already worded, by the kinds' names the console also reads (lib/alert-kind-words.ts).

export type Language = 'en' | 'zh';

const WORDS = {
  en: { subject: (n: number) => `${n} notifications`, resolved: 'resolved since', raised: 'raised', open: 'Open the console' },
  zh: { subject: (n: number) => `${n} 条通知`, resolved: '已于此时解决', raised: '发生于', open: '打开控制台' },
} satisfies Record<Language, unknown>;

/** One alert as a message tells it. */
export interface NotifiedAlert {
  alertId: string;
  kind: AlertKind;
  /** What it is about, as a person names it: a product code, a supplier's name, an order's reference. */
  subject: string;
  /** The alert's own sentence (English, as stored). */
  message: string;
  raisedAt: Date;
  resolvedAt: Date | null;
}

export interface Composed {
  title: string;
  /** Plain text, one paragraph per alert. */
  text: string;
  /** Markdown, for the chat bots. */
  markdown: string;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function compose(alerts: NotifiedAlert[], language: Language, consoleUrl?: string): Composed {
  const w = WORDS[language];
  const headline = (a: NotifiedAlert) => `${ALERT_KIND_WORDS[a.kind]?.[language] ?? a.kind}: ${a.subject}`;
  const title = alerts.length === 1 ? `[Cardflow] ${headline(alerts[0])}` : `[Cardflow] ${w.subject(alerts.length)}`;
  const when = (a: NotifiedAlert) => `${w.raised} ${iso(a.raisedAt)}${a.resolvedAt ? ` · ${w.resolved} ${iso(a.resolvedAt)}` : ''}`;
  const text = [...alerts.map((a) => `${headline(a)}\n${a.message}\n${when(a)}`), ...(consoleUrl ? [`${w.open}: ${consoleUrl}`] : [])].join('\n\n');
  const markdown = [`**${title}**`, ...alerts.map((a) => `> **${headline(a)}**\n> ${a.message}\n> ${when(a)}`), ...(consoleUrl ? [`[${w.open}](${consoleUrl})`] : [])].join('\n\n');
  return { title, text, markdown };
}

/** What is posted to a webhook target: its body, and the message's id for receivers that drop repeats. */
export function webhookBody(
  kind: WebhookKind,
  message: { id: string; digest: boolean },
  composed: Composed,
  alerts: NotifiedAlert[],
  chatId: string | null,
  language: Language,
): unknown {
  switch (kind) {
    // WeCom group bot: https://developer.work.weixin.qq.com/document/path/91770 (markdown, at most 4096 bytes).
    case 'wecom':
      return { msgtype: 'markdown', markdown: { content: cut(composed.markdown, 4096) } };
    // DingTalk custom robot: https://open.dingtalk.com/document/robots/custom-robot-access (markdown with a title).
    case 'dingtalk':
      return { msgtype: 'markdown', markdown: { title: composed.title, text: cut(composed.markdown, 4096) } };
    // Telegram Bot API sendMessage: plain text (no parse mode to escape for), at most 4096 characters.
    case 'telegram':
      return { chat_id: chatId, text: cut(`${composed.title}\n\n${composed.text}`, 4096), disable_web_page_preview: true };
    case 'generic':
      return {
        id: message.id,
        type: 'cardflow.notification',
        digest: message.digest,
        language,
        title: composed.title,
        text: composed.text,
        alerts: alerts.map((a) => ({
          id: a.alertId,
          kind: a.kind,
          subject: a.subject,
          message: a.message,
          raisedAt: a.raisedAt.toISOString(),
          resolvedAt: a.resolvedAt?.toISOString() ?? null,
        })),
      };
  }
}

/** Cut to at most `max` UTF-8 bytes, on a character boundary, saying so. */
function cut(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let out = text;
  while (Buffer.byteLength(out) > max - 4) out = out.slice(0, Math.floor(out.length * 0.9));
  return `${out} …`;
}

/**
 * Whether the bot took the message. WeCom and DingTalk answer HTTP 200 with an `errcode` (0 is
 * success), Telegram with `ok`. Answers why not, in our words (the body could echo the token).
 */
export function botRefusal(kind: WebhookKind, body: Buffer): string | undefined {
  if (kind === 'generic') return undefined;
  let parsed: { errcode?: unknown; ok?: unknown; error_code?: unknown };
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return 'the bot answered something that is not JSON';
  }
  if (kind === 'telegram') return parsed.ok === true ? undefined : `the bot answered error ${Number(parsed.error_code) || 'unknown'}`;
  return parsed.errcode === 0 ? undefined : `the bot answered errcode ${Number(parsed.errcode) || 'unknown'}`;
}
