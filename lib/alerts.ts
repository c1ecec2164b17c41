import type { Knex } from 'knex';
import type { AlertKind } from './alert-kinds';

// Alerts are for people: a supplier low on balance, a circuit that opened, a manual order past
// its first deadline. At most one open alert per (kind, subject), so repeats do not pile up.

export interface NewAlert {
  merchantId: string;
  kind: AlertKind;
  subjectId: string;
  message: string;
  detail?: Record<string, unknown>;
}

export async function raiseAlert(db: Knex, alert: NewAlert): Promise<void> {
  await db.raw(
    `INSERT INTO alerts (id, merchant_id, kind, subject_id, message, detail) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (merchant_id, kind, subject_id) WHERE resolved_at IS NULL DO NOTHING`,
    [crypto.randomUUID(), alert.merchantId, alert.kind, alert.subjectId, alert.message, JSON.stringify(alert.detail ?? {})],
  );
}

export async function resolveAlert(db: Knex, merchantId: string, kind: NewAlert['kind'], subjectId: string): Promise<void> {
  await db('alerts').where({ merchant_id: merchantId, kind, subject_id: subjectId }).whereNull('resolved_at').update({ resolved_at: db.fn.now() });
}
