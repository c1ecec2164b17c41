import { useState } from 'react';
import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, List, ListItem, ListItemText, Stack } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { useCanAccess, useListContext, useRefresh, useStore, useTranslate, useUnselectAll } from 'react-admin';
import { errorMessage, ReasonDialog } from '../components/dialogs';
import { findApi, type BulkOrderAction, type BulkResult } from './api';

// One action on the orders chosen in a list, asked once with one note, then a result per order:
// each is done or refused by the same rule as its own button (orders/lifecycle.ts), so a mixed
// choice is fine. Only the actions the role may do are offered (lib/permissions.ts).

function BulkButton({ action, resource }: { action: BulkOrderAction; resource: string }) {
  const translate = useTranslate();
  const refresh = useRefresh();
  const { selectedIds } = useListContext();
  const unselectAll = useUnselectAll(resource);
  const { canAccess } = useCanAccess({ resource: 'orders', action });
  const [open, setOpen] = useState(false);
  const [, setShown] = useStore<Shown | null>(RESULTS_KEY, null);
  const mutation = useMutation({
    mutationFn: (reason: string) => findApi.bulkOrders(action, selectedIds as string[], reason),
    onSuccess: (r) => {
      setOpen(false);
      // Shown by BulkResultsHost, which outlives this toolbar (it goes when the choice is cleared).
      setShown({ action: label, results: r.results });
      unselectAll();
      refresh();
    },
  });
  if (!canAccess) return null;
  const label = translate(`cf.bulk.${action}`);
  const danger = action === 'refund' || action === 'cancel' || action === 'reject';
  return (
    <>
      <Button size="small" color={danger ? 'error' : 'primary'} onClick={() => (mutation.reset(), setOpen(true))} data-testid={`bulk-order-${action}`}>
        {label}
      </Button>
      {open && (
        <ReasonDialog
          open={open}
          title={translate('cf.bulk.title', { action: label, smart_count: selectedIds.length })}
          help={translate('cf.bulk.help')}
          confirmLabel={label}
          danger={danger}
          busy={mutation.isPending}
          error={mutation.error ? errorMessage(mutation.error) : undefined}
          onConfirm={(reason) => mutation.mutate(reason)}
          onClose={() => setOpen(false)}
        />
      )}
    </>
  );
}

const RESULTS_KEY = 'cardflow.bulkResults';
type Shown = { action: string; results: BulkResult[] };

/** The last bulk action's results, until read; mounted once in the layout. */
export function BulkResultsHost() {
  const [shown, setShown] = useStore<Shown | null>(RESULTS_KEY, null);
  if (!shown) return null;
  return <BulkResults action={shown.action} results={shown.results} onClose={() => setShown(null)} />;
}

function BulkResults({ action, results, onClose }: { action: string; results: BulkResult[]; onClose: () => void }) {
  const translate = useTranslate();
  const ok = results.filter((r) => r.ok).length;
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="sm" data-testid="bulk-results">
      <DialogTitle>
        {action} · {translate('cf.bulk.results')}
      </DialogTitle>
      <DialogContent>
        <Alert severity={ok === results.length ? 'success' : 'warning'} sx={{ mb: 1 }} data-testid="bulk-summary">
          {translate('cf.bulk.summary', { ok, refused: results.length - ok })}
        </Alert>
        <List dense>
          {results.map((r) => (
            <ListItem key={r.id} data-testid="bulk-result" data-ok={r.ok}>
              <ListItemText
                primary={`${r.externalRef ?? r.id} — ${translate(r.ok ? 'cf.bulk.ok' : 'cf.bulk.refused')}`}
                secondary={r.error ? translate(`cf.order.errors.${r.error.code}`, { _: r.error.message }) : undefined}
              />
            </ListItem>
          ))}
        </List>
      </DialogContent>
      <DialogActions>
        <Button variant="contained" onClick={onClose}>
          {translate('cf.common.close')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** The bulk actions of the order list (and, with approve and reject, of the review queue). */
export function BulkOrderActions({ actions, resource = 'orders' }: { actions: BulkOrderAction[]; resource?: string }) {
  return (
    <Stack direction="row" spacing={1}>
      {actions.map((a) => (
        <BulkButton key={a} action={a} resource={resource} />
      ))}
    </Stack>
  );
}
