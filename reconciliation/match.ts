import type { DifferenceKind } from '../db/tables';
import type { SupplierStatementLine } from '../suppliers/adapter';
import type { OurStatementLine } from './our-statement';

// Three-way matching by reference: what the supplier's statement says it charged and refunded,
// what our books say it took for the purchase we sent under that reference, and the storefront
// order the purchase was for. One rule per kind of difference, in one place; pure, so the rules
// read (and are tested) without a database.

export interface Difference {
  kind: DifferenceKind;
  reference: string;
  purchaseId: string | null;
  orderId: string | null;
  /** What our books say the supplier took for the reference (charged − refunded), minor units. */
  ours: number;
  /** What its statement says (charges − refunds). */
  theirs: number;
  evidence: {
    statement: { kind: 'charge' | 'refund'; amount: number; at: string; supplierOrderId: string | null }[];
    purchase: { id: string; status: string; charged: number | null; refunded: number | null; supplierOrderId: string | null; createdAt: string } | null;
    order: { id: string; externalRef: string; status: string; storefront: string; sku: string; unitStatus: string; delivered: boolean } | null;
  };
}

const sum = (lines: SupplierStatementLine[]) => lines.reduce((t, l) => t + l.amount, 0);

export function findDifferences(ours: OurStatementLine[], theirs: SupplierStatementLine[]): Difference[] {
  const byRef = new Map<string, { ours?: OurStatementLine; theirs: SupplierStatementLine[] }>();
  const at = (reference: string) => byRef.get(reference) ?? byRef.set(reference, { theirs: [] }).get(reference)!;
  for (const p of ours) at(p.reference).ours = p;
  for (const l of theirs) at(l.reference).theirs.push(l);

  const found: Difference[] = [];
  for (const [reference, { ours: p, theirs: lines }] of byRef) {
    const charges = lines.filter((l) => l.kind === 'charge');
    const refunds = lines.filter((l) => l.kind === 'refund');
    const theirNet = sum(charges) - sum(refunds);
    const charged = p?.charged ?? null;
    const ourNet = (charged ?? 0) - (p?.refunded ?? 0);
    const kind = classify();
    if (kind) found.push({ kind, reference, purchaseId: p?.purchase_id ?? null, orderId: p?.order_id ?? null, ours: ourNet, theirs: theirNet, evidence: evidence(p, lines) });

    function classify(): DifferenceKind | undefined {
      // The books hold no charge for it: nothing was bought from our side (a failed or unknown
      // purchase, or a reference we never sent), yet the supplier kept money for it.
      if (charged === null) return theirNet > 0 ? 'charged_not_delivered' : undefined;
      if (charges.length === 0) return ourNet > 0 ? 'delivered_not_charged' : undefined;
      if (charges.length - refunds.length >= 2) return 'charged_twice';
      // We booked the supplier's refund (a top-up the game rejected); the statement never gave it.
      if ((p?.refunded ?? 0) > 0 && refunds.length === 0) return 'refund_missing';
      if (theirNet !== ourNet) return 'price_differs';
      return undefined;
    }
  }
  return found.sort((a, b) => (a.kind === b.kind ? a.reference.localeCompare(b.reference) : a.kind.localeCompare(b.kind)));
}

function evidence(p: OurStatementLine | undefined, lines: SupplierStatementLine[]): Difference['evidence'] {
  return {
    statement: lines.map((l) => ({ kind: l.kind, amount: l.amount, at: l.at, supplierOrderId: l.supplierOrderId ?? null })),
    purchase: p
      ? { id: p.purchase_id, status: p.status, charged: p.charged, refunded: p.refunded, supplierOrderId: p.supplier_order_id, createdAt: p.created_at.toISOString() }
      : null,
    order: p
      ? { id: p.order_id, externalRef: p.external_ref, status: p.order_status, storefront: p.storefront, sku: p.sku, unitStatus: p.unit_status, delivered: p.delivered }
      : null,
  };
}
