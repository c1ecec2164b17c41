import crypto from 'node:crypto';
import os from 'node:os';
import { createSku, createStorefront } from '../../db/seed';
import { importCodes } from '../../stock/import-codes';
import { postgresCeiling, temporalCeiling, weighed, type Ceiling } from './ceilings';
import { DRILLS, type Drill, type DrillName } from './drills';
import { checkInvariants, waitUntilDrained, type InvariantResult } from './invariants';
import { percentile, runBurst, type Checkout } from './load';
import { MemoryWatch, type Part } from './memory';
import { openShop, vaultFor } from './shop';
import { resetStatements, tableWrites, topStatements, type StatementTime, type TableWrites } from './pg-statements';
import { CardflowSystem } from './system';
import { WebhookReceiver } from './webhook-receiver';

// One flash sale against a whole Cardflow: start it, open the shop, fire the burst, optionally
// break something in the middle (a drill), wait for every order to finish, check the
// invariants, then measure the ceilings on the same servers.

export interface FlashSaleOptions {
  orders: number;
  codes: number;
  concurrency?: number;
  ratePerSecond?: number;
  /** The SKU falls back to a supplier (the simulator) for what stock cannot cover. */
  supplier?: boolean;
  supplierLatencyMs?: [number, number];
  drill?: DrillName;
  /** When the drill strikes, as a share of the checkouts answered. */
  drillAt?: number;
  ceilings?: boolean;
  /** Report where Postgres's time went, by statement (pg_stat_statements, loaded for this run). */
  pgStatements?: boolean;
  poolMax?: number;
  /** api and worker processes against the one Postgres and Temporal (default 1 each); the load is spread round-robin over the apis. */
  apis?: number;
  workers?: number;
  env?: Record<string, string>;
  drainTimeoutMs?: number;
  /** Orders of another SKU, from another storefront, run to completion before the sale (default 300). */
  warmUpOrders?: number;
  /** For tests: runs after the invariant check, with a way to check again (to plant a fault). */
  afterCheck?: (ctx: {
    db: CardflowSystem['db'];
    checkouts: Checkout[];
    recheck(checkouts: Checkout[]): Promise<InvariantResult[]>;
    temporalAddress: string;
    taskQueue: string;
    /** The api and worker processes running at the end of the sale. */
    pids: { api: number[]; worker: number[] };
  }) => Promise<void>;
  log?: (line: string) => void;
}

export interface FlashSaleReport {
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string };
  options: Omit<FlashSaleOptions, 'log'>;
  checkouts: { total: number; accepted: number; soldOut: number; other: number; retried: number };
  /** Checkout latency: from the scheduled send (open loop) or first send (closed loop), through resubmissions, to the answer that counted. */
  acceptMs: Percentiles;
  soldOutMs: Percentiles;
  /** The api's own time for the answer that counted (last attempt, send → answer): the old measure, for comparison. */
  acceptLastAttemptMs: Percentiles;
  soldOutLastAttemptMs: Percentiles;
  acceptToDeliveredMs: Percentiles;
  /** The risk check itself: from its first read of the order to the statement writing its verdict. */
  riskCheckMs: Percentiles;
  /** From acceptance to the risk verdict: the workflow's start and the check. */
  acceptToRiskVerdictMs: Percentiles;
  burstSeconds: number;
  deliveredOrders: number;
  failedOrders: number;
  deliveredPerSecond: number;
  drainSeconds: number | null;
  peakMemoryMiB: Record<Part, number>;
  /** Memory of each part at ten even points from the start of the sale until it drained (a soak shows whether it grows). */
  memoryTrendMiB: { atSeconds: number; mib: Partial<Record<Part, number>> }[];
  /** CPU seconds each part used from the start of the burst until the sale drained. */
  cpuSeconds: Record<Part, number> & { bench: number };
  /** The capacity model's inputs: CPU ms per checkout answered (api) and per delivered order (the rest), over the whole sale. */
  cpuMsPer: { checkoutApi: number; orderWorker: number; orderTemporal: number; orderPostgres: number };
  drill?: { name: DrillName; recoveredSeconds: number | null; log: string[] };
  invariants: InvariantResult[];
  ceilings?: {
    /** Workflows that do nothing at all: what starting and completing a workflow costs. */
    temporalEmpty: Ceiling;
    /** Workflows of one local activity: the least an order workflow that touches the database costs. */
    temporalOneLocal: Ceiling;
    /** No-op workflows of Cardflow's shape: five local activities and one activity. */
    temporal: Ceiling;
    /** No-op workflows with all six steps as activities: what the same pipeline costs Temporal without local activities. */
    temporalAllActivities: Ceiling;
    postgres: Ceiling;
    ratioToTemporalEmpty: number;
    ratioToTemporalOneLocal: number;
    ratioToTemporal: number;
    ratioToTemporalAllActivities: number;
    ratioToPostgres: number;
  };
  /** With --pg-statements: the statements that took most of Postgres's time, from the burst to the drain. */
  pgStatements?: { statements: StatementTime[]; tables: TableWrites[] };
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const TASK_QUEUE = 'cardflow-orders';

export async function runFlashSale(opts: FlashSaleOptions): Promise<FlashSaleReport> {
  const say = opts.log ?? (() => undefined);
  const drill: Drill | undefined = opts.drill ? DRILLS[opts.drill] : undefined;
  const withSupplier = Boolean(opts.supplier || drill?.needsSupplier);
  const receiver = await new WebhookReceiver().start();
  say(`starting Postgres, Temporal, ${opts.workers ?? drill?.processes?.workers ?? 1} worker(s) and ${opts.apis ?? drill?.processes?.apis ?? 1} api(s) ...`);
  const system = await CardflowSystem.start({
    poolMax: opts.poolMax,
    apis: opts.apis ?? drill?.processes?.apis,
    workers: opts.workers ?? drill?.processes?.workers,
    env: { TEMPORAL_TASK_QUEUE: TASK_QUEUE, ...(opts.env ?? {}) },
    pgStatements: opts.pgStatements,
    log: say,
  });
  const vault = vaultFor(system.env);
  const shop = await openShop(system.db, vault, {
    webhookUrl: receiver.url,
    codes: opts.codes,
    supplier: withSupplier ? { latencyMs: opts.supplierLatencyMs ?? [50, 200], async: opts.drill === 'supplier-faults' } : undefined,
  });
  // A shop's servers have been up for a while when a drop starts: warm them (V8's JIT, pools,
  // caches) with ordinary orders from another storefront, which the sale's numbers leave out.
  const warmUp = opts.warmUpOrders ?? 300;
  if (warmUp > 0) {
    say(`warming up with ${warmUp} orders ...`);
    const other = await createStorefront(system.db, vault, { merchantId: shop.merchant.merchantId, name: 'warm-up storefront' });
    await createSku(system.db, { merchantId: shop.merchant.merchantId, code: 'WARM-UP', name: 'Warm-up card', faceValue: 1000, price: 950, cost: 900, currency: 'USD' });
    const content = Array.from({ length: warmUp }, (_, i) => `WARM-${crypto.randomBytes(8).toString('hex')}-${i}`).join('\n');
    await importCodes(system.db, vault, { merchantId: shop.merchant.merchantId, sku: 'WARM-UP', content, format: 'txt', source: 'warm-up', importedBy: 'bench' });
    await runBurst({ apiUrls: system.apiUrls, apiKey: other.apiKey, sku: 'WARM-UP', orders: warmUp, concurrency: 10, refPrefix: 'warm' });
    await waitUntilDrained(system.db, other.storefrontId, { temporalAddress: system.temporalAddress, taskQueue: TASK_QUEUE, timeoutMs: 5 * 60_000 });
  }
  if (opts.pgStatements) await resetStatements(system);
  // Once a second: a reading costs tens of ms of CPU (memory.ts), which the parts measured would otherwise have had.
  const memory = new MemoryWatch(() => system.pids()).start(1000);
  const benchCpu = process.cpuUsage();
  try {
    const drillLog: string[] = [];
    let drillDone: Promise<number | null> | undefined;
    const strikeAt = Math.floor(opts.orders * (opts.drillAt ?? 0.3));
    if (drill?.before) await drill.before({ system, shop, receiver, log: (l) => (drillLog.push(l), say(l)) });
    say(
      `burst: ${opts.orders} checkouts for ${shop.sku} (${opts.codes} codes${withSupplier ? ', supplier fallback' : ''}) at ${opts.ratePerSecond ? `${opts.ratePerSecond}/s` : `concurrency ${opts.concurrency ?? 50}`}`,
    );
    const burst = await runBurst({
      apiUrls: system.apiUrls,
      apiKey: shop.merchant.apiKey,
      sku: shop.sku,
      orders: opts.orders,
      concurrency: opts.concurrency,
      ratePerSecond: opts.ratePerSecond,
      refPrefix: 'sale',
      onAnswer: (answered) => {
        if (drill && answered === strikeAt) {
          drillDone = drill.strike({ system, shop, receiver, log: (l) => (drillLog.push(l), say(l)) });
          // A drill that cannot bring its part back must say so now, not after the burst gives up.
          drillDone.catch((err) => say(`DRILL FAILED: ${(err as Error).stack ?? err}`));
        }
      },
    });
    const burstEnd = Date.now();
    say(`burst answered in ${(burst.durationMs / 1000).toFixed(1)} s; waiting for every order to finish ...`);
    const recoveredAt = drillDone ? await drillDone : null;
    const drained = await waitUntilDrained(system.db, shop.merchant.storefrontId, {
      temporalAddress: system.temporalAddress,
      taskQueue: TASK_QUEUE,
      timeoutMs: opts.drainTimeoutMs ?? 15 * 60_000,
    });
    const drainedAt = Date.now();
    await memory.stop();
    const pgStatements = opts.pgStatements ? { statements: await topStatements(system), tables: await tableWrites(system) } : undefined;
    const used = process.cpuUsage(benchCpu);
    const cpuUsed = memory.cpuUsed();
    const cpuOfBench = used.user + used.system;
    if (drill?.after) await drill.after({ system, shop, receiver, log: (l) => (drillLog.push(l), say(l)) });

    say('checking invariants ...');
    const recheck = (checkouts: Checkout[]) => checkInvariants(system.db, shop, checkouts, { temporalAddress: system.temporalAddress, taskQueue: TASK_QUEUE, receiver });
    const invariants = await recheck(burst.checkouts);
    await opts.afterCheck?.({ db: system.db, checkouts: burst.checkouts, recheck, temporalAddress: system.temporalAddress, taskQueue: TASK_QUEUE, pids: system.pids() });
    const timing = await orderTimings(system, shop.merchant.storefrontId);

    let ceilings: FlashSaleReport['ceilings'];
    const accepted = burst.checkouts.filter((c) => c.status === 202 || c.status === 200).length;
    if (opts.ceilings !== false && !opts.drill) {
      const temporalPids = () => system.pids().temporal;
      const ceiling = (localSteps: number, remoteSteps: number) =>
        weighed(temporalPids, () =>
          temporalCeiling({ address: system.temporalAddress, workflows: accepted, localSteps, remoteSteps, concurrency: opts.concurrency ?? 50, env: system.env }),
        );
      say(`ceiling (e): ${accepted} empty workflows on the same Temporal ...`);
      const temporalEmpty = await ceiling(0, 0);
      say(`ceiling (l): ${accepted} workflows of one local activity ...`);
      const temporalOneLocal = await ceiling(1, 0);
      say(`ceiling (a): ${accepted} no-op workflows of Cardflow's shape ...`);
      const temporal = await ceiling(workflowShape().localSteps, workflowShape().remoteSteps);
      say(`ceiling (a'): the same with every step an activity ...`);
      const temporalAllActivities = await ceiling(0, 6);
      say(`ceiling (b): ${accepted} acceptances + allocations straight on Postgres ...`);
      const postgres = await weighed(
        () => system.pids().postgres,
        () => postgresCeiling({ databaseUrl: system.databaseUrl, vault, shop, orders: accepted, concurrency: opts.concurrency ?? 50, poolMax: opts.poolMax ?? 10 }),
      );
      ceilings = {
        temporalEmpty,
        temporalOneLocal,
        temporal,
        temporalAllActivities,
        postgres,
        ratioToTemporalEmpty: timing.deliveredPerSecond / temporalEmpty.perSecond,
        ratioToTemporalOneLocal: timing.deliveredPerSecond / temporalOneLocal.perSecond,
        ratioToTemporal: timing.deliveredPerSecond / temporal.perSecond,
        ratioToTemporalAllActivities: timing.deliveredPerSecond / temporalAllActivities.perSecond,
        ratioToPostgres: timing.deliveredPerSecond / postgres.perSecond,
      };
    }

    // An accept answered 200 is a resubmission of an order accepted before (its first answer was lost): still an accept.
    const acceptedCheckouts = burst.checkouts.filter((c) => c.status === 202 || c.status === 200);
    const soldOutCheckouts = burst.checkouts.filter((c) => c.status === 409);
    const { log: _log, afterCheck: _afterCheck, ...given } = opts;
    const options = { ...given, apis: system.apiCount, workers: system.workerCount };
    return {
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
      options,
      checkouts: summarise(burst.checkouts),
      acceptMs: percentiles(acceptedCheckouts.map((c) => c.latencyMs)),
      soldOutMs: percentiles(soldOutCheckouts.map((c) => c.latencyMs)),
      acceptLastAttemptMs: percentiles(acceptedCheckouts.map((c) => c.lastAttemptMs)),
      soldOutLastAttemptMs: percentiles(soldOutCheckouts.map((c) => c.lastAttemptMs)),
      acceptToDeliveredMs: timing.acceptToDelivered,
      riskCheckMs: timing.riskCheck,
      acceptToRiskVerdictMs: timing.acceptToRiskVerdict,
      burstSeconds: burst.durationMs / 1000,
      deliveredOrders: timing.delivered,
      failedOrders: timing.failed,
      deliveredPerSecond: timing.deliveredPerSecond,
      drainSeconds: drained.drained ? (drainedAt - burstEnd) / 1000 : null,
      peakMemoryMiB: memory.peak(),
      memoryTrendMiB: Array.from({ length: 10 }, (_, i) => memory.samples[Math.round(((i + 1) / 10) * (memory.samples.length - 1))]).map((m) => ({
        atSeconds: Math.round(m.atMs / 1000),
        mib: m.mib,
      })),
      cpuSeconds: { ...cpuUsed, bench: Math.round(cpuOfBench / 1e5) / 10 },
      cpuMsPer: {
        checkoutApi: perMs(cpuUsed.api, burst.checkouts.length),
        orderWorker: perMs(cpuUsed.worker, timing.delivered),
        orderTemporal: perMs(cpuUsed.temporal, timing.delivered),
        orderPostgres: perMs(cpuUsed.postgres, timing.delivered),
      },
      drill: opts.drill ? { name: opts.drill, recoveredSeconds: recoveredAt === null ? null : (drainedAt - recoveredAt) / 1000, log: drillLog } : undefined,
      invariants,
      ceilings,
      pgStatements,
    };
  } finally {
    await memory.stop();
    await shop.supplier?.sim.stop();
    await system.stop();
    await receiver.stop();
  }
}

/** How many local activities and activities a stock order's workflow runs (see workflows/fulfil-order.ts). */
export function workflowShape(): { localSteps: number; remoteSteps: number } {
  // risk, search facts, allocate, plan, deliver, settle run as local activities; the webhook
  // leaves through the outbox (worker/webhook-notifier.ts), not as an activity of the workflow.
  return { localSteps: 6, remoteSteps: 0 };
}

async function orderTimings(system: CardflowSystem, storefrontId: string) {
  const { rows } = await system.db.raw(`SELECT extract(epoch FROM (delivered_at - created_at)) * 1000 AS ms FROM orders WHERE storefront_id = ? AND delivered_at IS NOT NULL`, [
    storefrontId,
  ]);
  const {
    rows: [span],
  } = await system.db.raw(
    `SELECT count(*) FILTER (WHERE status = 'delivered') AS delivered, count(*) FILTER (WHERE status IN ('failed', 'cancelled')) AS failed,
            extract(epoch FROM (max(delivered_at) - min(created_at))) AS seconds
       FROM orders WHERE storefront_id = ?`,
    [storefrontId],
  );
  // checkedAt is the database's clock at the check's first statement; the timeline entry is
  // stamped by the statement that writes the verdict.
  const { rows: risk } = await system.db.raw(
    `SELECT extract(epoch FROM (e.created_at - (o.risk->>'checkedAt')::timestamptz)) * 1000 AS check_ms,
            extract(epoch FROM (e.created_at - o.created_at)) * 1000 AS verdict_ms
       FROM orders o JOIN order_events e ON e.order_id = o.id AND e.type = 'risk_checked'
      WHERE o.storefront_id = ?`,
    [storefrontId],
  );
  const delivered = Number(span.delivered);
  return {
    acceptToDelivered: percentiles(rows.map((r: { ms: string }) => Number(r.ms))),
    riskCheck: percentiles(risk.map((r: { check_ms: string }) => Number(r.check_ms))),
    acceptToRiskVerdict: percentiles(risk.map((r: { verdict_ms: string }) => Number(r.verdict_ms))),
    delivered,
    failed: Number(span.failed),
    deliveredPerSecond: span.seconds ? delivered / Number(span.seconds) : 0,
  };
}

const perMs = (seconds: number, n: number) => (n > 0 ? Math.round(((seconds * 1000) / n) * 10) / 10 : NaN);

function summarise(checkouts: Checkout[]) {
  const accepted = checkouts.filter((c) => c.status === 202 || c.status === 200).length;
  const soldOut = checkouts.filter((c) => c.status === 409 && c.error === 'sold_out').length;
  return { total: checkouts.length, accepted, soldOut, other: checkouts.length - accepted - soldOut, retried: checkouts.filter((c) => c.attempts > 1).length };
}

function percentiles(values: number[]): Percentiles {
  const round = (n: number) => Math.round(n * 10) / 10;
  return { p50: round(percentile(values, 50)), p95: round(percentile(values, 95)), p99: round(percentile(values, 99)), max: round(Math.max(...values)) };
}
