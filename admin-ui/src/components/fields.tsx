import { Chip, type ChipProps } from '@mui/material';
import { DateField, TextInput, useLocaleState, useRecordContext, useTranslate, type TextInputProps } from 'react-admin';
import { useWatch } from 'react-hook-form';
import { intlLocale } from '../i18n';
import { formatMoney, toMajor, toMinor } from '../money';

// Fields every screen shares: money in its currency, statuses as coloured chips, times in the
// reader's language. None of them ever prints an object as JSON.

export function useIntlLocale() {
  const [locale] = useLocaleState();
  return intlLocale(locale);
}

export function Money({ minor, currency }: { minor: number | null | undefined; currency: string }) {
  const locale = useIntlLocale();
  return <span style={{ fontVariantNumeric: 'tabular-nums' }}>{formatMoney(minor, currency, locale)}</span>;
}

export function MoneyField({ source, currencySource = 'currency' }: { source: string; currencySource?: string; label?: string; sortable?: boolean; textAlign?: 'right' | 'left' }) {
  const record = useRecordContext();
  if (!record) return null;
  return <Money minor={get(record, source) as number} currency={get(record, currencySource) as string} />;
}

/** Amounts typed in major units (98.50), stored as minor units (9850) in the form's currency; `optional` ones may be left empty (null). */
export function MoneyInput({ optional, ...props }: TextInputProps & { currency?: string; optional?: boolean }) {
  const watched = useWatch({ name: 'currency' }) as string | undefined;
  const currency = props.currency ?? watched ?? 'CNY';
  const empty = (v: unknown) => v === '' || v === null || v === undefined;
  return (
    <TextInput
      {...props}
      format={(v: number | null | undefined) => (typeof v === 'number' ? toMajor(v, currency) : (v ?? ''))}
      parse={(v: string) => {
        if (optional && v.trim() === '') return null;
        const minor = toMinor(v, currency);
        return minor === null ? v : minor;
      }}
      validate={(v: unknown) => (empty(v) ? (optional ? undefined : 'ra.validation.required') : typeof v === 'number' ? undefined : 'ra.validation.number')}
      inputProps={{ inputMode: 'decimal' }}
      helperText={currency}
    />
  );
}

const STATUS_COLOUR: Record<string, ChipProps['color']> = {
  delivered: 'success',
  succeeded: 'success',
  available: 'success',
  allow: 'success',
  processing: 'info',
  accepted: 'info',
  allocated: 'info',
  pending: 'info',
  failed: 'error',
  reject: 'error',
  cancelled: 'default',
  refunded: 'warning',
  voided: 'default',
  released: 'default',
  review: 'warning',
  held: 'warning',
  open: 'warning',
  approved: 'success',
  rejected: 'error',
  expired: 'default',
  withdrawn: 'default',
  awaiting_person: 'warning',
  out_of_stock: 'error',
};

/** The status a person reads: a processing order whose units wait for staff says so, not "Processing". */
export const shownOrderStatus = (status: string, awaitingPerson: boolean) => (status === 'processing' && awaitingPerson ? 'awaiting_person' : status);

export function StatusChip({ value }: { value: string | null | undefined }) {
  const translate = useTranslate();
  if (!value) return null;
  return (
    <Chip size="small" color={STATUS_COLOUR[value] ?? 'default'} label={translate(`cf.status.${value}`, { _: value })} variant={STATUS_COLOUR[value] ? 'filled' : 'outlined'} />
  );
}

export function StatusField({ source }: { source: string; label?: string; sortable?: boolean }) {
  const record = useRecordContext();
  return <StatusChip value={record ? (get(record, source) as string) : undefined} />;
}

export function WhenField(props: { source: string; label?: string; sortable?: boolean; showTime?: boolean }) {
  const locale = useIntlLocale();
  return <DateField {...props} showTime={props.showTime ?? true} locales={locale} options={{ dateStyle: 'medium', timeStyle: 'short' }} emptyText="—" />;
}

export function formatWhen(iso: string | null | undefined, locale: string) {
  return iso ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)) : '—';
}

export function get(record: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), record);
}
