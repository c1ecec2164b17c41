import { z } from 'zod';
import type { Fault } from './faults';
import type { SimPartner, SimWorld } from './state';

// A partner's statement: every charge and refund of its money over a period of UTC days, as the
// supplier's billing reports it (PROTOCOL.md, GET /v1/statement). `statement_difference` faults
// plant the mistakes real statements make, so a reconciliation can be shown to find each one.

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day as YYYY-MM-DD');
export const StatementQuery = z
  .strictObject({ from: day, to: day })
  .refine((q) => q.from <= q.to, { path: ['to'], message: 'must not be before from' })
  .refine((q) => Date.parse(`${q.to}T00:00:00Z`) - Date.parse(`${q.from}T00:00:00Z`) <= 92 * 86_400_000, { path: ['to'], message: 'a statement covers at most 93 days' });
export type StatementQuery = z.infer<typeof StatementQuery>;

export interface StatementLine {
  reference: string;
  orderId: string | null;
  kind: 'charge' | 'refund';
  amount: number;
  at: string;
}

export function statementOf(
  world: SimWorld,
  partner: SimPartner,
  period: StatementQuery,
): { partnerId: string; currency: string; from: string; to: string; lines: StatementLine[] } {
  const start = Date.parse(`${period.from}T00:00:00Z`);
  const end = Date.parse(`${period.to}T00:00:00Z`) + 86_400_000;
  const inPeriod = (at: string) => Date.parse(at) >= start && Date.parse(at) < end;
  let lines: StatementLine[] = world.ledger
    .filter((e) => e.partnerId === partner.id && inPeriod(e.at))
    .map((e) => ({
      reference: e.reference,
      orderId: world.findOrder(partner.id, e.reference)?.orderId ?? null,
      kind: e.kind === 'debit' ? 'charge' : 'refund',
      amount: e.amount,
      at: e.at,
    }));
  for (const fault of world.faults.statementDifferences()) lines = plant(lines, fault, world, partner, period);
  return { partnerId: partner.id, currency: partner.currency, from: period.from, to: period.to, lines: lines.sort((a, b) => a.at.localeCompare(b.at)) };
}

function plant(lines: StatementLine[], fault: Fault, world: SimWorld, partner: SimPartner, period: StatementQuery): StatementLine[] {
  const ref = fault.reference!;
  const about = (l: StatementLine, kind: StatementLine['kind']) => l.reference === ref && l.kind === kind;
  switch (fault.difference) {
    case 'charged_not_delivered': {
      const order = world.findOrder(partner.id, ref);
      const at = order && Date.parse(order.createdAt) >= Date.parse(`${period.from}T00:00:00Z`) ? order.createdAt : `${period.from}T12:00:00.000Z`;
      return [...lines, { reference: ref, orderId: order?.orderId ?? null, kind: 'charge', amount: fault.amount ?? order?.unitPrice ?? 100, at }];
    }
    case 'delivered_not_charged':
      return lines.filter((l) => !about(l, 'charge'));
    case 'price_differs':
      return lines.map((l) => (about(l, 'charge') ? { ...l, amount: Math.max(0, l.amount + (fault.amount ?? 1)) } : l));
    case 'charged_twice':
      return lines.flatMap((l) => (about(l, 'charge') ? [l, { ...l }] : [l]));
    case 'refund_missing':
      return lines.filter((l) => !about(l, 'refund'));
    default:
      return lines;
  }
}
