// The protocol writes amounts as decimal strings ("9.90"); Cardflow keeps integer minor units
// with a currency. The conversion is exact (no floats) and uses the currency's own number of
// decimals (CNY and USD 2, JPY 0).

export function currencyDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** 990 CNY → "9.90". */
export function toDecimal(minor: number | string, currency: string): string {
  const digits = currencyDigits(currency);
  const n = BigInt(minor);
  const negative = n < 0n;
  const abs = (negative ? -n : n).toString().padStart(digits + 1, '0');
  const whole = abs.slice(0, abs.length - digits);
  return `${negative ? '-' : ''}${whole}${digits ? `.${abs.slice(abs.length - digits)}` : ''}`;
}

/** "9.90" CNY → 990; undefined when it is not an amount in that currency's precision. */
export function fromDecimal(text: unknown, currency: string): number | undefined {
  if (typeof text !== 'string' && typeof text !== 'number') return undefined;
  const s = String(text).trim();
  const m = /^(\d{1,13})(?:\.(\d+))?$/.exec(s);
  if (!m) return undefined;
  const digits = currencyDigits(currency);
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > digits) return undefined;
  const minor = Number(m[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
  return Number.isSafeInteger(minor) ? minor : undefined;
}
