import type { Knex } from 'knex';
import { recordAudit } from '../lib/audit';
import { conflict } from '../lib/errors';
import { postWriteOff } from '../ledger/postings-for';
import { codeCostSql } from '../orders/unit-cost';

// Voiding takes available codes out of stock for good and lowers what can be promised by as
// many. Only codes in stock can be voided here: a sold code goes back only with a refund of its
// unit (orders/refund-order.ts), which voids it there. Codes promised to accepted orders cannot be
// voided out from under them. One rule for the code list, a code lookup, bulk void and a batch.

export type CodeVoidOutcome = { id: string; outcome: 'voided' } | { id: string; outcome: 'skipped'; code: 'not_in_stock' | 'not_found'; status?: string };

export interface CodeVoidResult {
  voided: number;
  skipped: number;
  bySku: Record<string, number>;
  /** One answer per code asked about, in the order asked. */
  results: CodeVoidOutcome[];
}

/** Voids the merchant's codes among `ids` (or every code of a batch) that are still in stock, in one transaction. */
export async function voidCodes(db: Knex, req: { merchantId: string; actor: string; reason: string } & ({ ids: string[] } | { batchId: string })): Promise<CodeVoidResult> {
  const { merchantId, reason } = req;
  return db.transaction(async (trx) => {
    const asked: { id: string; sku_id: string; status: string; sku: string; currency: string; cost: number | string | null }[] = await trx('codes as c')
      .join('skus as s', 's.id', 'c.sku_id')
      .where('c.merchant_id', merchantId)
      .modify((q) => ('ids' in req ? q.whereIn('c.id', req.ids) : q.where('c.batch_id', req.batchId)))
      .forUpdate('c')
      .select('c.id', 'c.sku_id', 'c.status', 's.code as sku', 's.currency', trx.raw(`${codeCostSql('c')} AS cost`));
    const codes = asked.filter((c) => c.status === 'available');
    const perSku = new Map<string, { sku: string; n: number }>();
    for (const c of codes) perSku.set(c.sku_id, { sku: c.sku, n: (perSku.get(c.sku_id)?.n ?? 0) + 1 });
    for (const [skuId, { sku, n }] of [...perSku].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const taken = await trx('skus').where({ id: skuId }).andWhere('stock_available', '>=', n).decrement('stock_available', n);
      if (taken === 0) {
        const stock_available = (await trx('skus').where({ id: skuId }).first('stock_available'))?.stock_available ?? 0;
        throw conflict('stock_promised', `SKU ${sku}: only ${stock_available} of its available codes are not promised to orders; void at most that many`, {
          sku,
          requested: n,
          voidable: stock_available,
        });
      }
    }
    if (codes.length)
      await trx('codes')
        .whereIn(
          'id',
          codes.map((c) => c.id),
        )
        .update({ status: 'voided', voided_at: trx.fn.now(), void_reason: reason });
    // Goods nobody was sold, written off on the ledger at what they cost.
    const lost = codes.map((c) => ({ subject: `code:${c.id}`, currency: c.currency.trim(), amount: Number(c.cost ?? 0), skuId: c.sku_id, reason }));
    await postWriteOff(trx, merchantId, lost);
    // One row per SKU, so a SKU's audit trail shows its voided codes.
    for (const { sku, n } of perSku.values()) {
      const codeIds = codes.filter((c) => c.sku === sku).map((c) => c.id);
      await recordAudit(trx, {
        merchantId,
        actor: req.actor,
        action: 'codes.voided',
        target: `sku:${sku}`,
        detail: { reason, voided: n, codeIds, ...('batchId' in req ? { batchId: req.batchId } : {}) },
      });
    }
    const byId = new Map(asked.map((c) => [c.id, c]));
    const order = 'ids' in req ? req.ids : asked.map((c) => c.id);
    const results: CodeVoidOutcome[] = order.map((id) => {
      const c = byId.get(id);
      if (!c) return { id, outcome: 'skipped', code: 'not_found' };
      return c.status === 'available' ? { id, outcome: 'voided' } : { id, outcome: 'skipped', code: 'not_in_stock', status: c.status };
    });
    return {
      voided: codes.length,
      skipped: results.length - codes.length,
      bySku: Object.fromEntries([...perSku.values()].map(({ sku, n }) => [sku, n])),
      results,
    };
  });
}
