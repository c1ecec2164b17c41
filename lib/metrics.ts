import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db';

// Prometheus metrics of this process. Each counter is moved at the one place its event happens
// (acceptance, delivery, the supplier adapter wrapper, the webhook sender, risk assessment);
// the worker's activities run in the worker, so its registry has theirs and the api's has
// acceptance. What lives in Postgres (stock, balances, circuits) is read at scrape time by the
// api only, so several workers do not report it several times.

export const registry = new Registry();

const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers: [registry] });

/** Seconds, from a few milliseconds (acceptance) to the minutes a supplier may take. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const FULFILMENT_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600];

export const orderMetrics = {
  accepted: counter('cardflow_orders_accepted_total', 'Orders accepted (new orders only, not resubmissions)'),
  soldOut: counter('cardflow_orders_sold_out_total', 'Order requests answered sold out'),
  delivered: counter('cardflow_orders_delivered_total', 'Orders delivered'),
  failed: counter('cardflow_orders_failed_total', 'Orders closed as failed'),
  needsAttention: counter('cardflow_orders_needs_attention_total', 'Orders stopped for a person (needs_attention)'),
  acceptSeconds: new Histogram({
    name: 'cardflow_order_accept_seconds',
    help: 'Time to answer an order request, by outcome (accepted, repeat, sold_out, refused)',
    labelNames: ['outcome'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  }),
  acceptToDeliveredSeconds: new Histogram({
    name: 'cardflow_order_accept_to_delivered_seconds',
    help: 'Time from acceptance to delivery',
    buckets: FULFILMENT_BUCKETS,
    registers: [registry],
  }),
};

export const supplierMetrics = {
  calls: counter('cardflow_supplier_calls_total', 'Calls to supplier APIs by supplier, operation and outcome (ok, refused, unavailable, error)', [
    'supplier',
    'operation',
    'outcome',
  ]),
  seconds: new Histogram({
    name: 'cardflow_supplier_call_seconds',
    help: 'Supplier API call latency by supplier and operation',
    labelNames: ['supplier', 'operation'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  }),
};

export const webhookMetrics = {
  attempts: counter('cardflow_webhook_attempts_total', 'Storefront webhook attempts by event type and outcome (succeeded, failed)', ['event_type', 'outcome']),
};

export const riskMetrics = {
  decisions: counter('cardflow_risk_decisions_total', 'Risk decisions by decision (allow, review, reject)', ['decision']),
};

/** At most this many SKUs are reported in cardflow_stock_available: those with the least stock. */
export const STOCK_SERIES_LIMIT = 200;

/**
 * The gauges read from Postgres at scrape time: per-supplier circuit state and balance, and the
 * stock of the active stock-fulfilled SKUs with the least left (at most STOCK_SERIES_LIMIT, so
 * a catalogue of thousands cannot blow up the series count). The api reports them (apiMetrics).
 */
export function databaseGauges(db: Db): Registry {
  const target = new Registry();
  new Gauge({
    name: 'cardflow_supplier_circuit_open',
    help: 'Whether the supplier circuit is open (1) or closed (0)',
    labelNames: ['supplier'],
    registers: [target],
    async collect() {
      this.reset();
      const rows = await db('suppliers')
        .where({ kind: 'api', active: true })
        .select<{ name: string; open: boolean }[]>('name', db.raw('coalesce(circuit_open_until > now(), false) as open'));
      for (const row of rows) this.set({ supplier: row.name }, row.open ? 1 : 0);
    },
  });
  new Gauge({
    name: 'cardflow_supplier_balance',
    help: 'Supplier prepaid balance as last seen (minor units of its currency), and its low-balance threshold',
    labelNames: ['supplier', 'currency', 'kind'],
    registers: [target],
    async collect() {
      this.reset();
      const rows = await db('suppliers').where({ active: true }).whereNotNull('balance').select('name', 'currency', 'balance', 'low_balance_threshold');
      for (const row of rows) {
        const labels = { supplier: row.name, currency: (row.currency ?? '').trim() };
        this.set({ ...labels, kind: 'balance' }, Number(row.balance));
        if (row.low_balance_threshold != null) this.set({ ...labels, kind: 'threshold' }, Number(row.low_balance_threshold));
      }
    },
  });
  new Gauge({
    name: 'cardflow_stock_available',
    help: `Codes in stock per SKU (the ${STOCK_SERIES_LIMIT} active stock SKUs with the least)`,
    labelNames: ['merchant', 'sku'],
    registers: [target],
    async collect() {
      this.reset();
      const rows = await db('skus')
        .where({ active: true })
        .whereIn('fulfilment_mode', ['stock'])
        .orderBy('stock_available')
        .limit(STOCK_SERIES_LIMIT)
        .select('merchant_id', 'code', 'stock_available');
      for (const row of rows) this.set({ merchant: row.merchant_id, sku: row.code }, Number(row.stock_available));
    },
  });
  return target;
}

/** What the api reports: this process's counters and the gauges read from Postgres. */
export function apiMetrics(db: Db): Registry {
  return Registry.merge([registry, databaseGauges(db)]);
}
