import DownloadIcon from '@mui/icons-material/Download';
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  CardHeader,
  Checkbox,
  FormControlLabel,
  LinearProgress,
  MenuItem,
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
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { errorMessage } from '../components/dialogs';
import { useIntlLocale } from '../components/fields';
import { download } from '../find/ExportMenu';
import { formatMoney, currencyDigits } from '../money';
import { enterRate, fetchReport, fetchReporting, REPORT_NAMES, reportSearch, saveReportingCurrency, type ReportAnswer, type ReportName, type ReportQuery } from './api';

// Reports (docs/MONEY.md "Reports"): pick a report and a range of the merchant's days, compare
// with the period before, convert into the reporting currency (the rates used are shown), and
// export what is shown as CSV or XLSX. The figures come worked out from the server; this screen
// only lays them out.

type Row = ReportAnswer['rows'][number];
type Column = ReportAnswer['columns'][number];

/** What each report's chart draws, per row. */
const CHARTED: Record<ReportName, string> = {
  'profit-by-sku': 'profit',
  'profit-by-supplier': 'profit',
  'profit-by-channel': 'profit',
  'profit-by-day': 'profit',
  'sales-by-hour': 'orders_accepted',
  'sales-by-weekday': 'orders_accepted',
  'orders-by-channel': 'orders_accepted',
  'refunds-by-reason': 'refunds',
  stock: 'days_left',
};

const today = () => new Date().toISOString().slice(0, 10);

export function ReportsPage() {
  const translate = useTranslate();
  const locale = useIntlLocale();
  const [name, setName] = useState<ReportName>('profit-by-day');
  // The first range is the server's: the last 30 days of the merchant's own calendar.
  const [query, setQuery] = useState<ReportQuery>({ compare: false, convert: false });
  const settings = useQuery({ queryKey: ['reporting'], queryFn: fetchReporting });
  const answer = useQuery({ queryKey: ['report', name, query], queryFn: () => fetchReport(name, query) });
  const reporting = settings.data?.reportingCurrency ?? null;

  const label = (row: Row): string => {
    const dims = answer.data?.columns.filter((c) => c.kind === 'dim') ?? [];
    return dims.map((c) => cellText(c, row)).join(' · ');
  };
  const cellText = (c: Column, row: Row): string => {
    const v = row[c.key];
    if (c.kind === 'money') return typeof v === 'number' ? formatMoney(v, String(row.currency), locale) : '';
    if (v === null || v === undefined) return '–';
    if (c.key === 'weekday') return translate(`cf.reports.weekdays.${v}`);
    if (c.key === 'hour') return `${String(v).padStart(2, '0')}:00`;
    if (c.key === 'supplier' && v === '') return translate('cf.reports.own_stock');
    if ((c.key === 'channel' || c.key === 'campaign') && v === '') return translate('cf.reports.none');
    if (typeof v === 'number') return v.toLocaleString(locale);
    return String(v);
  };

  return (
    <Box sx={{ mt: 2, display: 'grid', gap: 2 }}>
      <Title title={translate('cf.reports.title')} />
      <Card>
        <CardHeader title={translate('cf.reports.title')} subheader={translate('cf.reports.help', { zone: answer.data?.timeZone ?? settings.data?.timeZone ?? 'UTC' })} />
        <CardContent sx={{ display: 'flex', flexWrap: 'wrap', gap: 2, alignItems: 'center' }}>
          <TextField
            select
            size="small"
            label={translate('cf.reports.report')}
            value={name}
            onChange={(e) => setName(e.target.value as ReportName)}
            sx={{ minWidth: 260 }}
            SelectProps={{ SelectDisplayProps: { 'data-testid': 'report-name' } as object }}
          >
            {REPORT_NAMES.map((r) => (
              <MenuItem key={r} value={r} data-testid={`report-${r}`}>
                {translate(`cf.reports.names.${r}`)}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            type="date"
            size="small"
            label={translate('cf.reports.from')}
            value={query.from ?? answer.data?.from ?? ''}
            onChange={(e) => setQuery({ ...query, from: e.target.value || undefined, to: query.to ?? answer.data?.to })}
            InputLabelProps={{ shrink: true }}
            inputProps={{ 'data-testid': 'report-from' }}
          />
          <TextField
            type="date"
            size="small"
            label={translate('cf.reports.to')}
            value={query.to ?? answer.data?.to ?? ''}
            onChange={(e) => setQuery({ ...query, to: e.target.value || undefined, from: query.from ?? answer.data?.from })}
            InputLabelProps={{ shrink: true }}
            inputProps={{ 'data-testid': 'report-to' }}
          />
          <FormControlLabel
            control={<Checkbox checked={query.compare} onChange={(e) => setQuery({ ...query, compare: e.target.checked })} />}
            label={translate('cf.reports.compare')}
          />
          <FormControlLabel
            control={
              <Checkbox
                checked={query.convert}
                disabled={!reporting}
                onChange={(e) => setQuery({ ...query, convert: e.target.checked })}
                inputProps={{ 'aria-label': 'convert' }}
              />
            }
            label={reporting ? translate('cf.reports.convert', { currency: reporting }) : translate('cf.reports.convert_unset')}
          />
          <ExportButtons name={name} query={query} />
        </CardContent>
      </Card>

      {answer.isError && <Alert severity="error">{errorMessage(answer.error)}</Alert>}
      {!answer.data ? (
        !answer.isError && <LinearProgress />
      ) : (
        <Card data-testid="report-result">
          <CardHeader title={translate(`cf.reports.names.${name}`)} subheader={`${answer.data.from} – ${answer.data.to}`} />
          <CardContent>
            {answer.data.rows.length === 0 ? (
              <Typography color="text.secondary">{translate('cf.reports.empty')}</Typography>
            ) : (
              <ReportChart answer={answer.data} name={name} label={label} />
            )}
            <Box sx={{ overflowX: 'auto' }}>
              <Table size="small" data-testid="report-table">
                <TableHead>
                  <TableRow>
                    {answer.data.columns.map((c) => (
                      <TableCell key={c.key} align={c.kind === 'dim' || c.kind === 'currency' ? 'left' : 'right'}>
                        {translate(`cf.reports.col.${c.key}`)}
                      </TableCell>
                    ))}
                  </TableRow>
                </TableHead>
                <TableBody>
                  {answer.data.rows.map((row, i) => (
                    <TableRow key={i}>
                      {answer.data.columns.map((c) => (
                        <TableCell key={c.key} align={c.kind === 'dim' || c.kind === 'currency' ? 'left' : 'right'}>
                          {cellText(c, row)}
                        </TableCell>
                      ))}
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </Box>
            <Totals answer={answer.data} cellText={cellText} />
            <RatesUsed answer={answer.data} />
          </CardContent>
        </Card>
      )}
      <ReportingSettingsCard />
    </Box>
  );
}

function ReportChart({ answer, name, label }: { answer: ReportAnswer; name: ReportName; label: (row: Row) => string }) {
  const translate = useTranslate();
  const key = CHARTED[name];
  const money = answer.columns.some((c) => c.key === key && c.kind === 'money');
  // One chart per currency: amounts in different currencies are never drawn on one axis.
  const groups = new Map<string, Row[]>();
  for (const r of answer.rows) {
    const c = money ? String(r.currency) : '';
    groups.set(c, [...(groups.get(c) ?? []), r]);
  }
  return (
    <Box sx={{ display: 'grid', gap: 2, mb: 2 }}>
      {[...groups.entries()].map(([currency, rows]) => {
        const scale = money ? 10 ** currencyDigits(currency) : 1;
        const data = rows.slice(0, 40).map((r) => ({ label: label(r), value: r[key] === null ? 0 : Number(r[key]) / scale }));
        return (
          <Box key={currency} sx={{ height: 240 }} data-testid="report-chart">
            {currency && <Typography variant="caption">{currency}</Typography>}
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={data}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="label" fontSize={11} />
                <YAxis fontSize={11} />
                <Tooltip />
                <Bar dataKey="value" name={translate(`cf.reports.col.${key}`)} fill="#1f5fae" radius={[3, 3, 0, 0]} isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </Box>
        );
      })}
    </Box>
  );
}

function Totals({ answer, cellText }: { answer: ReportAnswer; cellText: (c: Column, r: Row) => string }) {
  const translate = useTranslate();
  if (answer.totals.length === 0) return null;
  const figures = answer.columns.filter((c) => c.kind === 'count' || c.kind === 'money');
  const previousOf = (t: Row) => answer.previous?.totals.find((p) => (p.currency ?? '') === (t.currency ?? ''));
  const change = (now: number, before: number | undefined) =>
    before === undefined || before === 0 ? '–' : `${now >= before ? '+' : ''}${Math.round(((now - before) / Math.abs(before)) * 1000) / 10}%`;
  return (
    <Box sx={{ mt: 2, overflowX: 'auto' }} data-testid="report-totals">
      <Typography variant="subtitle2">{translate('cf.reports.totals')}</Typography>
      <Table size="small">
        <TableHead>
          <TableRow>
            <TableCell />
            {figures.map((c) => (
              <TableCell key={c.key} align="right">
                {translate(`cf.reports.col.${c.key}`)}
              </TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {answer.totals.map((t, i) => {
            const before = previousOf(t);
            return [
              <TableRow key={`now-${i}`}>
                <TableCell>{t.currency ? String(t.currency) : translate('cf.reports.totals')}</TableCell>
                {figures.map((c) => (
                  <TableCell key={c.key} align="right">
                    {cellText(c, t)}
                  </TableCell>
                ))}
              </TableRow>,
              answer.previous && (
                <TableRow key={`before-${i}`} data-testid="report-previous">
                  <TableCell>{translate('cf.reports.previous', { from: answer.previous.from, to: answer.previous.to })}</TableCell>
                  {figures.map((c) => (
                    <TableCell key={c.key} align="right">
                      {before ? cellText(c, before) : '–'}{' '}
                      <Typography variant="caption">({change(Number(t[c.key] ?? 0), before ? Number(before[c.key] ?? 0) : undefined)})</Typography>
                    </TableCell>
                  ))}
                </TableRow>
              ),
            ];
          })}
        </TableBody>
      </Table>
    </Box>
  );
}

function RatesUsed({ answer }: { answer: ReportAnswer }) {
  const translate = useTranslate();
  if (!answer.convertedTo) return null;
  const missing = new Map<string, string[]>();
  for (const m of answer.missingRates) missing.set(m.currency, [...(missing.get(m.currency) ?? []), m.day]);
  return (
    <Box sx={{ mt: 2 }} data-testid="rates-used">
      <Typography variant="subtitle2">{translate('cf.reports.rates_used')}</Typography>
      <Typography variant="caption" color="text.secondary">
        {translate('cf.reports.rates_used_help')}
      </Typography>
      {[...missing.entries()].map(([currency, days]) => (
        <Alert key={currency} severity="warning" sx={{ my: 1 }}>
          {translate('cf.reports.missing_rates', { currency, days: days.join(', ') })}
        </Alert>
      ))}
      <Table size="small">
        <TableBody>
          {answer.ratesUsed.map((r) => (
            <TableRow key={`${r.fromCurrency}-${r.day}`}>
              <TableCell>{r.day}</TableCell>
              <TableCell>
                1 {r.fromCurrency} = {r.rate.replace(/\.?0+$/, '')} {r.toCurrency}
              </TableCell>
              <TableCell>{r.fixedAt ? translate('cf.reports.rate_fixed') : translate('cf.reports.rate_today')}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}

function ExportButtons({ name, query }: { name: ReportName; query: ReportQuery }) {
  const translate = useTranslate();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const start = (format: 'csv' | 'xlsx') => {
    setBusy(true);
    download(`/admin/exports/reports/${name}?format=${format}&${reportSearch({ ...query, compare: false })}`, () => undefined).then(
      () => setBusy(false),
      (err: Error) => {
        setBusy(false);
        notify(translate('cf.export.failed', { message: err.message }), { type: 'error' });
      },
    );
  };
  return (
    <Box sx={{ display: 'flex', gap: 1 }}>
      {(['xlsx', 'csv'] as const).map((format) => (
        <Button key={format} size="small" startIcon={<DownloadIcon />} disabled={busy} onClick={() => start(format)} data-testid={`report-export-${format}`}>
          {translate(`cf.reports.export_${format}`)}
        </Button>
      ))}
    </Box>
  );
}

function ReportingSettingsCard() {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const { canAccess: canEnter } = useCanAccess({ resource: 'reporting-rates', action: 'create' });
  const settings = useQuery({ queryKey: ['reporting'], queryFn: fetchReporting });
  const [currency, setCurrency] = useState('');
  const [rate, setRate] = useState({ day: today(), fromCurrency: '', toCurrency: '', rate: '' });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['reporting'] }).then(() => queryClient.invalidateQueries({ queryKey: ['report'] }));
  const saveCurrency = useMutation({
    mutationFn: () => saveReportingCurrency(currency.trim().toUpperCase() || null),
    onSuccess: () => {
      notify(translate('cf.reports.currency_saved', { currency: currency.trim().toUpperCase() }), { type: 'info' });
      void refresh();
    },
    onError: (err) => notify(errorMessage(err), { type: 'error' }),
  });
  const addRate = useMutation({
    mutationFn: () => enterRate({ ...rate, fromCurrency: rate.fromCurrency.toUpperCase(), toCurrency: (rate.toCurrency || settings.data?.reportingCurrency || '').toUpperCase() }),
    onSuccess: () => {
      notify(translate('cf.reports.rate_added'), { type: 'info' });
      void refresh();
    },
    onError: (err) => notify(errorMessage(err), { type: 'error' }),
  });
  if (!settings.data) return null;
  const to = rate.toCurrency || settings.data.reportingCurrency || '';
  return (
    <Card>
      <CardHeader title={translate('cf.reports.settings')} />
      <CardContent sx={{ display: 'grid', gap: 2 }}>
        <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap' }}>
          <TextField
            size="small"
            label={translate('cf.reports.reporting_currency')}
            value={currency || settings.data.reportingCurrency || ''}
            onChange={(e) => setCurrency(e.target.value)}
            disabled={!canEnter}
            inputProps={{ maxLength: 3, 'data-testid': 'reporting-currency' }}
          />
          {canEnter && (
            <Button variant="outlined" size="small" onClick={() => saveCurrency.mutate()} disabled={saveCurrency.isPending}>
              {translate('cf.reports.save_currency')}
            </Button>
          )}
        </Box>
        {canEnter && (
          <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap' }}>
            <TextField
              type="date"
              size="small"
              label={translate('cf.reports.rate_day')}
              value={rate.day}
              onChange={(e) => setRate({ ...rate, day: e.target.value })}
              InputLabelProps={{ shrink: true }}
            />
            <TextField
              size="small"
              label={translate('cf.reports.rate_from')}
              value={rate.fromCurrency}
              onChange={(e) => setRate({ ...rate, fromCurrency: e.target.value })}
              inputProps={{ maxLength: 3 }}
            />
            <TextField
              size="small"
              label={translate('cf.reports.rate_to')}
              value={to}
              onChange={(e) => setRate({ ...rate, toCurrency: e.target.value })}
              inputProps={{ maxLength: 3 }}
            />
            <TextField
              size="small"
              label={translate('cf.reports.rate')}
              helperText={translate('cf.reports.rate_help', { from: rate.fromCurrency || '…', to: to || '…' })}
              value={rate.rate}
              onChange={(e) => setRate({ ...rate, rate: e.target.value })}
            />
            <Button variant="outlined" size="small" onClick={() => addRate.mutate()} disabled={addRate.isPending}>
              {translate('cf.reports.add_rate')}
            </Button>
          </Box>
        )}
        <Table size="small" data-testid="reporting-rates">
          <TableHead>
            <TableRow>
              <TableCell>{translate('cf.reports.rate_day')}</TableCell>
              <TableCell>{translate('cf.reports.rate')}</TableCell>
              <TableCell>{translate('cf.reports.entered_by')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {settings.data.rates.map((r) => (
              <TableRow key={r.id}>
                <TableCell>{r.day}</TableCell>
                <TableCell>
                  1 {r.from_currency} = {r.rate.replace(/\.?0+$/, '')} {r.to_currency}
                </TableCell>
                <TableCell>{r.entered_by}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </CardContent>
    </Card>
  );
}
