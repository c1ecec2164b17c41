import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import type { OrderRow } from '../../db/tables';
import { notFound } from '../../lib/errors';
import { unitCostSql } from '../../orders/unit-cost';
import { parseOrThrow } from '../errors';
import { allow } from './auth';

// The day at a glance: today's orders, GMV and gross profit (net of today's refunds), orders per
// hour over the last 24 hours, the most profitable SKUs of the last 7 days, SKUs at or below
// their low-stock threshold, and the orders waiting on a person (failed, stuck, or to be
// fulfilled by hand). "Today" is the viewer's day.

/** Orders a person has to look at: failed ones, and ones in progress for too long. */
export const STUCK_AFTER_MINUTES = 10;

const Query = z
  .object({
    tz: z
      .string()
      .max(64)
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'an IANA time zone such as Asia/Shanghai')
      .default('UTC'),
  })
  .strict();

export function adminDashboardRouter(deps: { db: Db }) {
  const { db } = deps;
  const router = Router();

  router.get('/dashboard', allow('dashboard', 'show'), async (req, res) => {
    const { tz } = parseOrThrow(Query, req.query, 'query');
    const m = req.admin!.merchantId;
    // Staff must enter its codes by hand, before its deadline.
    const waitingForManualFulfilment = db('manual_tasks as mt').whereRaw('mt.order_id = orders.id').whereIn('mt.status', ['open', 'escalated']);
    const dayStart = db.raw(`(date_trunc('day', now() AT TIME ZONE ?) AT TIME ZONE ?)`, [tz, tz]);

    const [orders, settled, refunded, perHour, topSkus, lowStock, waiting] = await Promise.all([
      db('orders').where({ merchant_id: m }).where('created_at', '>=', dayStart).select('status').count<{ status: string; count: number }[]>('* as count').groupBy('status'),
      db('settlements')
        .where({ merchant_id: m })
        .where('created_at', '>=', dayStart)
        .groupBy('currency')
        .select('currency', db.raw('sum(revenue)::bigint AS revenue'), db.raw('sum(gross_profit)::bigint AS gross_profit')),
      db('refunds')
        .where({ merchant_id: m })
        .where('created_at', '>=', dayStart)
        .groupBy('currency')
        .select('currency', db.raw('sum(revenue_reversed)::bigint AS revenue'), db.raw('sum(revenue_reversed - cost_reversed)::bigint AS profit')),
      db.raw(
        `SELECT h.hour, count(o.id)::int AS orders
           FROM generate_series(date_trunc('hour', now()) - interval '23 hours', date_trunc('hour', now()), interval '1 hour') AS h(hour)
           LEFT JOIN orders o ON o.merchant_id = ? AND o.created_at >= h.hour AND o.created_at < h.hour + interval '1 hour'
          GROUP BY h.hour ORDER BY h.hour`,
        [m],
      ),
      db.raw(
        `SELECT s.code AS sku, s.name, s.currency, count(*)::int AS units,
                sum(i.unit_price)::bigint AS revenue, sum(i.unit_price - ${unitCostSql('u')})::bigint AS gross_profit
           FROM deliveries d
           JOIN orders o ON o.id = d.order_id
           JOIN order_units u ON u.id = d.unit_id
           JOIN order_items i ON i.id = u.order_item_id
           JOIN skus s ON s.id = i.sku_id
          WHERE o.merchant_id = ? AND o.status = 'delivered' AND d.delivered_at >= now() - interval '7 days'
          GROUP BY s.code, s.name, s.currency
          ORDER BY gross_profit DESC
          LIMIT 5`,
        [m],
      ),
      db('skus')
        .where({ merchant_id: m, active: true })
        // Products bought from suppliers or fulfilled by hand hold no stock to run low.
        .where('fulfilment_mode', 'stock')
        .whereNotNull('low_stock_threshold')
        .whereRaw('stock_available <= low_stock_threshold')
        .orderBy('stock_available')
        .limit(10)
        .select('code', 'name', 'stock_available', 'low_stock_threshold'),
      db('orders')
        .where({ merchant_id: m })
        .where((w) =>
          w
            .where('status', 'failed')
            .orWhere('status', 'held')
            .orWhere((s) => s.whereIn('status', ['accepted', 'processing']).where('updated_at', '<', db.raw(`now() - make_interval(mins => ?)`, [STUCK_AFTER_MINUTES])))
            .orWhereExists(waitingForManualFulfilment),
        )
        .orderBy('updated_at')
        .limit(10)
        .select('id', 'external_ref', 'status', 'reason', 'currency', 'total_amount', 'updated_at')
        .select<WaitingOrder[]>(db.raw(`(SELECT mt.cancel_at FROM manual_tasks mt WHERE mt.order_id = orders.id AND mt.status IN ('open', 'escalated')) AS manual_cancel_at`)),
    ]);
    const waitingCount = await db('orders')
      .where({ merchant_id: m })
      .where((w) =>
        w
          .where('status', 'failed')
          .orWhere('status', 'held')
          .orWhere((s) => s.whereIn('status', ['accepted', 'processing']).where('updated_at', '<', db.raw(`now() - make_interval(mins => ?)`, [STUCK_AFTER_MINUTES])))
          .orWhereExists(waitingForManualFulfilment),
      )
      .count<{ count: number }[]>('* as count');

    const money = new Map<string, { currency: string; gmv: number; grossProfit: number }>();
    for (const s of settled) money.set(s.currency.trim(), { currency: s.currency.trim(), gmv: Number(s.revenue), grossProfit: Number(s.gross_profit) });
    for (const r of refunded) {
      const cur = money.get(r.currency.trim()) ?? { currency: r.currency.trim(), gmv: 0, grossProfit: 0 };
      cur.gmv -= Number(r.revenue);
      cur.grossProfit -= Number(r.profit);
      money.set(cur.currency, cur);
    }
    const merchant = await db('merchants').where({ id: m }).first('currency');
    if (!merchant) throw notFound('Merchant');
    if (money.size === 0) money.set(merchant.currency.trim(), { currency: merchant.currency.trim(), gmv: 0, grossProfit: 0 });

    res.json({
      id: 'today',
      timeZone: tz,
      today: {
        orders: orders.reduce((n, o) => n + Number(o.count), 0),
        byStatus: Object.fromEntries(orders.map((o) => [o.status, Number(o.count)])),
        money: [...money.values()],
      },
      ordersPerHour: perHour.rows.map((r: { hour: Date; orders: number }) => ({ hour: r.hour.toISOString(), orders: r.orders })),
      topSkus: topSkus.rows.map((r: { sku: string; name: string; currency: string; units: number; revenue: number | string; gross_profit: number | string }) => ({
        sku: r.sku,
        name: r.name,
        currency: r.currency.trim(),
        units: r.units,
        revenue: Number(r.revenue),
        grossProfit: Number(r.gross_profit),
      })),
      lowStock: lowStock.map((s) => ({ sku: s.code, name: s.name, stockAvailable: s.stock_available, lowStockThreshold: s.low_stock_threshold })),
      waitingOnPerson: {
        count: Number(waitingCount[0].count),
        orders: waiting.map((o) => ({
          id: o.id,
          externalRef: o.external_ref,
          status: o.status,
          reason: o.reason,
          currency: o.currency.trim(),
          totalAmount: o.total_amount,
          since: o.updated_at.toISOString(),
          manualCancelAt: o.manual_cancel_at?.toISOString() ?? null,
        })),
      },
    });
  });

  return router;
}

/** An order waiting on a person, with the deadline of its manual task if it has one. */
type WaitingOrder = Pick<OrderRow, 'id' | 'external_ref' | 'status' | 'reason' | 'currency' | 'total_amount' | 'updated_at'> & { manual_cancel_at: Date | null };
