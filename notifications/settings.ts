import { z } from 'zod';
import { coded, fieldPattern } from '../lib/field-codes';
import type { Db } from '../db';
import { ALERT_KINDS, type AlertKind } from '../lib/alert-kinds';
import type { CodeVault } from '../lib/code-vault';
import type { NotificationSettingsRow } from '../db/tables';

// A merchant's notification settings: who is told (email addresses, one chat-bot webhook) and,
// per alert kind, whether at once, in a digest, or not at all. The webhook URL holds the bot's
// token (WeCom key, DingTalk access_token, Telegram bot token), so it is sealed like a
// storefront's webhook secret and never read back: the console sees its host only.

export const WEBHOOK_KINDS = ['generic', 'wecom', 'dingtalk', 'telegram'] as const;
export type WebhookKind = (typeof WEBHOOK_KINDS)[number];
export const NOTIFY_MODES = ['off', 'immediate', 'digest'] as const;
export type NotifyMode = (typeof NOTIFY_MODES)[number];

/** What the admin API accepts. The webhook's `url` may be left out to keep the stored one. */
export const NotificationSettingsInput = z
  .object({
    emails: z.array(z.email().max(254)).max(10),
    webhook: z
      .object({
        kind: z.enum(WEBHOOK_KINDS),
        url: z.url().max(2000).optional(),
        // Telegram's sendMessage needs the chat: a numeric id or @channelname.
        chatId: z
          .string()
          .regex(fieldPattern('chat_id', /^(-?\d{1,20}|@[A-Za-z0-9_]{5,32})$/), 'a numeric chat id or @channelname')
          .optional(),
      })
      .strict()
      .refine((w) => w.kind !== 'telegram' || w.chatId, { ...coded('chat_id_required', 'a Telegram bot needs the chat id to post to'), path: ['chatId'] })
      .nullable(),
    kinds: z.partialRecord(z.enum(ALERT_KINDS), z.enum(NOTIFY_MODES)),
    digestEvery: z.enum(['hourly', 'daily']),
    language: z.enum(['en', 'zh']),
  })
  .strict();
export type NotificationSettingsInput = z.infer<typeof NotificationSettingsInput>;

/** The settings as the console sees them (no URL, only its host). */
export interface NotificationSettings {
  emails: string[];
  webhook: { kind: WebhookKind; host: string; chatId: string | null } | null;
  kinds: Record<AlertKind, NotifyMode>;
  digestEvery: 'hourly' | 'daily';
  language: 'en' | 'zh';
}

const boundTo = (merchantId: string) => `notifications:${merchantId}`;

/** The mode of each kind as stored (a kind not named is off). */
export function modesOf(stored: unknown): Record<AlertKind, NotifyMode> {
  const named = (stored ?? {}) as Record<string, unknown>;
  return Object.fromEntries(ALERT_KINDS.map((k) => [k, named[k] === 'immediate' || named[k] === 'digest' ? named[k] : 'off'])) as Record<AlertKind, NotifyMode>;
}

export function settingsView(row: NotificationSettingsRow | undefined): NotificationSettings {
  return {
    emails: row?.emails ?? [],
    webhook: row?.webhook_kind && row.webhook_url ? { kind: row.webhook_kind, host: row.webhook_host ?? '', chatId: row.telegram_chat_id } : null,
    kinds: modesOf(row?.kinds),
    digestEvery: row?.digest_every ?? 'hourly',
    language: row?.language ?? 'en',
  };
}

export class WebhookUrlMissing extends Error {}

/**
 * Writes the settings in the caller's transaction; answers what changed, for the audit log (the
 * URL is never in it: only whether it was replaced and its host). Throws WebhookUrlMissing when a
 * webhook is asked for with no URL given and none stored.
 */
export async function saveNotificationSettings(trx: Db, vault: CodeVault, merchantId: string, input: NotificationSettingsInput) {
  const current = await trx('notification_settings').where({ merchant_id: merchantId }).forUpdate().first();
  let webhook: Pick<NotificationSettingsRow, 'webhook_kind' | 'webhook_url_key_id' | 'webhook_url' | 'webhook_host' | 'telegram_chat_id'> = {
    webhook_kind: null,
    webhook_url_key_id: null,
    webhook_url: null,
    webhook_host: null,
    telegram_chat_id: null,
  };
  if (input.webhook) {
    const kept = current?.webhook_url && current.webhook_url_key_id ? current : undefined;
    if (!input.webhook.url && !kept) throw new WebhookUrlMissing();
    const sealed = input.webhook.url ? vault.seal(input.webhook.url, boundTo(merchantId)) : { keyId: kept!.webhook_url_key_id!, payload: kept!.webhook_url! };
    webhook = {
      webhook_kind: input.webhook.kind,
      webhook_url_key_id: sealed.keyId,
      webhook_url: sealed.payload,
      webhook_host: input.webhook.url ? new URL(input.webhook.url).host : kept!.webhook_host,
      telegram_chat_id: input.webhook.kind === 'telegram' ? input.webhook.chatId! : null,
    };
  }
  const kinds = Object.fromEntries(Object.entries(input.kinds).filter(([, mode]) => mode !== 'off'));
  const row = {
    merchant_id: merchantId,
    emails: [...new Set(input.emails.map((e) => e.toLowerCase()))],
    ...webhook,
    kinds: JSON.stringify(kinds),
    digest_every: input.digestEvery,
    language: input.language,
    updated_at: new Date(),
  };
  await trx('notification_settings').insert(row).onConflict('merchant_id').merge();
  return {
    emails: row.emails,
    webhook: input.webhook ? { kind: input.webhook.kind, host: webhook.webhook_host, urlReplaced: Boolean(input.webhook.url) } : null,
    kinds,
    digestEvery: row.digest_every,
    language: row.language,
  };
}

/** The stored webhook, opened for sending: the URL is a secret, kept out of logs and errors. */
export function openWebhook(vault: CodeVault, row: NotificationSettingsRow | undefined): { kind: WebhookKind; url: string; chatId: string | null } | undefined {
  if (!row?.webhook_kind || !row.webhook_url || !row.webhook_url_key_id) return undefined;
  return { kind: row.webhook_kind, url: vault.open({ keyId: row.webhook_url_key_id, payload: row.webhook_url }, boundTo(row.merchant_id)), chatId: row.telegram_chat_id };
}
