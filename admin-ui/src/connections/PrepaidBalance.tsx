import { useState } from 'react';
import AddCardIcon from '@mui/icons-material/AddCard';
import { Box, Button, Card, CardContent, CardHeader, List, ListItem, ListItemText, TextField, Typography } from '@mui/material';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Confirm, useCanAccess, useNotify, useTranslate } from 'react-admin';
import { Link } from 'react-router-dom';
import { errorMessage } from '../components/dialogs';
import { formatWhen, useIntlLocale } from '../components/fields';
import { LoadFailed } from '../components/LoadFailed';
import { formatMoney, toMinor } from '../money';
import { api } from '../providers/http';

// A storefront's prepaid balance (storefronts/prepaid-balance.ts): what it has left, a top-up of
// money it paid ahead (recorded by the server's one rule, audited), and every movement with the
// balance after it. The server checks the amount and the role; the form only keeps a person from
// sending what it would refuse.

interface BalanceHistory {
  currency: string | null;
  balance: number;
  entries: { kind: string; orderId: string | null; externalRef: string | null; amount: number; balanceAfter: number; at: string }[];
}

export function PrepaidBalance({ storefrontId, currency: merchantCurrency }: { storefrontId: string; currency: string }) {
  const translate = useTranslate();
  const locale = useIntlLocale();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const { canAccess: mayTopUp } = useCanAccess({ resource: 'storefronts', action: 'edit' });
  const key = ['prepaid-balance', storefrontId];
  const { data, isError } = useQuery({ queryKey: key, queryFn: async () => (await api<BalanceHistory>(`/admin/storefronts/${storefrontId}/balance/entries`)).json });
  const currency = data?.currency ?? merchantCurrency;
  const [amount, setAmount] = useState('');
  const [confirming, setConfirming] = useState(false);
  const minor = toMinor(amount, currency);
  const topUp = useMutation({
    mutationFn: async () =>
      (await api<{ balance: number; currency: string }>(`/admin/storefronts/${storefrontId}/balance/top-ups`, { method: 'POST', json: { amount: minor, currency } })).json,
    onSuccess: (r) => {
      notify(translate('cf.connections.topped_up', { balance: formatMoney(r.balance, r.currency, locale) }), { type: 'info' });
      setAmount('');
      void queryClient.invalidateQueries({ queryKey: key });
      void queryClient.invalidateQueries({ queryKey: ['dujiao-selling', storefrontId] });
    },
    onError: (err) => notify(errorMessage(err), { type: 'error' }),
    onSettled: () => setConfirming(false),
  });
  const money = (m: number) => formatMoney(m, currency, locale);
  return (
    <Card data-testid="prepaid-balance">
      <CardHeader title={translate('cf.connections.balance_title')} subheader={translate('cf.connections.balance_help')} />
      <CardContent sx={{ pt: 0 }}>
        {isError && <LoadFailed />}
        <Typography variant="h5" data-testid="prepaid-balance-amount">
          {data?.currency ? translate('cf.connections.balance_state', { balance: money(data.balance) }) : data && translate('cf.connections.balance_none')}
        </Typography>
        {mayTopUp && (
          <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', mt: 1, flexWrap: 'wrap' }}>
            <TextField
              size="small"
              label={translate('cf.connections.top_up_amount', { currency })}
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              error={amount !== '' && !minor}
              slotProps={{ htmlInput: { inputMode: 'decimal', 'data-testid': 'top-up-amount' } }}
            />
            <Button startIcon={<AddCardIcon />} onClick={() => setConfirming(true)} disabled={!minor || topUp.isPending} data-testid="top-up">
              {translate('cf.connections.top_up')}
            </Button>
          </Box>
        )}
        <Typography variant="subtitle2" sx={{ mt: 2 }}>
          {translate('cf.connections.history_title')}
        </Typography>
        {data && data.entries.length === 0 && (
          <Typography variant="body2" color="text.secondary">
            {translate('cf.connections.no_history')}
          </Typography>
        )}
        <List dense disablePadding data-testid="prepaid-history">
          {(data?.entries ?? []).map((e, i) => (
            <ListItem key={`${e.at}-${i}`} disableGutters divider>
              <ListItemText
                primary={
                  <Box sx={{ display: 'flex', justifyContent: 'space-between', gap: 1, flexWrap: 'wrap' }}>
                    <span>
                      {translate(`cf.connections.balance_kinds.${e.kind}`, { _: e.kind })}
                      {e.orderId && (
                        <>
                          {' · '}
                          <Link to={`/orders/${e.orderId}/show`}>{e.externalRef ?? e.orderId}</Link>
                        </>
                      )}
                    </span>
                    <Typography component="span" variant="body2" color={e.amount < 0 ? 'error' : 'success.main'}>
                      {e.amount > 0 ? '+' : ''}
                      {money(e.amount)}
                    </Typography>
                  </Box>
                }
                secondary={`${formatWhen(e.at, locale)} · ${translate('cf.connections.history_after', { balance: money(e.balanceAfter) })}`}
              />
            </ListItem>
          ))}
        </List>
      </CardContent>
      <Confirm
        isOpen={confirming}
        loading={topUp.isPending}
        title={translate('cf.connections.top_up_confirm_title', { amount: minor ? money(minor) : '' })}
        content={translate('cf.connections.top_up_confirm')}
        onConfirm={() => topUp.mutate()}
        onClose={() => setConfirming(false)}
      />
    </Card>
  );
}
