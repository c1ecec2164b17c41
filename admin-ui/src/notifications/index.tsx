import NotificationsIcon from '@mui/icons-material/NotificationsNone';
import {
  Box,
  Button,
  Card,
  CardContent,
  CardHeader,
  Chip,
  LinearProgress,
  MenuItem,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Title, useCanAccess, useNotify, useTranslate } from 'react-admin';
import { ALERT_KINDS, type AlertKind } from '../../../lib/alert-kinds';
import { errorMessage } from '../components/dialogs';
import { formatWhen, useIntlLocale } from '../components/fields';
import { notificationSettings, saveNotificationSettings, type NotificationSettingsInput, type NotificationSettingsPage } from './api';

// Who hears of alerts and how (notifications/settings.ts): email addresses, one chat-bot webhook
// (WeCom, DingTalk, Telegram, or any receiver of JSON), and per kind of alert: off, at once, or in
// an hourly or daily digest. The webhook URL holds the bot's token: it is never shown again,
// only its host; left empty on save, the stored one is kept.

const WEBHOOK_KINDS = ['none', 'generic', 'wecom', 'dingtalk', 'telegram'] as const;
const MODES = ['off', 'immediate', 'digest'] as const;

interface Draft {
  emails: string;
  webhookKind: (typeof WEBHOOK_KINDS)[number];
  webhookUrl: string;
  chatId: string;
  kinds: Record<AlertKind, (typeof MODES)[number]>;
  digestEvery: 'hourly' | 'daily';
  language: 'en' | 'zh';
}

const draftOf = (s: NotificationSettingsPage): Draft => ({
  emails: s.emails.join('\n'),
  webhookKind: s.webhook?.kind ?? 'none',
  webhookUrl: '',
  chatId: s.webhook?.chatId ?? '',
  kinds: s.kinds,
  digestEvery: s.digestEvery,
  language: s.language,
});

const inputOf = (d: Draft): NotificationSettingsInput => ({
  emails: d.emails
    .split(/[\s,;]+/)
    .map((e) => e.trim())
    .filter(Boolean),
  webhook:
    d.webhookKind === 'none'
      ? null
      : { kind: d.webhookKind, ...(d.webhookUrl.trim() ? { url: d.webhookUrl.trim() } : {}), ...(d.webhookKind === 'telegram' ? { chatId: d.chatId.trim() } : {}) },
  kinds: d.kinds,
  digestEvery: d.digestEvery,
  language: d.language,
});

export function NotificationSettingsPage() {
  const translate = useTranslate();
  const settings = useQuery({ queryKey: ['notification-settings'], queryFn: notificationSettings });
  return (
    <Box sx={{ mt: 2, display: 'flex', flexDirection: 'column', gap: 2 }}>
      <Title title={translate('cf.notify.title')} />
      {settings.isPending ? <LinearProgress /> : settings.data ? <SettingsForm key={JSON.stringify(settings.data)} page={settings.data} /> : null}
      {settings.data && <RecentMessages page={settings.data} />}
    </Box>
  );
}

function SettingsForm({ page }: { page: NotificationSettingsPage }) {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const { canAccess: canEdit } = useCanAccess({ resource: 'notification-settings', action: 'edit' });
  const [draft, setDraft] = useState<Draft>(draftOf(page));
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const set = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const save = useMutation({
    mutationFn: () => saveNotificationSettings(inputOf(draft)),
    onSuccess: (saved) => {
      setFieldErrors({});
      notify(translate('cf.notify.saved'), { type: 'info' });
      queryClient.setQueryData(['notification-settings'], saved);
    },
    onError: (err) => {
      setFieldErrors((err as { body?: { errors?: Record<string, string> } }).body?.errors ?? {});
      notify(errorMessage(err), { type: 'error' });
    },
  });
  const fieldError = (prefix: string) => Object.entries(fieldErrors).find(([k]) => k.startsWith(prefix))?.[1];
  return (
    <Card>
      <CardHeader title={translate('cf.notify.title')} subheader={translate('cf.notify.help')} />
      <CardContent>
        <Stack spacing={2} sx={{ maxWidth: 720 }}>
          <TextField
            label={translate('cf.notify.emails')}
            helperText={fieldError('emails') ?? translate('cf.notify.emails_help')}
            error={Boolean(fieldError('emails'))}
            multiline
            minRows={2}
            value={draft.emails}
            onChange={(e) => set({ emails: e.target.value })}
            disabled={!canEdit}
            slotProps={{ htmlInput: { 'data-testid': 'notify-emails' } }}
          />
          <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2}>
            <TextField
              select
              label={translate('cf.notify.webhook_kind')}
              value={draft.webhookKind}
              onChange={(e) => set({ webhookKind: e.target.value as Draft['webhookKind'] })}
              disabled={!canEdit}
              sx={{ minWidth: 200 }}
              slotProps={{ select: { SelectDisplayProps: { 'data-testid': 'notify-webhook-kind' } as object } }}
            >
              {WEBHOOK_KINDS.map((k) => (
                <MenuItem key={k} value={k}>
                  {translate(`cf.notify.webhook_kinds.${k}`)}
                </MenuItem>
              ))}
            </TextField>
            {draft.webhookKind !== 'none' && (
              <TextField
                fullWidth
                label={translate('cf.notify.webhook_url')}
                placeholder={page.webhook ? translate('cf.notify.webhook_url_kept', { host: page.webhook.host }) : undefined}
                helperText={fieldError('webhook.url') ?? translate(`cf.notify.webhook_url_help.${draft.webhookKind}`)}
                error={Boolean(fieldError('webhook.url'))}
                value={draft.webhookUrl}
                onChange={(e) => set({ webhookUrl: e.target.value })}
                disabled={!canEdit}
                autoComplete="off"
              />
            )}
          </Stack>
          {draft.webhookKind === 'telegram' && (
            <TextField
              label={translate('cf.notify.chat_id')}
              helperText={fieldError('webhook.chatId') ?? translate('cf.notify.chat_id_help')}
              error={Boolean(fieldError('webhook.chatId'))}
              value={draft.chatId}
              onChange={(e) => set({ chatId: e.target.value })}
              disabled={!canEdit}
            />
          )}
          <Typography variant="subtitle2">{translate('cf.notify.kinds')}</Typography>
          <Table size="small">
            <TableBody>
              {ALERT_KINDS.map((kind) => (
                <TableRow key={kind}>
                  <TableCell>{translate(`cf.alerts.kinds.${kind}`)}</TableCell>
                  <TableCell sx={{ width: 200 }}>
                    <TextField
                      select
                      size="small"
                      fullWidth
                      value={draft.kinds[kind]}
                      onChange={(e) => set({ kinds: { ...draft.kinds, [kind]: e.target.value as Draft['kinds'][AlertKind] } })}
                      disabled={!canEdit}
                      slotProps={{
                        htmlInput: { 'aria-label': translate(`cf.alerts.kinds.${kind}`) },
                        select: { SelectDisplayProps: { 'data-testid': `notify-kind-${kind}` } as object },
                      }}
                    >
                      {MODES.map((m) => (
                        <MenuItem key={m} value={m}>
                          {translate(`cf.notify.modes.${m}`)}
                        </MenuItem>
                      ))}
                    </TextField>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2}>
            <TextField
              select
              label={translate('cf.notify.digest_every')}
              value={draft.digestEvery}
              onChange={(e) => set({ digestEvery: e.target.value as Draft['digestEvery'] })}
              disabled={!canEdit}
              sx={{ minWidth: 200 }}
            >
              <MenuItem value="hourly">{translate('cf.notify.hourly')}</MenuItem>
              <MenuItem value="daily">{translate('cf.notify.daily')}</MenuItem>
            </TextField>
            <TextField
              select
              label={translate('cf.notify.language')}
              value={draft.language}
              onChange={(e) => set({ language: e.target.value as Draft['language'] })}
              disabled={!canEdit}
              sx={{ minWidth: 200 }}
            >
              <MenuItem value="en">English</MenuItem>
              <MenuItem value="zh">简体中文</MenuItem>
            </TextField>
          </Stack>
          {canEdit && (
            <Box>
              <Button variant="contained" onClick={() => save.mutate()} disabled={save.isPending} data-testid="notify-save">
                {translate('cf.notify.save')}
              </Button>
            </Box>
          )}
        </Stack>
      </CardContent>
    </Card>
  );
}

function RecentMessages({ page }: { page: NotificationSettingsPage }) {
  const translate = useTranslate();
  const locale = useIntlLocale();
  return (
    <Card>
      <CardHeader title={translate('cf.notify.recent')} />
      <CardContent sx={{ overflowX: 'auto' }}>
        {page.recent.length === 0 ? (
          <Typography color="text.secondary">{translate('cf.notify.recent_none')}</Typography>
        ) : (
          <Table size="small" data-testid="notify-recent">
            <TableHead>
              <TableRow>
                <TableCell>{translate('cf.notify.to')}</TableCell>
                <TableCell>{translate('cf.notify.status_label')}</TableCell>
                <TableCell>{translate('cf.notify.when')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {page.recent.map((m) => (
                <TableRow key={m.id}>
                  <TableCell>
                    {m.target === 'webhook' ? translate('cf.notify.webhook') : m.target.replace(/^email:/, '')}
                    {m.digest && <Chip size="small" sx={{ ml: 1 }} label={translate('cf.notify.digest_of', { count: m.alerts })} />}
                  </TableCell>
                  <TableCell>
                    {translate(`cf.notify.status.${m.status}`)}
                    {m.lastError && (
                      <Typography variant="caption" color="text.secondary" display="block">
                        {m.lastErrorCode
                          ? translate(`cf.notify.errors.${m.lastErrorCode.code}`, { ...m.lastErrorCode.params, _: m.lastError ?? m.lastErrorCode.code })
                          : m.lastError}
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell>{formatWhen(m.finishedAt ?? m.createdAt, locale)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}

export const notificationSettingsScreen = { list: NotificationSettingsPage, icon: NotificationsIcon };
