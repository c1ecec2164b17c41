// Money arrives as integer minor units beside a currency (fen, cents). It is shown in major
// units for the reader's language and converted back exactly when a person types an amount.

export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

export function formatMoney(minor: number | null | undefined, currency: string, locale: string): string {
  if (minor === null || minor === undefined || !currency) return '';
  const digits = currencyDigits(currency);
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(minor / 10 ** digits);
  } catch {
    return `${(minor / 10 ** digits).toFixed(digits)} ${currency}`;
  }
}

/** Major units a person typed ("98.5") to exact minor units (9850); null for empty or invalid. */
export function toMinor(major: string | number | null | undefined, currency: string): number | null {
  if (major === null || major === undefined || major === '') return null;
  const text = String(major).trim().replace(/,/g, '');
  const digits = currencyDigits(currency);
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] ?? '').length > digits) return null;
  // String arithmetic, not floats: 0.1 + 0.2 must never become a fen off.
  return Number(match[1]) * 10 ** digits + Number((match[2] ?? '').padEnd(digits, '0') || '0');
}

export function toMajor(minor: number | null | undefined, currency: string): string {
  if (minor === null || minor === undefined) return '';
  const digits = currencyDigits(currency);
  const whole = Math.trunc(minor / 10 ** digits);
  const frac = String(minor % 10 ** digits).padStart(digits, '0');
  return digits ? `${whole}.${frac}` : String(whole);
}
