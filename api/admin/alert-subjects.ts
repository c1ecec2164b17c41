import { z } from 'zod';
import type { Db } from '../../db';
import { alertKindsAbout } from '../../lib/alert-kinds';

// An alert names its subject by id: a supplier, an order, or a supplier purchase. The console
// words each alert in the reader's language, so it gets the names and numbers behind the id
// (supplier name and currency, the order's reference, the purchase's price and maximum) here,
// a few queries per page of alerts.

const SUPPLIER_KINDS = alertKindsAbout('supplier');
const PURCHASE_KINDS = alertKindsAbout('purchase');
const ORDER_KINDS = alertKindsAbout('order');

const isUuid = (id: string) => z.uuid().safeParse(id).success;

/** Alert rows as the alerts list selects them. */
export interface AlertRow {
  id: string;
  kind: string;
  subject_id: string;
  message: string;
  detail: unknown;
  created_at: Date;
  resolved_at: Date | null;
}

export async function describeAlerts(db: Db, merchantId: string, rows: AlertRow[]) {
  const ids = (kinds: Set<string>) => [...new Set(rows.filter((a) => kinds.has(a.kind) && isUuid(a.subject_id)).map((a) => a.subject_id))];
  const purchaseIds = ids(PURCHASE_KINDS);
  const purchases = purchaseIds.length
    ? await db('supplier_purchases as p')
        .join('suppliers as s', 's.id', 'p.supplier_id')
        .join('orders as o', 'o.id', 'p.order_id')
        .where('p.merchant_id', merchantId)
        .whereIn('p.id', purchaseIds)
        .select(
          'p.id',
          'p.reference',
          'p.unit_cost',
          'p.max_unit_cost',
          'p.supplier_id',
          's.name as supplier_name',
          's.currency as supplier_currency',
          'p.order_id',
          'o.external_ref',
        )
    : [];
  const supplierIds = ids(SUPPLIER_KINDS);
  const suppliers = supplierIds.length ? await db('suppliers').where({ merchant_id: merchantId }).whereIn('id', supplierIds).select('id', 'name', 'currency') : [];
  const orderIds = ids(ORDER_KINDS);
  const orders = orderIds.length ? await db('orders').where({ merchant_id: merchantId }).whereIn('id', orderIds).select('id', 'external_ref') : [];

  const supplierById = new Map(suppliers.map((s) => [s.id, { id: s.id, name: s.name, currency: s.currency?.trim() ?? null }]));
  const orderById = new Map(orders.map((o) => [o.id, { id: o.id, externalRef: o.external_ref }]));
  const purchaseById = new Map(purchases.map((p) => [p.id, p]));

  return rows.map((a) => {
    const p = purchaseById.get(a.subject_id);
    return {
      id: a.id,
      kind: a.kind,
      subjectId: a.subject_id,
      message: a.message,
      detail: a.detail,
      createdAt: a.created_at.toISOString(),
      resolvedAt: a.resolved_at?.toISOString() ?? null,
      supplier: p ? { id: p.supplier_id, name: p.supplier_name, currency: p.supplier_currency?.trim() ?? null } : (supplierById.get(a.subject_id) ?? null),
      order: p ? { id: p.order_id, externalRef: p.external_ref } : (orderById.get(a.subject_id) ?? null),
      purchase: p ? { reference: p.reference, unitCost: p.unit_cost, maxUnitCost: p.max_unit_cost } : null,
    };
  });
}
