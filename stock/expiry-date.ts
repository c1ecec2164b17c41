// The expiry dates card-shop files carry, read in one place (the import and the console's preview
// both call it through parse-codes.ts). Accepted: ISO (`2027-06-30`, `2027-06-30T12:00:00Z`), and
// the forms Chinese suppliers' spreadsheets export: `2027/06/30`, `2027-6-30`, `2027.6.30`,
// `2027年6月30日`, each optionally followed by a time. Year first always: `06/30/2027` and
// `30/06/2027` are ambiguous between regions, so they are refused rather than guessed.

export type ExpiryProblem = 'expiry_not_a_date' | 'expiry_not_a_real_day';

const DATE = /^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?:\s*日)?/;
const TIME = /^(?:[T ]|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * The moment a written expiry means: a bare date is the end of that day, a time without a zone
 * is UTC (like everything here). A day that does not exist (2027-02-30) is a problem, never
 * rolled into the next month.
 */
export function parseExpiry(text: string): { at: Date } | { problem: ExpiryProblem } {
  const written = text.trim();
  const date = DATE.exec(written);
  if (!date) return { problem: 'expiry_not_a_date' };
  const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
  const rest = written.slice(date[0].length);
  let hours = 23,
    minutes = 59,
    seconds = 59,
    millis = 999,
    zone = 'Z';
  if (rest !== '') {
    const time = TIME.exec(rest);
    if (!time) return { problem: 'expiry_not_a_date' };
    [hours, minutes, seconds] = [Number(time[1]), Number(time[2]), Number(time[3] ?? 0)];
    millis = time[4] ? Math.floor(Number(`0${time[4]}`) * 1000) : 0;
    zone = time[5] ? time[5].toUpperCase() : 'Z';
    if (hours > 23 || minutes > 59 || seconds > 59) return { problem: 'expiry_not_a_real_day' };
  }
  if (m < 1 || m > 12 || d < 1 || d > 31) return { problem: 'expiry_not_a_real_day' };
  const day = new Date(Date.UTC(y, m - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) return { problem: 'expiry_not_a_real_day' };
  const offsetMinutes = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
  return { at: new Date(Date.UTC(y, m - 1, d, hours, minutes, seconds, millis) - offsetMinutes * 60_000) };
}
