import PaymentsIcon from '@mui/icons-material/Payments';
import {
  Box,
  Button,
  Card,
  CardContent,
  CardHeader,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  LinearProgress,
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
import { useCanAccess, useNotify, useRefresh, useTranslate } from 'react-admin';
import { paySupplier, supplierBooks } from '../books/api';
import { errorMessage } from '../components/dialogs';
import { Money, useIntlLocale } from '../components/fields';
import { toMinor } from '../money';

// A supplier on the books (docs/MONEY.md), read from the ledger: its terms, the prepaid balance or
// the amount owed, spend this statement period, how often purchases failed, and what each SKU
// cost on average. Owner and finance record money paid to it here.

export function SupplierBooksCard({ supplierId }: { supplierId: string }) {
  const translate = useTranslate();
  const locale = useIntlLocale();
  const books = useQuery({ queryKey: ['supplier-books', supplierId], queryFn: () => supplierBooks(supplierId) });
  const t = (key: string, opts?: Record<string, unknown>) => translate(`cf.books.${key}`, opts);
  if (!books.data) return <LinearProgress sx={{ mt: 2 }} />;
  const b = books.data;
  const currency = b.currency;
  const amount = (minor: number | null) => (minor === null || !currency ? '—' : <Money minor={minor} currency={currency} />);
  const rate = b.purchases.failureRate === null ? '—' : new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(b.purchases.failureRate);
  return (
    <Card sx={{ mb: 2 }} data-testid="supplier-books">
      <CardHeader
        title={t('title')}
        subheader={b.terms === 'credit' ? t('terms_credit', { days: b.creditDays, period: t(`period_${b.statementPeriod}`) }) : t('terms_prepaid')}
        titleTypographyProps={{ variant: 'subtitle1', fontWeight: 500 }}
        action={currency ? <PayButton supplierId={supplierId} currency={currency} credit={b.terms === 'credit'} /> : null}
      />
      <CardContent sx={{ pt: 0 }}>
        <Typography variant="h5" data-testid="supplier-books-headline">
          {b.terms === 'credit' ? amount(b.owed) : amount(b.balance)}
        </Typography>
        <Typography variant="caption" color="text.secondary">
          {b.terms === 'credit' ? t('owed_help', { due: b.period.dueOn }) : t('balance_help')}
        </Typography>
        <Box sx={{ display: 'flex', gap: 4, mt: 2, flexWrap: 'wrap' }}>
          <Figure label={t('spend', { from: b.period.from })} testId="supplier-spend">
            {amount(b.spend)}
          </Figure>
          <Figure label={t('failure_rate', { failed: b.purchases.failed, finished: b.purchases.finished })} testId="supplier-failure-rate">
            {rate}
          </Figure>
        </Box>
        {b.averageCostPerSku.length > 0 && (
          <Table size="small" sx={{ mt: 2 }} aria-label={t('average_cost')}>
            <TableHead>
              <TableRow>
                <TableCell>{t('sku')}</TableCell>
                <TableCell align="right">{t('units')}</TableCell>
                <TableCell align="right">{t('average_cost')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {b.averageCostPerSku.map((row) => (
                <TableRow key={row.sku} data-testid={`average-cost-${row.sku}`}>
                  <TableCell>{row.sku}</TableCell>
                  <TableCell align="right">{row.units}</TableCell>
                  <TableCell align="right">{amount(row.averageCost)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}

function Figure({ label, children, testId }: { label: string; children: React.ReactNode; testId: string }) {
  return (
    <Box>
      <Typography variant="caption" color="text.secondary">
        {label}
      </Typography>
      <Typography variant="body1" data-testid={testId}>
        {children}
      </Typography>
    </Box>
  );
}

function PayButton({ supplierId, currency, credit }: { supplierId: string; currency: string; credit: boolean }) {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const queryClient = useQueryClient();
  const { canAccess } = useCanAccess({ resource: 'suppliers', action: 'pay' });
  const [open, setOpen] = useState(false);
  const [major, setMajor] = useState('');
  const [reference, setReference] = useState('');
  const minor = toMinor(major, currency);
  const mutation = useMutation({
    mutationFn: () => paySupplier(supplierId, minor!, reference.trim() || undefined),
    onSuccess: () => {
      setOpen(false);
      setMajor('');
      setReference('');
      notify(translate('cf.books.paid'), { type: 'info' });
      void queryClient.invalidateQueries({ queryKey: ['supplier-books', supplierId] });
      refresh();
    },
    onError: (err) => notify(errorMessage(err), { type: 'error' }),
  });
  if (!canAccess) return null;
  const label = translate(credit ? 'cf.books.pay' : 'cf.books.top_up');
  return (
    <>
      <Button startIcon={<PaymentsIcon />} onClick={() => setOpen(true)} data-testid="pay-supplier">
        {label}
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)}>
        <DialogTitle>{label}</DialogTitle>
        <DialogContent>
          <TextField
            autoFocus
            fullWidth
            margin="dense"
            label={translate('cf.books.amount', { currency })}
            value={major}
            onChange={(e) => setMajor(e.target.value)}
            error={major !== '' && (minor === null || minor <= 0)}
            inputProps={{ inputMode: 'decimal', 'data-testid': 'pay-amount' }}
          />
          <TextField fullWidth margin="dense" label={translate('cf.books.reference')} value={reference} onChange={(e) => setReference(e.target.value)} />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)}>{translate('ra.action.cancel')}</Button>
          <Button variant="contained" disabled={minor === null || minor <= 0 || mutation.isPending} onClick={() => mutation.mutate()} data-testid="pay-confirm">
            {translate('ra.action.confirm')}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
