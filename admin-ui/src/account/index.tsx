import { useState } from 'react';
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
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
import { useMutation } from '@tanstack/react-query';
import { Title, useDataProvider, useGetIdentity, useGetList, useNotify, useTranslate } from 'react-admin';
import { canAccess, type Role } from '../../../lib/permissions';
import { SecretDialog } from '../components/dialogs';
import { formatWhen, useIntlLocale } from '../components/fields';
import type { AdminToken, CardflowDataProvider } from '../providers/dataProvider';

// "My account": what every user does for themselves. Change their own password (knowing the
// current one; their other sessions end), and make, see and revoke admin tokens for scripts.
// An owner sees and may revoke every user's tokens.

/** An API error's text: the console's own words for codes it knows, else the server's message. */
function useErrorText() {
  const translate = useTranslate();
  return (err: unknown) => {
    const e = err as { body?: { code?: string }; message?: string } | null;
    const code = e?.body?.code;
    return code ? translate(`cf.account.errors.${code}`, { _: e?.message ?? code }) : (e?.message ?? String(err));
  };
}

function ChangePassword() {
  const translate = useTranslate();
  const notify = useNotify();
  const errorText = useErrorText();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const change = useMutation({
    mutationFn: () => dataProvider.changeOwnPassword(current, next),
    onSuccess: () => {
      setCurrent('');
      setNext('');
      setAgain('');
      notify(translate('cf.account.password_changed'), { type: 'info' });
    },
  });
  const mismatch = again.length > 0 && again !== next;
  return (
    <Card data-testid="change-password">
      <CardContent>
        <Typography variant="h6">{translate('cf.account.change_password')}</Typography>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
          {translate('cf.account.change_password_help')}
        </Typography>
        <Stack spacing={2} sx={{ maxWidth: 420 }}>
          <TextField
            type="password"
            autoComplete="current-password"
            label={translate('cf.account.current_password')}
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
          <TextField
            type="password"
            autoComplete="new-password"
            label={translate('cf.account.new_password')}
            helperText={translate('cf.account.new_password_help')}
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
          <TextField
            type="password"
            autoComplete="new-password"
            label={translate('cf.account.repeat_password')}
            value={again}
            error={mismatch}
            helperText={mismatch ? translate('cf.account.passwords_differ') : undefined}
            onChange={(e) => setAgain(e.target.value)}
          />
          {change.error && <Alert severity="error">{errorText(change.error)}</Alert>}
          <Box>
            <Button variant="contained" disabled={!current || next.length < 10 || next !== again || change.isPending} onClick={() => change.mutate()}>
              {translate('cf.account.change_password')}
            </Button>
          </Box>
        </Stack>
      </CardContent>
    </Card>
  );
}

const LIFETIMES = [30, 90, 365];

function NewTokenButton({ onMade }: { onMade: () => void }) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [days, setDays] = useState(90);
  const make = useMutation({
    mutationFn: () => dataProvider.createAdminToken(name.trim(), days),
    onSuccess: () => {
      setOpen(false);
      setName('');
      onMade();
    },
  });
  return (
    <>
      <Button variant="contained" onClick={() => (make.reset(), setOpen(true))}>
        {translate('cf.account.new_token')}
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} fullWidth maxWidth="xs">
        <DialogTitle>{translate('cf.account.new_token')}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ mt: 1 }}>
            <TextField
              autoFocus
              label={translate('cf.account.token_name')}
              helperText={translate('cf.account.token_name_help')}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
            <TextField select label={translate('cf.account.token_lifetime')} value={days} onChange={(e) => setDays(Number(e.target.value))}>
              {LIFETIMES.map((d) => (
                <MenuItem key={d} value={d}>
                  {translate('cf.account.days', { smart_count: d })}
                </MenuItem>
              ))}
            </TextField>
            {make.error && <Alert severity="error">{errorText(make.error)}</Alert>}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)}>{translate('cf.common.cancel')}</Button>
          <Button variant="contained" disabled={!name.trim() || make.isPending} onClick={() => make.mutate()}>
            {translate('cf.account.make_token')}
          </Button>
        </DialogActions>
      </Dialog>
      <SecretDialog
        open={!!make.data}
        title={translate('cf.account.token_made')}
        intro={translate('cf.account.token_made_help')}
        secrets={[{ label: make.data?.name ?? '', value: make.data?.token }]}
        onClose={() => make.reset()}
      />
    </>
  );
}

function tokenState(t: AdminToken): 'active' | 'revoked' | 'expired' {
  if (t.revokedAt) return 'revoked';
  return Date.parse(t.expiresAt) <= Date.now() ? 'expired' : 'active';
}

function AdminTokens() {
  const translate = useTranslate();
  const notify = useNotify();
  const errorText = useErrorText();
  const locale = useIntlLocale();
  const { identity } = useGetIdentity();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const { data: tokens = [], refetch } = useGetList<AdminToken>('admin-tokens', { pagination: { page: 1, perPage: 200 }, sort: { field: 'createdAt', order: 'DESC' } });
  const revoke = useMutation({
    mutationFn: (id: string) => dataProvider.delete('admin-tokens', { id }),
    onSuccess: () => (notify(translate('cf.account.token_revoked'), { type: 'info' }), refetch()),
    onError: (err) => notify(errorText(err), { type: 'error' }),
  });
  const seesAll = canAccess(identity?.role as Role | undefined, { resource: 'users', action: 'edit' });
  return (
    <Card data-testid="admin-tokens">
      <CardContent>
        <Stack direction="row" sx={{ justifyContent: 'space-between', alignItems: 'center' }}>
          <Typography variant="h6">{translate('cf.account.tokens')}</Typography>
          <NewTokenButton onMade={() => void refetch()} />
        </Stack>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
          {translate(seesAll ? 'cf.account.tokens_help_owner' : 'cf.account.tokens_help')}
        </Typography>
        {tokens.length === 0 ? (
          <Typography color="text.secondary" data-testid="no-tokens">
            {translate('cf.account.no_tokens')}
          </Typography>
        ) : (
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{translate('resources.admin-tokens.fields.name')}</TableCell>
                <TableCell>{translate('resources.admin-tokens.fields.prefix')}</TableCell>
                {seesAll && <TableCell>{translate('resources.admin-tokens.fields.userEmail')}</TableCell>}
                <TableCell>{translate('resources.admin-tokens.fields.expiresAt')}</TableCell>
                <TableCell>{translate('resources.admin-tokens.fields.lastUsedAt')}</TableCell>
                <TableCell>{translate('resources.admin-tokens.fields.status')}</TableCell>
                <TableCell />
              </TableRow>
            </TableHead>
            <TableBody>
              {tokens.map((t) => {
                const state = tokenState(t);
                return (
                  <TableRow key={t.id} data-testid="token-row">
                    <TableCell>{t.name}</TableCell>
                    <TableCell sx={{ fontFamily: 'monospace' }}>{t.prefix}…</TableCell>
                    {seesAll && <TableCell>{t.userEmail}</TableCell>}
                    <TableCell>{formatWhen(t.expiresAt, locale)}</TableCell>
                    <TableCell>{t.lastUsedAt ? formatWhen(t.lastUsedAt, locale) : translate('cf.account.never_used')}</TableCell>
                    <TableCell>
                      <Chip size="small" color={state === 'active' ? 'success' : 'default'} label={translate(`cf.account.token_states.${state}`)} />
                    </TableCell>
                    <TableCell align="right">
                      {state === 'active' && (
                        <Button color="error" size="small" disabled={revoke.isPending} onClick={() => revoke.mutate(t.id)}>
                          {translate('cf.account.revoke')}
                        </Button>
                      )}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}

export function AccountPage() {
  const translate = useTranslate();
  return (
    <Stack spacing={2} sx={{ mt: 2 }} data-testid="account-page">
      <Title title={translate('cf.account.title')} />
      <ChangePassword />
      <AdminTokens />
    </Stack>
  );
}
