import { useState } from 'react';
import ReportProblemIcon from '@mui/icons-material/ReportProblem';
import MoneyOffIcon from '@mui/icons-material/MoneyOff';
import ReplayIcon from '@mui/icons-material/Replay';
import { Alert, Box, Button, Chip, Dialog, DialogActions, DialogContent, DialogTitle, List as MuiList, ListItem, ListItemText, Stack, Typography } from '@mui/material';
import { Datagrid, FunctionField, TextField, useDataProvider, useListContext, useRefresh, useTranslate, useCanAccess } from 'react-admin';
import { errorMessage, ReasonDialog } from '../components/dialogs';
import { MoneyField, WhenField } from '../components/fields';
import type { AttentionBulkResult, CardflowDataProvider } from '../providers/dataProvider';
import { ConsoleList } from '../components/ConsoleList';

// Needs attention: orders whose workflow stopped for a person (something that "cannot happen"
// did, or a step ran out of retries), oldest first, with the step, what broke and the supplier
// involved. Several can be retried or refunded at once (after an outage); the answer says what
// happened to each. A row opens the order, whose own buttons include fulfil by hand.

export interface AttentionRow {
  id: string;
  externalRef: string;
  currency: string;
  totalAmount: number;
  step: string;
  code: string;
  params: Record<string, string | number>;
  since: string;
  suppliers: { id: string; name: string }[];
}

/** What broke, in the reader's language (the server sends a code with params). */
export function useAttentionReason() {
  const translate = useTranslate();
  return (a: { code: string; params: Record<string, string | number> }) =>
    translate(`cf.attention.codes.${a.code}`, {
      ...a.params,
      step: translate(`cf.workflow.step.${a.params.step ?? ''}`, { _: String(a.params.step ?? '') }),
      _: `${a.code} ${JSON.stringify(a.params)}`,
    });
}

function Age({ since }: { since: string }) {
  const translate = useTranslate();
  const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(since)) / 60_000));
  const label =
    minutes < 60
      ? translate('cf.attention.age_minutes', { smart_count: minutes })
      : minutes < 48 * 60
        ? translate('cf.attention.age_hours', { smart_count: Math.floor(minutes / 60) })
        : translate('cf.attention.age_days', { smart_count: Math.floor(minutes / 1440) });
  return <Chip size="small" color={minutes >= 60 ? 'error' : 'warning'} label={label} />;
}

function Empty() {
  const translate = useTranslate();
  return (
    <Box sx={{ textAlign: 'center', mt: 6 }} data-testid="attention-empty">
      <Typography variant="h6">{translate('cf.attention.empty')}</Typography>
      <Typography color="text.secondary">{translate('cf.attention.empty_help')}</Typography>
    </Box>
  );
}

interface BulkOutcome {
  results: AttentionBulkResult[];
  /** Order references at the time of asking: refunded orders leave the list. */
  refs: Record<string, string>;
}

/** Retry or refund the selected orders: asks first (always why), then hands each order's result to the list. */
function BulkAction({ action, onDone }: { action: 'retry' | 'refund'; onDone: (outcome: BulkOutcome) => void }) {
  const translate = useTranslate();
  const refresh = useRefresh();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const { selectedIds, data, onUnselectItems } = useListContext<AttentionRow>();
  const { canAccess } = useCanAccess({ resource: 'orders', action });
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  if (!canAccess) return null;
  const run = async (note: string) => {
    setBusy(true);
    setError(undefined);
    const ids = selectedIds;
    const refs = Object.fromEntries(ids.map((id) => [id, data?.find((r) => r.id === id)?.externalRef ?? id]));
    try {
      const answer = await dataProvider.attentionBulk(action, ids, note);
      setOpen(false);
      onDone({ results: answer.results, refs });
      onUnselectItems();
      refresh();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const label = translate(`cf.attention.bulk.${action}`, { smart_count: selectedIds.length });
  return (
    <>
      <Button
        size="small"
        color={action === 'refund' ? 'error' : 'primary'}
        startIcon={action === 'refund' ? <MoneyOffIcon /> : <ReplayIcon />}
        onClick={() => setOpen(true)}
        data-testid={`attention-bulk-${action}`}
      >
        {label}
      </Button>
      <ReasonDialog
        open={open}
        title={label}
        help={translate(`cf.attention.bulk.${action}_help`, { smart_count: selectedIds.length })}
        confirmLabel={label}
        danger={action === 'refund'}
        busy={busy}
        error={error}
        onConfirm={(note) => void run(note)}
        onClose={() => setOpen(false)}
      />
    </>
  );
}

function BulkResults({ outcome, onClose }: { outcome: BulkOutcome | undefined; onClose: () => void }) {
  const translate = useTranslate();
  const results = outcome?.results ?? [];
  return (
    <Dialog open={!!outcome} onClose={onClose} fullWidth maxWidth="sm" data-testid="attention-bulk-results">
      <DialogTitle>{translate('cf.attention.bulk.results', { done: results.filter((r) => r.ok).length, total: results.length })}</DialogTitle>
      <DialogContent>
        <MuiList dense>
          {results.map((r) => (
            <ListItem key={r.id} data-testid="attention-bulk-result">
              <ListItemText primary={outcome?.refs[r.id] ?? r.id} secondary={r.ok ? undefined : (r.error?.message ?? r.error?.code)} />
              <Chip size="small" color={r.ok ? 'success' : 'error'} label={translate(r.ok ? 'cf.attention.bulk.ok' : 'cf.attention.bulk.refused')} />
            </ListItem>
          ))}
        </MuiList>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{translate('cf.common.close')}</Button>
      </DialogActions>
    </Dialog>
  );
}

function AttentionList() {
  const translate = useTranslate();
  const reason = useAttentionReason();
  // Kept here, not in the bulk toolbar: that toolbar goes away with the selection.
  const [outcome, setOutcome] = useState<BulkOutcome>();
  return (
    <>
      <ConsoleList title={translate('cf.attention.title')} sort={{ field: 'since', order: 'ASC' }} perPage={50} exporter={false} empty={<Empty />} actions={false}>
        <Alert severity="warning" sx={{ m: 1 }}>
          {translate('cf.attention.help')}
        </Alert>
        <Datagrid
          bulkActionButtons={
            <Stack direction="row" spacing={1}>
              <BulkAction action="retry" onDone={setOutcome} />
              <BulkAction action="refund" onDone={setOutcome} />
            </Stack>
          }
          rowClick={(id) => `/orders/${id}/show`}
          data-testid="attention-grid"
        >
          <TextField source="externalRef" sortable />
          <FunctionField<AttentionRow> source="since" sortable render={(r) => <Age since={r.since} />} />
          <FunctionField<AttentionRow> source="step" sortable render={(r) => translate(`cf.workflow.step.${r.step}`, { _: r.step })} />
          <FunctionField<AttentionRow> source="code" sortable={false} render={(r) => <Typography variant="body2">{reason(r)}</Typography>} />
          <FunctionField<AttentionRow>
            source="suppliers"
            sortable={false}
            render={(r) => (
              <Stack direction="row" spacing={0.5} flexWrap="wrap" useFlexGap>
                {r.suppliers.map((s) => (
                  <Chip key={s.id} size="small" variant="outlined" label={s.name} />
                ))}
              </Stack>
            )}
          />
          <MoneyField source="totalAmount" />
          <WhenField source="since" label="resources.needs-attention.fields.stoppedAt" sortable={false} />
        </Datagrid>
      </ConsoleList>
      <BulkResults outcome={outcome} onClose={() => setOutcome(undefined)} />
    </>
  );
}

export const needsAttention = { list: AttentionList, icon: ReportProblemIcon, recordRepresentation: 'externalRef' };
