import { useState } from 'react';
import ReplayIcon from '@mui/icons-material/Replay';
import { Alert, Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, List, ListItem, ListItemText, MenuItem, Stack, TextField } from '@mui/material';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useCanAccess, useDataProvider, useGetList, useRefresh, useTranslate } from 'react-admin';
import { errorMessage } from '../components/dialogs';
import type { BulkRetryResult, CardflowDataProvider } from '../providers/dataProvider';

// After a supplier outage: retry every order that failed on that supplier since it began. The
// orders are listed first and retried only on confirmation; each row then says how it went.

const localInput = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

export function BulkRetryButton() {
  const translate = useTranslate();
  const { canAccess } = useCanAccess({ resource: 'orders', action: 'retry' });
  const [open, setOpen] = useState(false);
  if (!canAccess) return null;
  return (
    <>
      <Button size="small" startIcon={<ReplayIcon />} onClick={() => setOpen(true)} data-testid="bulk-retry">
        {translate('cf.order.bulk_retry.button')}
      </Button>
      {open && <BulkRetryDialog onClose={() => setOpen(false)} />}
    </>
  );
}

function BulkRetryDialog({ onClose }: { onClose: () => void }) {
  const translate = useTranslate();
  const refresh = useRefresh();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const { data: suppliers } = useGetList<{ id: string; name: string }>('suppliers', { pagination: { page: 1, perPage: 100 }, sort: { field: 'name', order: 'ASC' } });
  const [supplierId, setSupplierId] = useState('');
  const [since, setSince] = useState(localInput(new Date(Date.now() - 3600_000)));
  const [asked, setAsked] = useState<{ supplierId: string; since: string } | undefined>();
  const found = useQuery({
    queryKey: ['failed-on-supplier', asked],
    enabled: !!asked,
    queryFn: () => dataProvider.failedOnSupplier(asked!.supplierId, asked!.since),
  });
  const retry = useMutation({
    mutationFn: () => dataProvider.bulkRetry(asked!.supplierId, asked!.since),
    onSuccess: () => refresh(),
  });
  const results: BulkRetryResult[] | undefined = retry.data?.results;

  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="sm" data-testid="bulk-retry-dialog">
      <DialogTitle>{translate('cf.order.bulk_retry.title')}</DialogTitle>
      <DialogContent>
        <DialogContentText sx={{ mb: 2 }}>{translate('cf.order.bulk_retry.help')}</DialogContentText>
        <Stack direction="row" spacing={2} sx={{ mb: 2, pt: 1 }}>
          <TextField
            select
            fullWidth
            name="supplierId"
            label={translate('cf.order.bulk_retry.supplier')}
            value={supplierId}
            onChange={(e) => (setSupplierId(e.target.value), setAsked(undefined), retry.reset())}
          >
            {(suppliers ?? []).map((s) => (
              <MenuItem key={s.id} value={s.id}>
                {s.name}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            type="datetime-local"
            name="since"
            label={translate('cf.order.bulk_retry.since')}
            value={since}
            onChange={(e) => (setSince(e.target.value), setAsked(undefined), retry.reset())}
            slotProps={{ inputLabel: { shrink: true } }}
          />
        </Stack>
        {found.error && <Alert severity="error">{errorMessage(found.error)}</Alert>}
        {retry.error && <Alert severity="error">{errorMessage(retry.error)}</Alert>}
        {found.data && !results && (
          <Alert severity={found.data.length ? 'warning' : 'info'} data-testid="bulk-retry-found">
            {found.data.length ? translate('cf.order.bulk_retry.found', { smart_count: found.data.length }) : translate('cf.order.bulk_retry.none')}
          </Alert>
        )}
        {results && (
          <List dense data-testid="bulk-retry-results">
            {results.map((r) => (
              <ListItem key={r.id} data-testid={`bulk-retry-${r.outcome}`}>
                <ListItemText
                  primary={`${r.externalRef} · ${translate(`cf.order.bulk_retry.${r.outcome}`)}`}
                  secondary={r.error ? translate(`cf.order.errors.${r.error.code}`, { _: r.error.message }) : undefined}
                />
              </ListItem>
            ))}
          </List>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{translate('cf.common.close')}</Button>
        {!results && (
          <Button disabled={!supplierId || found.isFetching} onClick={() => setAsked({ supplierId, since: new Date(since).toISOString() })}>
            {translate('cf.order.bulk_retry.find')}
          </Button>
        )}
        {!results && (
          <Button variant="contained" color="warning" disabled={!found.data?.length || retry.isPending} onClick={() => retry.mutate()} data-testid="bulk-retry-confirm">
            {translate('cf.order.bulk_retry.confirm')}
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}
