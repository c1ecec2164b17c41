import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import UploadFileIcon from '@mui/icons-material/UploadFile';
import DownloadIcon from '@mui/icons-material/Download';
import {
  Box,
  Button,
  Card,
  CardContent,
  CardHeader,
  Checkbox,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  LinearProgress,
  MenuItem,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  ToggleButton,
  ToggleButtonGroup,
  Typography,
} from '@mui/material';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Title, useCanAccess, useNotify, useTranslate } from 'react-admin';
import { errorMessage } from '../components/dialogs';
import { formatWhen, useIntlLocale } from '../components/fields';
import { formatMoney } from '../money';
import { differences, importStatement, resolve, runNow, suppliersList, type Difference } from './api';

// Reconciliation (docs/MONEY.md): pick a supplier and period, import its statement or let the
// adapter fetch it, reconcile now, and resolve each difference with a reason (finance and owner).

const lastMonth = () => {
  const now = new Date();
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0));
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
};

export function ReconciliationPage() {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const { canAccess: canRun } = useCanAccess({ resource: 'reconciliation', action: 'run' });
  const { canAccess: canImport } = useCanAccess({ resource: 'reconciliation', action: 'import' });
  const suppliers = useQuery({ queryKey: ['recon-suppliers'], queryFn: suppliersList });
  const [supplierId, setSupplierId] = useState('');
  const [period, setPeriod] = useState(lastMonth());
  const [status, setStatus] = useState('open');
  const list = useQuery({ queryKey: ['recon-differences', status], queryFn: () => differences(status) });
  const file = useRef<HTMLInputElement>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['recon-differences'] });
  const run = useMutation({
    mutationFn: () => runNow({ supplierId, ...period }),
    onSuccess: (s) => {
      notify(translate('cf.recon.ran', { smart_count: s.differences }), { type: 'info' });
      refresh();
    },
    onError: (err) => notify(errorMessage(err), { type: 'error' }),
  });
  const upload = useMutation({
    mutationFn: async (f: File) => importStatement(supplierId, period.from, period.to, await f.text()),
    onSuccess: (s) => notify(translate('cf.recon.imported', { smart_count: s.lines }), { type: 'info' }),
    onError: (err) => notify(errorMessage(err), { type: 'error' }),
  });
  const chosen = !!supplierId && /^\d{4}-\d{2}-\d{2}$/.test(period.from) && /^\d{4}-\d{2}-\d{2}$/.test(period.to);
  const exportUrl = (format: 'csv' | 'xlsx') => `/admin/exports/supplier-statement?format=${format}&filter=${encodeURIComponent(JSON.stringify({ supplierId, ...period }))}`;
  return (
    <Card sx={{ mt: 2 }} data-testid="reconciliation">
      <Title title={translate('cf.recon.title')} />
      <CardHeader title={translate('cf.recon.title')} subheader={translate('cf.recon.help')} />
      <CardContent>
        <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'center' }}>
          <TextField
            select
            size="small"
            label={translate('cf.recon.supplier')}
            value={supplierId}
            onChange={(e) => setSupplierId(e.target.value)}
            sx={{ minWidth: 220 }}
            SelectProps={{ SelectDisplayProps: { 'data-testid': 'recon-supplier' } as object }}
          >
            {(suppliers.data ?? []).map((s) => (
              <MenuItem key={s.id} value={s.id}>
                {s.name}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            type="date"
            size="small"
            label={translate('cf.recon.from')}
            value={period.from}
            onChange={(e) => setPeriod({ ...period, from: e.target.value })}
            InputLabelProps={{ shrink: true }}
            inputProps={{ 'data-testid': 'recon-from' }}
          />
          <TextField
            type="date"
            size="small"
            label={translate('cf.recon.to')}
            value={period.to}
            onChange={(e) => setPeriod({ ...period, to: e.target.value })}
            InputLabelProps={{ shrink: true }}
            inputProps={{ 'data-testid': 'recon-to' }}
          />
          {canRun && (
            <Button variant="contained" startIcon={<PlayArrowIcon />} disabled={!chosen || run.isPending} onClick={() => run.mutate()} data-testid="recon-run">
              {translate('cf.recon.run')}
            </Button>
          )}
          {canImport && (
            <>
              <Button startIcon={<UploadFileIcon />} disabled={!chosen || upload.isPending} onClick={() => file.current?.click()} title={translate('cf.recon.import_help')}>
                {translate('cf.recon.import')}
              </Button>
              <input
                ref={file}
                type="file"
                accept=".csv,text/csv"
                hidden
                data-testid="recon-import"
                onChange={(e) => {
                  const f = e.target.files?.[0];
                  e.target.value = '';
                  if (f) upload.mutate(f);
                }}
              />
            </>
          )}
          <Button startIcon={<DownloadIcon />} disabled={!chosen} href={chosen ? exportUrl('csv') : undefined} data-testid="recon-export-csv">
            {translate('cf.recon.export_csv')}
          </Button>
          <Button startIcon={<DownloadIcon />} disabled={!chosen} href={chosen ? exportUrl('xlsx') : undefined}>
            {translate('cf.recon.export_xlsx')}
          </Button>
        </Box>
        {(run.isPending || upload.isPending) && <LinearProgress sx={{ mt: 2 }} />}
        <Box sx={{ mt: 3, display: 'flex', alignItems: 'center', gap: 2 }}>
          <Typography variant="h6">{translate('cf.recon.differences')}</Typography>
          <ToggleButtonGroup size="small" exclusive value={status} onChange={(_e, v: string | null) => v && setStatus(v)}>
            {['open', 'resolved', 'all'].map((s) => (
              <ToggleButton key={s} value={s} data-testid={`recon-status-${s}`}>
                {translate(`cf.recon.status_${s}`)}
              </ToggleButton>
            ))}
          </ToggleButtonGroup>
        </Box>
        {!list.data ? (
          <LinearProgress sx={{ mt: 2 }} />
        ) : list.data.length === 0 ? (
          <Typography sx={{ mt: 2 }} color="text.secondary" data-testid="recon-none">
            {translate('cf.recon.none')}
          </Typography>
        ) : (
          <DifferenceTable rows={list.data} onResolved={refresh} />
        )}
      </CardContent>
    </Card>
  );
}

function DifferenceTable({ rows, onResolved }: { rows: Difference[]; onResolved: () => void }) {
  const translate = useTranslate();
  const locale = useIntlLocale();
  const { canAccess: canResolve } = useCanAccess({ resource: 'reconciliation', action: 'resolve' });
  const [resolving, setResolving] = useState<Difference | null>(null);
  const money = (d: Difference, minor: number | null | undefined) => (minor === null || minor === undefined ? '—' : formatMoney(minor, d.currency, locale));
  return (
    <>
      <Table size="small" sx={{ mt: 2 }} data-testid="recon-differences">
        <TableHead>
          <TableRow>
            <TableCell>{translate('cf.recon.kind')}</TableCell>
            <TableCell>{translate('cf.recon.supplier')}</TableCell>
            <TableCell>{translate('cf.recon.reference')}</TableCell>
            <TableCell align="right">{translate('cf.recon.ours')}</TableCell>
            <TableCell align="right">{translate('cf.recon.theirs')}</TableCell>
            <TableCell>{translate('cf.recon.evidence')}</TableCell>
            <TableCell>{translate('cf.recon.resolution')}</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map((d) => (
            <TableRow key={d.id} data-testid={`difference-${d.kind}`}>
              <TableCell>
                <Chip size="small" color={d.status === 'open' ? 'warning' : 'default'} label={translate(`cf.recon.kinds.${d.kind}`)} />
              </TableCell>
              <TableCell>{d.supplier.name}</TableCell>
              <TableCell sx={{ fontFamily: 'monospace', fontSize: 12 }}>{d.reference}</TableCell>
              <TableCell align="right">{money(d, d.ours)}</TableCell>
              <TableCell align="right">{money(d, d.theirs)}</TableCell>
              <TableCell sx={{ fontSize: 12 }}>
                {d.evidence.statement.map((l, i) => (
                  <div key={i}>
                    {translate('cf.recon.statement_line', { kind: translate(`cf.recon.line_kinds.${l.kind}`), amount: money(d, l.amount), at: formatWhen(l.at, locale) })}
                  </div>
                ))}
                <div>
                  {d.evidence.purchase
                    ? translate('cf.recon.purchase', {
                        status: d.evidence.purchase.status,
                        charged: money(d, d.evidence.purchase.charged),
                        refunded: money(d, d.evidence.purchase.refunded),
                      })
                    : translate('cf.recon.no_purchase')}
                </div>
                {d.evidence.order && (
                  <div>
                    {translate('cf.recon.order_line', {
                      order: d.evidence.order.externalRef,
                      status: translate(`cf.status.${d.evidence.order.status}`, { _: d.evidence.order.status }),
                      delivered: translate(d.evidence.order.delivered ? 'cf.recon.delivered' : 'cf.recon.not_delivered'),
                    })}
                  </div>
                )}
              </TableCell>
              <TableCell>
                {d.status === 'open' ? (
                  canResolve && (
                    <Button size="small" variant="outlined" onClick={() => setResolving(d)} data-testid={`resolve-${d.kind}`}>
                      {translate('cf.recon.resolve')}
                    </Button>
                  )
                ) : (
                  <Typography variant="body2" data-testid={`resolution-${d.kind}`}>
                    {d.resolutionReason} — {d.resolvedBy}
                    {d.adjustmentKey && <Chip size="small" sx={{ ml: 1 }} label={translate('cf.recon.adjusted')} />}
                  </Typography>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {resolving && (
        <ResolveDialog
          difference={resolving}
          onClose={(done) => {
            setResolving(null);
            if (done) onResolved();
          }}
        />
      )}
    </>
  );
}

function ResolveDialog({ difference, onClose }: { difference: Difference; onClose: (done: boolean) => void }) {
  const translate = useTranslate();
  const notify = useNotify();
  const [reason, setReason] = useState('');
  const [adjust, setAdjust] = useState(false);
  const mutation = useMutation({
    mutationFn: () => resolve(difference.id, reason, adjust),
    onSuccess: () => {
      notify(translate('cf.recon.resolved'), { type: 'info' });
      onClose(true);
    },
    onError: (err) => notify(errorMessage(err), { type: 'error' }),
  });
  return (
    <Dialog open onClose={() => onClose(false)} fullWidth maxWidth="sm">
      <DialogTitle>{translate('cf.recon.resolve_title', { reference: difference.reference })}</DialogTitle>
      <DialogContent>
        <TextField
          autoFocus
          fullWidth
          multiline
          minRows={2}
          margin="dense"
          label={translate('cf.recon.reason')}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          inputProps={{ 'data-testid': 'resolve-reason' }}
        />
        <FormControlLabel
          control={<Checkbox checked={adjust} onChange={(e) => setAdjust(e.target.checked)} inputProps={{ 'data-testid': 'resolve-adjust' } as object} />}
          label={translate('cf.recon.adjust')}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={() => onClose(false)}>{translate('ra.action.cancel')}</Button>
        <Button variant="contained" disabled={reason.trim().length < 3 || mutation.isPending} onClick={() => mutation.mutate()} data-testid="resolve-confirm">
          {translate('cf.recon.resolve')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
