import type { NotificationSettings, NotificationSettingsInput } from '../../../notifications/settings';
import { api } from '../providers/http';

export type { NotificationSettings, NotificationSettingsInput };

/** A message sent lately (or still owed, bounced, given up), as the settings screen lists it. */
export interface SentNotification {
  id: number;
  target: string;
  digest: boolean;
  status: 'pending' | 'sent' | 'bounced' | 'gave_up' | 'dropped';
  attempts: number;
  lastError: string | null;
  /** Why it was not sent, as a code with params (notifications/send-errors.ts); null on older rows. */
  lastErrorCode?: { code: string; params: Record<string, string | number> } | null;
  alerts: number;
  createdAt: string;
  finishedAt: string | null;
}

export type NotificationSettingsPage = NotificationSettings & { recent: SentNotification[] };

export const notificationSettings = async () => (await api<NotificationSettingsPage>('/admin/notification-settings')).json;
export const saveNotificationSettings = async (input: NotificationSettingsInput) =>
  (await api<NotificationSettingsPage>('/admin/notification-settings', { method: 'PUT', json: input })).json;
