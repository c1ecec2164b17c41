import type { Knex } from 'knex';
import { FINGERPRINT_VERSION, type CodeFingerprints } from './code-secret';

// A code is sold once: before a code is stored (imported, bought, entered by hand) we ask
// whether the merchant already holds it, in any SKU, in stock or long since delivered. Codes
// are never deleted, so a delivered or voided code keeps refusing its twin.

/** Why a code cannot be stored again. */
export type HeldReason = 'already_in_stock' | 'already_sold' | 'voided';

function reasonFor(row: { status: string; unit_id: string | null }): HeldReason {
  if (row.status === 'available') return 'already_in_stock';
  if (row.status === 'allocated' || row.unit_id) return 'already_sold';
  return 'voided';
}

export interface HeldCode {
  /** The code row that holds the fingerprint. */
  id: string;
  reason: HeldReason;
}

/** Of these fingerprints, those the merchant already holds a code under: which row, and why it cannot be stored again. */
export async function heldCodes(db: Knex, merchantId: string, fingerprints: string[]): Promise<Map<string, HeldCode>> {
  const held = new Map<string, HeldCode>();
  for (let i = 0; i < fingerprints.length; i += 5000) {
    const rows: { id: string; fingerprint: string; status: string; unit_id: string | null }[] = await db('codes')
      .where({ merchant_id: merchantId, fingerprint_version: FINGERPRINT_VERSION })
      .whereNull('duplicate_of')
      .whereRaw('fingerprint = ANY(?)', [fingerprints.slice(i, i + 5000)])
      .select('id', 'fingerprint', 'status', 'unit_id');
    for (const row of rows) held.set(row.fingerprint, { id: row.id, reason: reasonFor(row) });
  }
  return held;
}

/** The code already held under this code's fingerprint (or where a SKU with the other case rule keeps it), if any. */
export async function heldCode(db: Knex, merchantId: string, fp: CodeFingerprints): Promise<HeldCode | undefined> {
  const held = await heldCodes(db, merchantId, [fp.own, fp.otherKind]);
  return held.get(fp.own) ?? held.get(fp.otherKind);
}
