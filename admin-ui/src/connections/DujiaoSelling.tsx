import { useState } from 'react';
import KeyIcon from '@mui/icons-material/Key';
import { Box, Button, Card, CardContent, CardHeader, Chip, List, ListItem, ListItemText, Table, TableBody, TableCell, TableRow, TextField, Typography } from '@mui/material';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Confirm, useCanAccess, useNotify, useTranslate } from 'react-admin';
import { errorMessage, SecretDialog } from '../components/dialogs';
import { formatWhen, useIntlLocale } from '../components/fields';
import { formatMoney, toMinor } from '../money';
import { api } from '../providers/http';
import { Link } from 'react-router-dom';

// Selling through a dujiao-next shop: the storefront's credit (the balance the shop sees), its
// dujiao-next API keys (the secret is shown once, when issued) and the address the shop adds
// as a "site connection"; and the callbacks the shop did not take (it still polls, so none is lost).

interface DujiaoSide {
  callbackFailures: { orderId: string; dujiaoOrderId: number; downstreamOrderNo: string | null; code: string; httpStatus: number | null; at: string }[];
  credit: { limit: number; currency: string; available: number } | null;
  keys: { id: string; apiKey: string; createdAt: string; revokedAt: string | null }[];
  upstreamPath: string;
}

export function DujiaoSelling({ storefrontId, currency }: { storefrontId: string; currency: string }) {
  const translate = useTranslate();
  const locale = useIntlLocale();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const { canAccess: mayIssue } = useCanAccess({ resource: 'storefronts', action: 'keys' });
  const { canAccess: mayEdit } = useCanAccess({ resource: 'storefronts', action: 'edit' });
  const key = ['dujiao-selling', storefrontId];
  const { data } = useQuery({ queryKey: key, queryFn: async () => (await api<DujiaoSide>(`/admin/storefronts/${storefrontId}/dujiao`)).json });
  const reload = () => queryClient.invalidateQueries({ queryKey: key });
  const [limit, setLimit] = useState('');
  const creditCurrency = data?.credit?.currency ?? currency;
  const setCredit = useMutation({
    mutationFn: () => api(`/admin/storefronts/${storefrontId}/credit`, { method: 'PUT', json: { creditLimit: toMinor(limit, creditCurrency), currency: creditCurrency } }),
    onSuccess: () => {
      notify(translate('cf.connections.credit_saved'), { type: 'info' });
      setLimit('');
      void reload();
    },
    onError: (err) => notify(errorMessage(err), { type: 'error' }),
  });
  const issue = useMutation({
    mutationFn: async () => (await api<{ apiKey: string; apiSecret: string }>(`/admin/storefronts/${storefrontId}/dujiao-keys`, { method: 'POST' })).json,
    onError: (err) => notify(errorMessage(err), { type: 'error' }),
  });
  const [revoking, setRevoking] = useState<string | null>(null);
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/admin/storefronts/${storefrontId}/dujiao-keys/${id}`, { method: 'DELETE' }),
    onSuccess: () => void reload(),
    onError: (err) => notify(errorMessage(err), { type: 'error' }),
    onSettled: () => setRevoking(null),
  });
  const upstreamUrl = `${window.location.origin}${data?.upstreamPath ?? '/api/v1/upstream'}`;
  return (
    <Card data-testid="dujiao-selling">
      <CardHeader
        // On a phone the key button goes under the title rather than past the screen's edge.
        sx={{ flexWrap: 'wrap', '& .MuiCardHeader-content': { minWidth: 240 } }}
        title={translate('cf.connections.selling_title')}
        subheader={translate('cf.connections.selling_help', { url: upstreamUrl })}
        action={
          mayIssue && (
            <Button startIcon={<KeyIcon />} onClick={() => issue.mutate()} disabled={issue.isPending || !data?.credit} data-testid="issue-dujiao-key">
              {translate('cf.connections.issue_key')}
            </Button>
          )
        }
      />
      <CardContent sx={{ pt: 0 }}>
        <Typography variant="body2" data-testid="dujiao-credit">
          {data?.credit
            ? translate('cf.connections.credit_state', {
                limit: formatMoney(data.credit.limit, data.credit.currency, locale),
                available: formatMoney(data.credit.available, data.credit.currency, locale),
              })
            : translate('cf.connections.no_credit')}
        </Typography>
        {mayEdit && (
          <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', mt: 1 }}>
            <TextField
              size="small"
              label={translate('cf.connections.credit_limit', { currency: creditCurrency })}
              value={limit}
              onChange={(e) => setLimit(e.target.value)}
              slotProps={{ htmlInput: { inputMode: 'decimal', 'data-testid': 'dujiao-credit-input' } }}
            />
            <Button onClick={() => setCredit.mutate()} disabled={!limit || toMinor(limit, creditCurrency) === null || setCredit.isPending}>
              {translate('cf.connections.set_credit')}
            </Button>
          </Box>
        )}
        <Box sx={{ overflowX: 'auto' }}>
          <Table size="small" sx={{ mt: 1 }} data-testid="dujiao-keys">
            <TableBody>
              {(data?.keys ?? []).map((k) => (
                <TableRow key={k.id}>
                  <TableCell>
                    <code>{k.apiKey}</code>
                  </TableCell>
                  <TableCell>{formatWhen(k.createdAt, locale)}</TableCell>
                  <TableCell>
                    {k.revokedAt ? (
                      translate('cf.connections.key_revoked', { at: formatWhen(k.revokedAt, locale) })
                    ) : (
                      <Chip size="small" color="success" label={translate('cf.connections.key_active')} />
                    )}
                  </TableCell>
                  <TableCell align="right">
                    {!k.revokedAt && mayIssue && (
                      <Button size="small" color="error" onClick={() => setRevoking(k.id)}>
                        {translate('cf.connections.revoke')}
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
        <Typography variant="subtitle2" sx={{ mt: 2 }}>
          {translate('cf.connections.callbacks_title')}
        </Typography>
        {data && data.callbackFailures.length === 0 && (
          <Typography variant="body2" color="text.secondary">
            {translate('cf.connections.no_callback_failures')}
          </Typography>
        )}
        <List dense disablePadding data-testid="callback-failures">
          {(data?.callbackFailures ?? []).map((f, i) => (
            <ListItem key={`${f.at}-${i}`} disableGutters divider>
              <ListItemText
                primary={translate(`cf.connections.callback_failure.${f.code}`, {
                  status: f.httpStatus ?? '',
                  _: translate('cf.connections.callback_failure.other', { code: f.code }),
                })}
                secondary={
                  <>
                    {formatWhen(f.at, locale)}
                    {' · '}
                    <Link to={`/orders/${f.orderId}/show`}>{translate('cf.connections.callback_order', { order: f.downstreamOrderNo || f.dujiaoOrderId })}</Link>
                  </>
                }
              />
            </ListItem>
          ))}
        </List>
      </CardContent>
      <Confirm
        isOpen={!!revoking}
        loading={revoke.isPending}
        title={translate('cf.connections.revoke')}
        content={translate('cf.connections.revoke_help')}
        onConfirm={() => revoking && revoke.mutate(revoking)}
        onClose={() => setRevoking(null)}
      />
      <SecretDialog
        open={!!issue.data}
        title={translate('cf.connections.issued_key')}
        intro={translate('cf.connections.issued_help', { url: upstreamUrl })}
        notice={translate('cf.connections.secret_notice')}
        secrets={[
          { label: translate('cf.connections.api_key'), value: issue.data?.apiKey },
          { label: translate('cf.connections.api_secret'), value: issue.data?.apiSecret },
        ]}
        onClose={() => {
          issue.reset();
          void reload();
        }}
      />
    </Card>
  );
}
