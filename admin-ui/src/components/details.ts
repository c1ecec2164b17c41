import type { useTranslate } from 'react-admin';
import { formatWhen } from './fields';

// Details the server records as name/value pairs (an audit row's detail, a buyer's signals) in
// the reader's words: each name has a label (cf.details.<name>, or the buyer signal's own), times
// are dates in the reader's locale, countries are country names, statuses and roles are words.
// A name the console has no label for still shows, spelled out from its camelCase.

type Translate = ReturnType<typeof useTranslate>;

const spelledOut = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());

export function detailLabel(key: string, translate: Translate): string {
  return translate(`cf.details.${key}`, { _: translate(`cf.risk.signals.${key}`, { _: spelledOut(key) }) });
}

export function countryName(code: string, locale: string): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'region' }).of(code.toUpperCase()) ?? code;
  } catch {
    return code; // not a region code
  }
}

export function detailValue(key: string, value: unknown, locale: string, translate: Translate): string {
  if (typeof value === 'boolean') return translate(value ? 'cf.details.yes' : 'cf.details.no');
  if (typeof value === 'string') {
    if (/(At|^since)$/.test(key) && !Number.isNaN(Date.parse(value))) return formatWhen(value, locale);
    if (/Country$/.test(key) && /^[A-Za-z]{2}$/.test(value)) return countryName(value, locale);
    if (/(^s|S)tatus$/.test(key)) return translate(`cf.status.${value}`, { _: value });
    if (/(^r|R)ole$/.test(key)) return translate(`cf.roles.${value}`, { _: value });
    if (key === 'paymentMethod') return translate(`cf.risk.payment_methods.${value}`, { _: value });
    return value;
  }
  if (typeof value === 'number') return value.toLocaleString(locale);
  if (Array.isArray(value)) return value.join(', ');
  if (value && typeof value === 'object') return Object.values(value).join(', ');
  return String(value);
}

/** "Label: value · Label: value", for a row of a list. */
export function detailLine(detail: Record<string, unknown>, locale: string, translate: Translate, skip: string[] = []): string {
  return Object.entries(detail ?? {})
    .filter(([k, v]) => v !== null && v !== undefined && v !== '' && !skip.includes(k))
    .map(([k, v]) => `${detailLabel(k, translate)}: ${detailValue(k, v, locale, translate)}`)
    .join(' · ');
}
