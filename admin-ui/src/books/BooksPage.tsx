import LockIcon from '@mui/icons-material/Lock';
import {
  Button,
  Card,
  CardContent,
  CardHeader,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
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
import { Title, useCanAccess, useNotify, useTranslate } from 'react-admin';
import { errorMessage } from '../components/dialogs';
import { formatWhen, useIntlLocale } from '../components/fields';
import { closePeriod, ledgerPeriods } from './api';

// The books: which months are closed, and closing one (owner or finance; docs/MONEY.md). A closed
// month takes no more entries; corrections land in the open period.

const lastMonth = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
};

export function BooksPage() {
  const translate = useTranslate();
  const locale = useIntlLocale();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const { canAccess: canClose } = useCanAccess({ resource: 'ledger-periods', action: 'close' });
  const closes = useQuery({ queryKey: ['ledger-periods'], queryFn: ledgerPeriods });
  const [month, setMonth] = useState(lastMonth());
  const [confirming, setConfirming] = useState(false);
  const mutation = useMutation({
    mutationFn: () => closePeriod(month),
    onSuccess: (c) => {
      setConfirming(false);
      notify(translate('cf.books.closed', { month: c.month }), { type: 'info' });
      void queryClient.invalidateQueries({ queryKey: ['ledger-periods'] });
    },
    onError: (err) => {
      setConfirming(false);
      notify(errorMessage(err), { type: 'error' });
    },
  });
  return (
    <Card sx={{ mt: 2 }}>
      <Title title={translate('cf.books.page_title')} />
      <CardHeader title={translate('cf.books.page_title')} subheader={translate('cf.books.page_help')} />
      <CardContent>
        {canClose && (
          <>
            <TextField
              type="month"
              label={translate('cf.books.month')}
              value={month}
              onChange={(e) => setMonth(e.target.value)}
              size="small"
              sx={{ mr: 2 }}
              inputProps={{ 'data-testid': 'close-month' }}
              InputLabelProps={{ shrink: true }}
            />
            <Button variant="contained" startIcon={<LockIcon />} disabled={!/^\d{4}-\d{2}$/.test(month)} onClick={() => setConfirming(true)} data-testid="close-period">
              {translate('cf.books.close')}
            </Button>
          </>
        )}
        {!closes.data ? (
          <LinearProgress sx={{ mt: 2 }} />
        ) : closes.data.length === 0 ? (
          <Typography sx={{ mt: 2 }} color="text.secondary" data-testid="no-closes">
            {translate('cf.books.none_closed')}
          </Typography>
        ) : (
          <Table size="small" sx={{ mt: 2 }} data-testid="closes">
            <TableHead>
              <TableRow>
                <TableCell>{translate('cf.books.month')}</TableCell>
                <TableCell>{translate('cf.books.closed_at')}</TableCell>
                <TableCell>{translate('cf.books.closed_by')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {closes.data.map((c) => (
                <TableRow key={c.month}>
                  <TableCell>{c.month}</TableCell>
                  <TableCell>{formatWhen(c.closedAt, locale)}</TableCell>
                  <TableCell>{c.closedBy}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
      <Dialog open={confirming} onClose={() => setConfirming(false)}>
        <DialogTitle>{translate('cf.books.confirm_title', { month })}</DialogTitle>
        <DialogContent>
          <DialogContentText>{translate('cf.books.confirm_body', { month })}</DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirming(false)}>{translate('ra.action.cancel')}</Button>
          <Button variant="contained" color="warning" disabled={mutation.isPending} onClick={() => mutation.mutate()} data-testid="confirm-close">
            {translate('cf.books.close')}
          </Button>
        </DialogActions>
      </Dialog>
    </Card>
  );
}
