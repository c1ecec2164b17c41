// How many decimal places a currency's minor unit has (CNY 2, JPY 0), and money as a person reads
// it: the exports (api/admin/exports.ts) and the reports' conversions (reports/) share these.

/** Money as a person reads it, from exact minor units: a decimal string ("12.30"), or the number itself for a currency without decimals. */
export function majorUnits(minor: number | null, currency: string): string | number | null {
  if (minor === null || minor === undefined) return null;
  const digits = fractionDigits(currency.trim());
  if (digits === 0) return minor;
  const sign = minor < 0 ? '-' : '';
  const abs = String(Math.abs(minor)).padStart(digits + 1, '0');
  return `${sign}${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
}

const digitsByCurrency = new Map<string, number>();
export function fractionDigits(currency: string): number {
  let d = digitsByCurrency.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    digitsByCurrency.set(currency, d);
  }
  return d;
}
