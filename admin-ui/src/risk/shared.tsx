import { useEffect, useState } from 'react';
import { Box, Card, CardContent, CardHeader, Stack, Table, TableBody, TableCell, TableRow, Tooltip, Typography } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { useTranslate } from 'react-admin';
import { detailValue } from '../components/details';
import { formatWhen, useIntlLocale } from '../components/fields';
import { currentUser } from '../providers/authProvider';
import { useReasonWords } from '../orders/reasons';

// What the risk screens share: reasons as a list a person reads, buyer signals with their
// names, deadlines as "in 3 hours", durations in the reader's words, the merchant's currency.

export function Panel({ title, children, action, testId }: { title: string; children: React.ReactNode; action?: React.ReactNode; testId?: string }) {
  return (
    <Card sx={{ height: '100%' }} data-testid={testId}>
      <CardHeader title={title} titleTypographyProps={{ variant: 'subtitle1', fontWeight: 500 }} action={action} />
      <CardContent sx={{ pt: 0 }}>{children}</CardContent>
    </Card>
  );
}

export function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Box sx={{ display: 'flex', py: 0.5, gap: 2 }}>
      <Typography variant="body2" color="text.secondary" sx={{ minWidth: 150 }}>
        {label}
      </Typography>
      <Typography variant="body2" component="div" sx={{ wordBreak: 'break-word' }}>
        {children}
      </Typography>
    </Box>
  );
}

/** The current time, ticking so relative times ("in 5 minutes") stay true on an open page. */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

export function formatRelative(iso: string, locale: string, now: number): string {
  const seconds = (Date.parse(iso) - now) / 1000;
  const abs = Math.abs(seconds);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  if (abs < 60) return rtf.format(Math.round(seconds), 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86_400), 'day');
}

/** "in 23 hours", with the exact time on hover; past deadlines in red when `deadline`. */
export function RelativeTime({ iso, deadline }: { iso: string | null | undefined; deadline?: boolean }) {
  const locale = useIntlLocale();
  const translate = useTranslate();
  const now = useNow();
  if (!iso) return <>—</>;
  const past = Date.parse(iso) <= now;
  return (
    <Tooltip title={formatWhen(iso, locale)}>
      <Typography component="span" variant="body2" color={deadline && past ? 'error' : undefined} data-testid="relative-time">
        {formatRelative(iso, locale, now)}
        {deadline && past ? ` · ${translate('cf.risk.review.overdue')}` : ''}
      </Typography>
    </Tooltip>
  );
}

export { DURATION_UNITS, formatDuration, wholeUnit, type DurationUnit } from '../duration';

/** The merchant's currency: rule amounts are minor units of it. */
export function useMerchantCurrency(): string {
  const { data: me } = useQuery({ queryKey: ['me'], queryFn: currentUser });
  return me?.merchant.currency ?? 'CNY';
}

export function ReasonList({ reasons, testId = 'risk-reasons' }: { reasons: string[] | null | undefined; testId?: string }) {
  const translate = useTranslate();
  if (!reasons?.length) {
    return (
      <Typography variant="body2" color="text.secondary">
        {translate('cf.risk.panel.no_reasons')}
      </Typography>
    );
  }
  return (
    <Box component="ul" sx={{ m: 0, pl: 2.5 }} data-testid={testId}>
      {reasons.map((r, i) => (
        <Typography component="li" variant="body2" key={i} sx={{ py: 0.25 }}>
          {r}
        </Typography>
      ))}
    </Box>
  );
}

const SIGNAL_ORDER = [
  'email',
  'phone',
  'accountId',
  'accountCreatedAt',
  'accountCountry',
  'ip',
  'ipCountry',
  'deviceId',
  'paymentMethod',
  'paymentFingerprint',
  'cardBin',
  'cardCountry',
];

const signalRank = (key: string) => (SIGNAL_ORDER.includes(key) ? SIGNAL_ORDER.indexOf(key) : SIGNAL_ORDER.length);

// Dates in the reader's locale, countries by name, payment methods in words (components/details.ts).
const signalValue = detailValue;

/** Every signal the storefront sent about the buyer, named. */
export function BuyerSignals({ buyer }: { buyer: Record<string, unknown> | null | undefined }) {
  const translate = useTranslate();
  const locale = useIntlLocale();
  const entries = Object.entries(buyer ?? {})
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .sort(([a], [b]) => signalRank(a) - signalRank(b));
  if (!entries.length) {
    return (
      <Typography variant="body2" color="text.secondary">
        {translate('cf.risk.review.no_signals')}
      </Typography>
    );
  }
  return (
    <Table size="small" data-testid="buyer-signals">
      <TableBody>
        {entries.map(([key, value]) => (
          <TableRow key={key}>
            <TableCell sx={{ color: 'text.secondary', width: '40%', pl: 0 }}>{translate(`cf.risk.signals.${key}`, { _: key })}</TableCell>
            <TableCell sx={{ wordBreak: 'break-all' }}>{signalValue(key, value, locale, translate)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** The few signals that identify a buyer at a glance, for lists. */
export function BuyerSummary({ buyer }: { buyer: Record<string, string> | null | undefined }) {
  const translate = useTranslate();
  const b = buyer ?? {};
  const who = b.email ?? b.phone ?? b.accountId ?? '—';
  const where = [b.ip && (b.ipCountry ? `${b.ip} (${b.ipCountry})` : b.ip), b.cardCountry && `${translate('cf.risk.signals.cardCountry')} ${b.cardCountry}`]
    .filter(Boolean)
    .join(' · ');
  return (
    <Stack spacing={0}>
      <Typography variant="body2">{who}</Typography>
      {where && (
        <Typography variant="caption" color="text.secondary">
          {where}
        </Typography>
      )}
    </Stack>
  );
}

/** A built-in rule's name as a code (risk/rules.ts ruleNameWords), or null for a merchant's own name. */
export type RuleNameWords = { code: string; params: Record<string, string | number> } | null | undefined;

/** A rule's name in the reader's language: a built-in rule's from its code, a merchant's own as written. */
export function useRuleName() {
  const translate = useTranslate();
  return (name: string, words: RuleNameWords) => (words ? translate(`cf.risk.rule_names.${words.code}`, { ...words.params, _: name }) : name);
}

/** orders.risk: the risk check's verdict on one order (risk/assess-order.ts). */
export interface RiskRecord {
  decision: 'allow' | 'review' | 'reject';
  score?: number;
  reasons: string[];
  /** The reasons as codes with parameters, one for one (absent from assessments stored before them). */
  explained?: { code: string; params: Record<string, string | number> }[];
  ruleVersion?: number;
  checkedAt?: string;
  reviewDeadline?: string;
  findings?: {
    ruleId: string | null;
    rule: string;
    ruleName?: RuleNameWords;
    kind: string;
    action: string;
    score?: number;
    reason: string;
    explained?: { code: string; params: Record<string, string | number> };
  }[];
  model?: { points: number; priors?: true; contributions: { feature: string; points: number; explanation: string; params?: Record<string, string | number> }[] } | null;
}

/** Every rule that fired, and what the anomaly model found unusual. */
export function RiskFindings({ risk }: { risk: RiskRecord }) {
  const translate = useTranslate();
  const ruleName = useRuleName();
  const words = useReasonWords();
  const findings = risk.findings ?? [];
  const contributions = risk.model?.contributions ?? [];
  return (
    <Stack spacing={1}>
      {findings.length === 0 ? (
        <Typography variant="body2" color="text.secondary">
          {translate('cf.risk.review.no_findings')}
        </Typography>
      ) : (
        <Table size="small" data-testid="risk-findings">
          <TableBody>
            {findings.map((f, i) => (
              <TableRow key={i}>
                <TableCell sx={{ pl: 0, width: '35%' }}>
                  <Typography variant="body2">{ruleName(f.rule, f.ruleName)}</Typography>
                </TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>
                  {f.action === 'score' ? translate('cf.risk.points', { score: f.score ?? 0 }) : translate(`cf.risk.actions.${f.action}`, { _: f.action })}
                </TableCell>
                <TableCell>
                  <Typography variant="body2" color="text.secondary">
                    {f.explained ? words.riskReason(f.explained) : f.reason}
                  </Typography>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {contributions.length > 0 && (
        <Box>
          <Typography variant="subtitle2" sx={{ mt: 1 }}>
            {translate(risk.model!.priors ? 'cf.risk.review.model_priors' : 'cf.risk.review.model')} ({translate('cf.risk.points', { score: risk.model!.points })})
          </Typography>
          <ReasonList
            reasons={contributions.map(
              (c) =>
                `${c.params ? words.modelFeature({ feature: c.feature, points: c.points, params: c.params }, !!risk.model!.priors) : c.explanation} (${translate('cf.risk.points', { score: c.points })})`,
            )}
            testId="risk-model"
          />
        </Box>
      )}
    </Stack>
  );
}
