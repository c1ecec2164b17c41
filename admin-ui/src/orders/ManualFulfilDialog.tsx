import { useState } from 'react';
import {
  Alert,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  InputAdornment,
  LinearProgress,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { Confirm, useDataProvider, useGetOne, useTranslate } from 'react-admin';
import { errorMessage } from '../components/dialogs';
import type { ManualTask } from '../manual';
import { toMinor } from '../money';
import type { CardflowDataProvider, ManualEntry } from '../providers/dataProvider';
import type { ConsoleOrder } from './types';

// Fulfil by hand: staff bought the goods from a supplier without an API and enter what they got,
// one code (PIN optional) per unit and one receipt per top-up. The units come from the order's
// manual task, in the order the API matches entries to them. Nothing is sent before a second
// "are you sure": codes cannot be taken back once delivered.

export interface OrderActionFormProps {
  order: ConsoleOrder;
  open: boolean;
  onClose: () => void;
  onDone: (result: unknown) => void;
}

interface Entry {
  number: string;
  pin: string;
  receipt: string;
}

type ApiError = { body?: { code?: string; error?: { details?: Record<string, number> } } };

export function ManualFulfilDialog({ order, open, onClose, onDone }: OrderActionFormProps) {
  const translate = useTranslate();
  const { data: task, isPending, error } = useGetOne<ManualTask>('manual-tasks', { id: order.id }, { enabled: open });
  return (
    <Dialog open={open} onClose={onClose} fullWidth maxWidth="md" data-testid="manual-fulfil-dialog">
      <DialogTitle>{translate('cf.manual.form_title', { ref: order.externalRef })}</DialogTitle>
      {error ? (
        <DialogContent>
          <Alert severity="error">{errorMessage(error)}</Alert>
        </DialogContent>
      ) : isPending || !task ? (
        <DialogContent>
          <LinearProgress />
        </DialogContent>
      ) : (
        // A fresh form each time the dialog opens on a (re)loaded task.
        <EntryForm key={task.units.map((u) => u.id).join()} order={order} task={task} onClose={onClose} onDone={onDone} />
      )}
    </Dialog>
  );
}

function EntryForm({ order, task, onClose, onDone }: { order: ConsoleOrder; task: ManualTask; onClose: () => void; onDone: (result: unknown) => void }) {
  const translate = useTranslate();
  const dataProvider = useDataProvider<CardflowDataProvider>();
  const [entries, setEntries] = useState<Entry[]>(() => task.units.map(() => ({ number: '', pin: '', receipt: '' })));
  const [unitCost, setUnitCost] = useState('');
  const [checked, setChecked] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [serverProblem, setServerProblem] = useState<{ message: string; unit?: number }>();

  const codeUnits = task.units.map((u, i) => ({ ...u, i })).filter((u) => u.needs === 'code');
  const receiptUnits = task.units.map((u, i) => ({ ...u, i })).filter((u) => u.needs === 'receipt');

  // Problems the form can see for itself: empty fields, the same code twice, a malformed amount.
  const problems: Record<number, string> = {};
  task.units.forEach((u, i) => {
    const e = entries[i];
    const value = u.needs === 'code' ? e.number.trim() : e.receipt.trim();
    if (!value) problems[i] = translate('cf.manual.required');
    else if (u.needs === 'code') {
      const first = task.units.findIndex((v, j) => j < i && v.needs === 'code' && v.sku === u.sku && entries[j].number.trim() === value);
      if (first >= 0) problems[i] = translate('cf.manual.repeated', { n: first + 1 });
    }
  });
  const cost = unitCost.trim() === '' ? undefined : toMinor(unitCost, order.currency);
  const costProblem = cost === null ? translate('cf.manual.bad_money') : undefined;
  const valid = Object.keys(problems).length === 0 && !costProblem;

  const mutation = useMutation({
    mutationFn: (body: ManualEntry) => dataProvider.orderAction(order.id, 'manual-fulfilment', body),
    onSuccess: (result) => {
      setConfirming(false);
      onDone(result);
    },
    onError: (err) => {
      setConfirming(false);
      setServerProblem(explain(err as ApiError));
    },
  });

  // The API's refusals in the reader's language; the unit a duplicate code belongs to is marked.
  const explain = (err: ApiError): { message: string; unit?: number } => {
    const code = err.body?.code;
    const d = err.body?.error?.details ?? {};
    if (code === 'duplicate_code' && typeof d.index === 'number') {
      const unit = codeUnits[d.index]?.i;
      const why = translate(`cf.manual.errors.duplicate_code_why.${d.reason ?? 'already_in_stock'}`);
      return { message: translate('cf.manual.errors.duplicate_code', { n: (unit ?? d.index) + 1, why }), unit };
    }
    if (code === 'manual_entry_mismatch') return { message: translate('cf.manual.errors.manual_entry_mismatch', { codes: d.codesNeeded, receipts: d.receiptsNeeded }) };
    if (code === 'not_awaiting_manual_fulfilment') return { message: translate('cf.manual.errors.not_awaiting_manual_fulfilment') };
    return { message: errorMessage(err) };
  };

  const set = (i: number, patch: Partial<Entry>) => {
    setEntries(entries.map((e, j) => (j === i ? { ...e, ...patch } : e)));
    setServerProblem(undefined);
  };
  const body = (): ManualEntry => ({
    ...(codeUnits.length ? { codes: codeUnits.map((u) => ({ number: entries[u.i].number.trim(), ...(entries[u.i].pin.trim() ? { pin: entries[u.i].pin.trim() } : {}) })) } : {}),
    ...(receiptUnits.length ? { receipts: receiptUnits.map((u) => entries[u.i].receipt.trim()) } : {}),
    ...(cost !== undefined && cost !== null ? { unitCost: cost } : {}),
  });

  if (task.units.length === 0) {
    return (
      <>
        <DialogContent>
          <Alert severity="info">{translate('cf.manual.nothing')}</Alert>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{translate('cf.common.close')}</Button>
        </DialogActions>
      </>
    );
  }
  const show = (i: number) => (checked && problems[i]) || (serverProblem?.unit === i ? serverProblem.message : undefined);
  return (
    <>
      <DialogContent>
        <DialogContentText sx={{ mb: 2 }}>{translate('cf.manual.form_help')}</DialogContentText>
        <Stack spacing={1}>
          {task.units.map((u, i) => (
            <Box key={u.id} data-testid="manual-unit" sx={{ display: 'flex', gap: 2, alignItems: 'flex-start', flexWrap: { xs: 'wrap', md: 'nowrap' } }}>
              <Box sx={{ minWidth: 200, pt: 1 }}>
                <Typography variant="body2" fontWeight={500}>
                  {translate('cf.manual.unit', { sku: u.sku, n: i + 1 })}
                </Typography>
                {u.account && (
                  <Typography variant="caption" color="text.secondary">
                    {translate('cf.manual.account', { account: u.account })}
                  </Typography>
                )}
              </Box>
              {u.needs === 'code' ? (
                <>
                  <TextField
                    size="small"
                    fullWidth
                    label={translate('cf.manual.number')}
                    value={entries[i].number}
                    onChange={(e) => set(i, { number: e.target.value })}
                    error={!!show(i)}
                    helperText={show(i) ?? ' '}
                    autoComplete="off"
                    slotProps={{ htmlInput: { 'data-testid': 'manual-code-number' } }}
                  />
                  <TextField
                    size="small"
                    sx={{ minWidth: 180 }}
                    label={translate('cf.manual.pin')}
                    value={entries[i].pin}
                    onChange={(e) => set(i, { pin: e.target.value })}
                    helperText=" "
                    autoComplete="off"
                    slotProps={{ htmlInput: { 'data-testid': 'manual-code-pin' } }}
                  />
                </>
              ) : (
                <TextField
                  size="small"
                  fullWidth
                  label={translate('cf.manual.receipt')}
                  value={entries[i].receipt}
                  onChange={(e) => set(i, { receipt: e.target.value })}
                  error={!!show(i)}
                  helperText={show(i) ?? ' '}
                  autoComplete="off"
                  slotProps={{ htmlInput: { 'data-testid': 'manual-receipt' } }}
                />
              )}
            </Box>
          ))}
          <TextField
            size="small"
            sx={{ maxWidth: 260 }}
            label={translate('cf.manual.unit_cost')}
            value={unitCost}
            onChange={(e) => setUnitCost(e.target.value)}
            error={checked && !!costProblem}
            helperText={(checked && costProblem) || translate('cf.manual.unit_cost_help')}
            slotProps={{ htmlInput: { inputMode: 'decimal' }, input: { endAdornment: <InputAdornment position="end">{order.currency}</InputAdornment> } }}
          />
        </Stack>
        {serverProblem && (
          <Alert severity="error" sx={{ mt: 2 }} data-testid="manual-fulfil-error">
            {serverProblem.message}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{translate('cf.common.cancel')}</Button>
        <Button
          variant="contained"
          data-testid="manual-fulfil-submit"
          onClick={() => {
            setChecked(true);
            if (valid) setConfirming(true);
          }}
        >
          {translate('cf.manual.submit')}
        </Button>
      </DialogActions>
      <Confirm
        isOpen={confirming}
        loading={mutation.isPending}
        title={translate('cf.manual.confirm_title')}
        content={translate('cf.manual.confirm', { smart_count: task.units.length })}
        confirm={translate('cf.manual.submit')}
        onConfirm={() => mutation.mutate(body())}
        onClose={() => setConfirming(false)}
      />
    </>
  );
}
