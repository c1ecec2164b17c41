import SyncIcon from '@mui/icons-material/Sync';
import { Box, Button, Card, CardContent, CardHeader, Chip, Grid, LinearProgress, Typography } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { EditButton, Show, TopToolbar, useCanAccess, useDataProvider, useNotify, useRecordContext, useRefresh, useTranslate } from 'react-admin';
import { errorMessage } from '../components/dialogs';
import { formatWhen, Money, useIntlLocale } from '../components/fields';
import { formatMoney } from '../money';
import type { CardflowDataProvider } from '../providers/dataProvider';
import { CircuitChip } from './CircuitChip';
import { SupplierBooksCard } from './SupplierBooks';
import { SupplierCatalogue } from '../connections/SupplierCatalogue';
import { SupplierErrors } from '../connections/SupplierErrors';
import type { SupplierRecord } from './types';
import { LoadFailed } from '../components/LoadFailed';

// One supplier: how Cardflow reaches it (never its credentials, only whether they are set), its
// money on the books (SupplierBooks.tsx), its prepaid balance as last seen, and its circuit
// breaker. Managers refresh the balance from here.

export function SupplierShow() {
  return (
    <Show
      error={<LoadFailed />}
      component="div"
      actions={
        <TopToolbar>
          <RefreshBalanceButton />
          <EditButton />
        </TopToolbar>
      }
    >
      <SupplierDetail />
    </Show>
  );
}

function RefreshBalanceButton() {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const locale = useIntlLocale();
  const record = useRecordContext<SupplierRecord>();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const { canAccess } = useCanAccess({ resource: 'suppliers', action: 'refresh' });
  const mutation = useMutation({
    mutationFn: () => dataProvider.refreshSupplierBalance(record!.id),
    onSuccess: (s) => {
      notify(translate('cf.supplier.refreshed', { balance: formatMoney(s.balance, s.currency, locale) || '—' }), { type: 'info' });
      refresh();
    },
    onError: (err) => {
      notify(errorMessage(err), { type: 'error' });
      // The failed call is now among the last errors, and the circuit may have moved.
      refresh();
    },
  });
  if (!canAccess || !record || record.kind !== 'api') return null;
  return (
    <Button startIcon={<SyncIcon />} onClick={() => mutation.mutate()} disabled={mutation.isPending} data-testid="refresh-balance">
      {translate('cf.supplier.refresh')}
    </Button>
  );
}

function Row({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <Box sx={{ display: 'flex', py: 0.5, gap: 2 }}>
      <Typography variant="body2" color="text.secondary" sx={{ minWidth: 200 }}>
        {label}
      </Typography>
      <Typography variant="body2" component="div" sx={{ wordBreak: 'break-word' }} data-testid={testId}>
        {children}
      </Typography>
    </Box>
  );
}

function SupplierDetail() {
  const translate = useTranslate();
  const locale = useIntlLocale();
  const s = useRecordContext<SupplierRecord>();
  if (!s) return <LinearProgress sx={{ mt: 2 }} />;
  const f = (field: string) => translate(`resources.suppliers.fields.${field}`);
  const api = s.kind === 'api';
  return (
    <Grid container spacing={2} sx={{ mt: 0 }}>
      <Grid size={{ xs: 12, md: 6 }}>
        <Card sx={{ height: '100%' }}>
          <CardHeader title={s.name} subheader={translate(`cf.supplier.kinds.${s.kind}`)} data-testid="supplier-name" />
          <CardContent sx={{ pt: 0 }}>
            <Row label={f('active')}>{translate(s.active ? 'ra.boolean.true' : 'ra.boolean.false')}</Row>
            <Row label={f('currency')}>{s.currency ?? '—'}</Row>
            {api && (
              <>
                <Row label={f('adapter')}>{s.adapter}</Row>
                <Row label={f('baseUrl')}>{s.baseUrl}</Row>
                <Row label={f('hasCredentials')}>
                  <Chip
                    size="small"
                    data-testid="credentials-state"
                    color={s.hasCredentials ? 'success' : 'default'}
                    label={translate(s.hasCredentials ? 'cf.supplier.credentials_set' : 'cf.supplier.credentials_not_set')}
                  />
                </Row>
                <Row label={f('timeoutMs')}>{s.timeoutMs}</Row>
                <Row label={f('rateLimitPerSecond')}>{s.rateLimitPerSecond ?? translate('cf.supplier.no_limit')}</Row>
              </>
            )}
            <Row label={f('createdAt')}>{formatWhen(s.createdAt, locale)}</Row>
          </CardContent>
        </Card>
      </Grid>
      {api && (
        <Grid size={{ xs: 12, md: 6 }}>
          <SupplierBooksCard supplierId={s.id} />
          <Card sx={{ mb: 2 }}>
            <CardHeader title={translate('cf.supplier.balance')} titleTypographyProps={{ variant: 'subtitle1', fontWeight: 500 }} />
            <CardContent sx={{ pt: 0 }}>
              <Typography
                variant="h5"
                data-testid="supplier-balance"
                color={s.balance !== null && s.lowBalanceThreshold !== null && s.balance < s.lowBalanceThreshold ? 'error' : undefined}
              >
                {s.balance === null || !s.currency ? translate('cf.supplier.balance_unknown') : <Money minor={s.balance} currency={s.currency} />}
              </Typography>
              {s.balanceCheckedAt && (
                <Typography variant="caption" color="text.secondary">
                  {translate('cf.supplier.checked_at', { at: formatWhen(s.balanceCheckedAt, locale) })}
                </Typography>
              )}
              <Row label={f('lowBalanceThreshold')}>{s.lowBalanceThreshold === null || !s.currency ? '—' : <Money minor={s.lowBalanceThreshold} currency={s.currency} />}</Row>
            </CardContent>
          </Card>
          <Card>
            <CardHeader title={f('circuit')} titleTypographyProps={{ variant: 'subtitle1', fontWeight: 500 }} />
            <CardContent sx={{ pt: 0 }}>
              <CircuitChip circuit={s.circuit} />
              <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
                {translate('cf.supplier.circuit_help', { threshold: s.circuit.failureThreshold, cooldown: s.circuit.cooldownSeconds })}
              </Typography>
            </CardContent>
          </Card>
        </Grid>
      )}
      {api && (
        <Grid size={{ xs: 12, md: 6 }}>
          <SupplierErrors supplierId={s.id} threshold={s.circuit.failureThreshold} />
        </Grid>
      )}
      {api && (
        <Grid size={{ xs: 12, md: s.adapter === 'dujiao-next' ? 12 : 6 }}>
          <SupplierCatalogue supplierId={s.id} currency={s.currency} />
        </Grid>
      )}
    </Grid>
  );
}
