// Amounts in reasons, as a person reads them: "CNY 1,200.00" from 120000 minor units.
export function formatMoney(minor: number, currency: string): string {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // an unknown currency code: assume cents
  }
  const major = minor / 10 ** digits;
  return `${currency} ${major.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}
