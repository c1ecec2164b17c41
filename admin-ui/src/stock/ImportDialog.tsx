import { useEffect, useRef, useState } from 'react';
import UploadFileIcon from '@mui/icons-material/UploadFile';
import {
  Alert,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  LinearProgress,
  MenuItem,
  Stack,
  Tab,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Tabs,
  TextField,
  Typography,
} from '@mui/material';
import { useTranslate } from 'react-admin';
import { errorMessage } from '../components/dialogs';
import { formatWhen, useIntlLocale } from '../components/fields';
import { toMajor, toMinor } from '../money';
import type { ParseReport, ParseRequest } from './parse-worker';
import { REFUSED_REASONS, uploadCodes, type BadLine, type ImportResult } from './upload';

// Import codes by paste or file: check (in a web worker: counts, bad lines, duplicates within the
// file, a masked preview), then upload with a progress bar, then the server's report, which also
// names each line refused because the merchant already holds that code, and why.

type Phase =
  | { name: 'editing' }
  | { name: 'checking' }
  | { name: 'uploading'; fraction: number }
  | { name: 'done'; result: ImportResult }
  | { name: 'failed'; message: string; lines?: BadLine[] };

export function ImportDialog({
  sku,
  currency,
  defaultUnitCost,
  codesCaseSensitive,
  open,
  onClose,
}: {
  sku: string;
  currency: string;
  defaultUnitCost: number;
  codesCaseSensitive: boolean;
  open: boolean;
  onClose: (changed: boolean) => void;
}) {
  const translate = useTranslate();
  const locale = useIntlLocale();
  const [mode, setMode] = useState<'paste' | 'file'>('paste');
  const [text, setText] = useState('');
  const [file, setFile] = useState<File>();
  const [format, setFormat] = useState<'csv' | 'txt'>('txt');
  const [unitCost, setUnitCost] = useState(toMajor(defaultUnitCost, currency));
  const [source, setSource] = useState('');
  const [badLines, setBadLines] = useState<'refuse' | 'skip'>('refuse');
  const [report, setReport] = useState<ParseReport>();
  const [phase, setPhase] = useState<Phase>({ name: 'editing' });
  const worker = useRef<Worker>(undefined);

  useEffect(() => () => worker.current?.terminate(), []);
  useEffect(() => setReport(undefined), [text, file, format, mode]);

  const check = (request: Omit<ParseRequest, 'codesCaseSensitive'>) => {
    worker.current?.terminate();
    worker.current = new Worker(new URL('./parse-worker.ts', import.meta.url), { type: 'module' });
    setPhase({ name: 'checking' });
    worker.current.onmessage = (e: MessageEvent<{ ok: true; report: ParseReport } | { ok: false; message: string }>) => {
      if (e.data.ok) {
        setReport(e.data.report);
        setPhase({ name: 'editing' });
      } else setPhase({ name: 'failed', message: e.data.message });
    };
    worker.current.postMessage({ ...request, codesCaseSensitive } satisfies ParseRequest);
  };

  const chooseFile = (f: File | undefined) => {
    setFile(f);
    if (!f) return;
    const fmt = /\.csv$/i.test(f.name) ? 'csv' : 'txt';
    setFormat(fmt);
    check({ file: f, format: fmt });
  };

  const cost = toMinor(unitCost, currency);
  const upload = async () => {
    setPhase({ name: 'uploading', fraction: 0 });
    try {
      const body = mode === 'file' && file ? file : text;
      const result = await uploadCodes(sku, body, { format, unitCost: cost, source: source.trim() || undefined, badLines }, (fraction) =>
        setPhase({ name: 'uploading', fraction }),
      );
      setPhase({ name: 'done', result });
    } catch (err) {
      const details = (err as { body?: { error?: { details?: { errors?: BadLine[] } } } }).body?.error?.details;
      setPhase({ name: 'failed', message: errorMessage(err), lines: details?.errors });
    }
  };

  const close = () => {
    worker.current?.terminate();
    const changed = phase.name === 'done' && phase.result.imported > 0;
    setPhase({ name: 'editing' });
    setReport(undefined);
    setText('');
    setFile(undefined);
    onClose(changed);
  };

  const busy = phase.name === 'checking' || phase.name === 'uploading';
  const canImport = !!report && (report.errorCount === 0 || badLines === 'skip') && report.codes > 0 && cost !== null && !busy && phase.name !== 'done';
  return (
    <Dialog open={open} onClose={busy ? undefined : close} fullWidth maxWidth="md" data-testid="import-dialog">
      <DialogTitle>{translate('cf.stock.import_title', { sku })}</DialogTitle>
      <DialogContent>
        {phase.name !== 'done' && (
          <>
            <Tabs value={mode} onChange={(_, v) => setMode(v)} sx={{ mb: 2 }}>
              <Tab value="paste" label={translate('cf.stock.paste')} data-testid="import-tab-paste" />
              <Tab value="file" label={translate('cf.stock.file')} data-testid="import-tab-file" />
            </Tabs>
            {mode === 'paste' ? (
              <TextField
                fullWidth
                multiline
                minRows={6}
                maxRows={14}
                name="codes"
                placeholder={'AB12CD34EF56GH78----12345678\nAB12CD34EF56GH79----87654321'}
                helperText={translate('cf.stock.paste_help')}
                value={text}
                onChange={(e) => setText(e.target.value)}
                slotProps={{ htmlInput: { spellCheck: false, style: { fontFamily: 'monospace' }, 'data-testid': 'import-text' } }}
              />
            ) : (
              <Button component="label" variant="outlined" startIcon={<UploadFileIcon />}>
                {file ? `${file.name} (${Math.ceil(file.size / 1024)} KB)` : translate('cf.stock.choose_file')}
                <input hidden type="file" accept=".csv,.txt,text/csv,text/plain" data-testid="import-file" onChange={(e) => chooseFile(e.target.files?.[0])} />
              </Button>
            )}
            <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2} sx={{ mt: 2 }}>
              <TextField select label={translate('cf.stock.format')} value={format} onChange={(e) => setFormat(e.target.value as 'csv' | 'txt')} sx={{ minWidth: 120 }}>
                <MenuItem value="txt">TXT</MenuItem>
                <MenuItem value="csv">CSV</MenuItem>
              </TextField>
              <TextField
                label={translate('cf.stock.unit_cost')}
                value={unitCost}
                onChange={(e) => setUnitCost(e.target.value)}
                error={cost === null}
                helperText={currency}
                slotProps={{ htmlInput: { inputMode: 'decimal' } }}
              />
              <TextField
                label={translate('cf.stock.source')}
                value={source}
                onChange={(e) => setSource(e.target.value)}
                // Grows to the row's free width beside the others; never narrower than a supplier and an invoice number.
                sx={{ flex: { sm: '1 1 16rem' }, minWidth: { sm: '16rem' } }}
                slotProps={{ htmlInput: { maxLength: 200, 'data-testid': 'import-source' } }}
              />
            </Stack>
            <TextField
              select
              fullWidth
              label={translate('cf.stock.bad_lines_choice')}
              value={badLines}
              onChange={(e) => setBadLines(e.target.value as 'refuse' | 'skip')}
              sx={{ mt: 2 }}
              slotProps={{ select: { SelectDisplayProps: { 'data-testid': 'import-bad-lines' } as object } }}
            >
              <MenuItem value="refuse">{translate('cf.stock.bad_lines_refuse')}</MenuItem>
              <MenuItem value="skip" data-testid="import-bad-lines-skip">
                {translate('cf.stock.bad_lines_skip')}
              </MenuItem>
            </TextField>
          </>
        )}

        {phase.name === 'checking' && (
          <Box sx={{ mt: 2 }}>
            <Typography variant="body2">{translate('cf.stock.checking')}</Typography>
            <LinearProgress />
          </Box>
        )}

        {report && phase.name !== 'done' && (
          <Box sx={{ mt: 2 }} data-testid="import-report">
            <Typography variant="subtitle2" data-testid="import-found">
              {translate('cf.stock.found', { codes: report.codes.toLocaleString(locale), lines: report.lines.toLocaleString(locale) })}
            </Typography>
            {report.duplicateLines.length > 0 && (
              <Alert severity="info" sx={{ mt: 1 }} data-testid="import-file-duplicates">
                {translate('cf.stock.file_duplicates', { smart_count: report.duplicateLines.length })}: {linesList(report.duplicateLines, translate)}
              </Alert>
            )}
            {report.errorCount > 0 && (
              <Alert severity={badLines === 'skip' ? 'warning' : 'error'} sx={{ mt: 1 }} data-testid="import-preview-bad-lines">
                {translate(badLines === 'skip' ? 'cf.stock.bad_lines_will_skip' : 'cf.stock.bad_lines', { smart_count: report.errorCount })}
                <BadLineList lines={report.errors.slice(0, 10)} />
                {report.errorCount > 10 && translate('cf.stock.and_more', { count: report.errorCount - 10 })}
              </Alert>
            )}
            {report.preview.length > 0 && (
              <>
                <Typography variant="caption" color="text.secondary" sx={{ display: 'block', mt: 2 }}>
                  {translate('cf.stock.preview')}
                </Typography>
                <Table size="small">
                  <TableHead>
                    <TableRow>
                      <TableCell>#</TableCell>
                      <TableCell>{translate('cf.stock.number')}</TableCell>
                      <TableCell>{translate('cf.stock.pin')}</TableCell>
                      <TableCell>{translate('resources.codes.fields.expiresAt')}</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {report.preview.map((p) => (
                      <TableRow key={p.line}>
                        <TableCell>{p.line}</TableCell>
                        <TableCell>
                          <code>{p.mask}</code>
                        </TableCell>
                        <TableCell>{p.pin ?? '—'}</TableCell>
                        <TableCell>{formatWhen(p.expiresAt, locale)}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </>
            )}
          </Box>
        )}

        {phase.name === 'uploading' && (
          <Box sx={{ mt: 2 }} data-testid="import-progress">
            <Typography variant="body2">
              {phase.fraction < 1 ? translate('cf.stock.uploading', { percent: Math.round(phase.fraction * 100) }) : translate('cf.stock.processing')}
            </Typography>
            <LinearProgress variant={phase.fraction < 1 ? 'determinate' : 'indeterminate'} value={phase.fraction * 100} />
          </Box>
        )}

        {phase.name === 'failed' && (
          <Alert severity="error" sx={{ mt: 2 }}>
            {phase.message}
            {phase.lines && <BadLineList lines={phase.lines.slice(0, 10)} />}
          </Alert>
        )}

        {phase.name === 'done' && (
          <Alert severity={phase.result.imported > 0 ? 'success' : 'info'} data-testid="import-result">
            {phase.result.imported > 0
              ? // "duplicates skipped" only when every refused line was a repeat: a sold or unreadable code is no duplicate.
                phase.result.badLineCount === 0 && phase.result.refused.every((r) => r.reason === 'duplicate_in_file')
                ? translate('cf.stock.done', {
                    imported: phase.result.imported.toLocaleString(locale),
                    duplicates: phase.result.duplicates.toLocaleString(locale),
                    available: phase.result.stockAvailable.toLocaleString(locale),
                  })
                : translate('cf.stock.done_refused', {
                    imported: phase.result.imported.toLocaleString(locale),
                    refused: (phase.result.refused.length + phase.result.badLineCount).toLocaleString(locale),
                    available: phase.result.stockAvailable.toLocaleString(locale),
                  })
              : translate('cf.stock.nothing_new')}
            {phase.result.refused.length > 0 && (
              <Box sx={{ mt: 1 }} data-testid="import-duplicate-lines">
                {REFUSED_REASONS.map((reason) => {
                  const lines = phase.result.refused.filter((r) => r.reason === reason).map((r) => r.line);
                  return lines.length > 0 && <div key={reason}>{translate(`cf.stock.refused.${reason}`, { lines: linesList(lines, translate) })}</div>;
                })}
              </Box>
            )}
            {phase.result.badLineCount > 0 && (
              <Box sx={{ mt: 1 }} data-testid="import-bad-lines-list">
                {translate('cf.stock.bad_lines_skipped', { smart_count: phase.result.badLineCount })}
                <BadLineList lines={phase.result.badLines.slice(0, 30)} />
                {phase.result.badLineCount > 30 && translate('cf.stock.and_more', { count: phase.result.badLineCount - 30 })}
              </Box>
            )}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={close} disabled={busy}>
          {translate(phase.name === 'done' ? 'cf.common.close' : 'cf.common.cancel')}
        </Button>
        {phase.name !== 'done' && mode === 'paste' && (
          <Button onClick={() => check({ text, format })} disabled={busy || !text.trim()} data-testid="import-check">
            {translate('cf.stock.check')}
          </Button>
        )}
        {phase.name !== 'done' && (
          <Button variant="contained" onClick={() => void upload() /* upload shows its own failure */} disabled={!canImport} data-testid="import-upload">
            {translate('cf.stock.upload', { count: (report?.codes ?? 0) - (report?.duplicateLines.length ?? 0) })}
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}

function linesList(lines: number[], translate: ReturnType<typeof useTranslate>) {
  const shown = lines.slice(0, 30).join(', ');
  return lines.length > 30 ? `${shown} ${translate('cf.stock.and_more', { count: lines.length - 30 })}` : shown;
}

/** Bad lines in the reader's language: the line number and why, from the reason code and its params. */
function BadLineList({ lines }: { lines: BadLine[] }) {
  const translate = useTranslate();
  return (
    <Box component="ul" sx={{ m: 0, pl: 2 }}>
      {lines.map((e) => (
        <li key={e.line}>{translate('cf.stock.line', { line: e.line, message: translate(`cf.stock.bad_line.${e.reason}`, { ...e.params, _: e.message }) })}</li>
      ))}
    </Box>
  );
}
