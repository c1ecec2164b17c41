import type { Knex } from 'knex';

// The audit log: who did what to which thing, and when. Written in the same transaction as the
// change it describes, so there is no change without its row. Details never hold a secret.
// Every row is written here (nothing else inserts into audit_log).

/** What a row is about, always `<kind>:<id>` (`order:<uuid>`, `sku:<code>`, `user:<email>`), so one
 *  query finds everything that happened to one thing. */
export type AuditTarget =
  `${'order' | 'sku' | 'code' | 'user' | 'storefront' | 'supplier' | 'risk_rule_set' | 'risk_list_entry' | 'admin_token' | 'period' | 'merchant' | 'reporting_rate'}:${string}`;

export interface AuditEntry {
  merchantId: string;
  /** `user:<email>`, `system:<what>` */
  actor: string;
  action: string;
  target?: AuditTarget;
  detail?: Record<string, unknown>;
}

export async function recordAudit(db: Knex | Knex.Transaction, entry: AuditEntry): Promise<void> {
  await db('audit_log').insert({
    merchant_id: entry.merchantId,
    actor: entry.actor,
    action: entry.action,
    target: entry.target ?? null,
    detail: JSON.stringify(entry.detail ?? {}),
  });
}

export const userActor = (email: string) => `user:${email}`;
