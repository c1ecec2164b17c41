// Durations in the reader's words ("7 days", "7天"): the risk screens' windows and deadlines, and a
// refused field's bound given in seconds (providers/http.ts).

export const DURATION_UNITS = [
  ['days', 86_400],
  ['hours', 3600],
  ['minutes', 60],
  ['seconds', 1],
] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number][0];
const INTL_UNIT: Record<DurationUnit, string> = { days: 'day', hours: 'hour', minutes: 'minute', seconds: 'second' };

/** The largest unit a number of seconds is a whole number of. */
export function wholeUnit(seconds: number | null | undefined): DurationUnit {
  if (!seconds) return 'hours';
  return DURATION_UNITS.find(([, size]) => seconds % size === 0)?.[0] ?? 'seconds';
}

export function formatDuration(seconds: number, locale: string): string {
  const unit = wholeUnit(seconds);
  const size = DURATION_UNITS.find(([u]) => u === unit)![1];
  return new Intl.NumberFormat(locale, { style: 'unit', unit: INTL_UNIT[unit], unitDisplay: 'long' }).format(seconds / size);
}
