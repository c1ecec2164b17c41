import { InvariantBroken } from '../lib/errors';
import { purchaseUnit, resolvePending, type UnitPurchase } from './purchase-unit';

/**
 * When buying a unit has been retried for long enough: settle any attempt still in doubt (asking
 * the supplier, as long as it takes), then say where the unit stands. 'none' = nothing bought.
 */
export async function settleUnitPurchase(deps: Parameters<typeof purchaseUnit>[0], unitId: string): Promise<UnitPurchase | { status: 'none' }> {
  const unit = await deps.db('order_units').where({ id: unitId }).first('status');
  if (!unit) throw new InvariantBroken('unit_missing', { unitId });
  if (unit.status === 'allocated' || unit.status === 'delivered') return { status: 'succeeded' };
  const live = await deps.db('supplier_purchases').where({ unit_id: unitId }).whereIn('status', ['pending', 'processing']).first();
  if (!live) return { status: 'none' };
  const status = live.status === 'pending' ? await resolvePending(deps, live) : live.status;
  if (status === 'succeeded') return { status: 'succeeded' };
  if (status === 'processing') return { status: 'processing', purchaseId: live.id };
  return { status: 'none' };
}
