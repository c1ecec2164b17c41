import { z } from 'zod';
import { coded } from '../lib/field-codes';
import type { StatementPeriod } from '../suppliers/adapter';

// A statement period: UTC days, both included (the ledger's months are UTC too, docs/MONEY.md).

export type Period = StatementPeriod;

const day = z.iso.date();
export const PeriodInput = z
  .object({ from: day, to: day })
  .refine((p) => p.from <= p.to, { path: ['to'], ...coded('to_before_from', 'must not be before from') })
  .refine((p) => daysBetween(p.from, p.to) < 93, { path: ['to'], ...coded('period_too_long', 'a period covers at most 93 days', { maximum: 93 }) });

const daysBetween = (from: string, to: string) => (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;

/** [start, end) as timestamps, for `created_at >= start AND created_at < end`. */
export function periodBounds(p: Period): { start: string; end: string } {
  const end = new Date(Date.parse(`${p.to}T00:00:00Z`) + 86_400_000).toISOString();
  return { start: `${p.from}T00:00:00.000Z`, end };
}

/** The month so far, up to and including yesterday (UTC): what the daily run reconciles. */
export function monthToYesterday(now: Date): Period {
  const yesterday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1));
  const from = new Date(Date.UTC(yesterday.getUTCFullYear(), yesterday.getUTCMonth(), 1));
  return { from: from.toISOString().slice(0, 10), to: yesterday.toISOString().slice(0, 10) };
}

/** A `date` column as pg returns it (local midnight, TZ=UTC) back to YYYY-MM-DD. */
export const dayOf = (d: Date) => d.toISOString().slice(0, 10);
