import type { FlashSaleReport } from './run';

// The report as a table for people; the same report as JSON for machines (--json).

export function formatReport(r: FlashSaleReport): string {
  const n = (v: number) => (Number.isFinite(v) ? String(v) : '—'); // no answers of that kind
  const ms = (p: { p50: number; p95: number; p99: number; max: number }) => `${n(p.p50)} / ${n(p.p95)} / ${n(p.p99)} / ${n(p.max)}`;
  const lines = [
    `machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}`,
    `sale: ${r.options.orders} checkouts, ${r.options.codes} codes, ${r.options.ratePerSecond ? `${r.options.ratePerSecond}/s` : `concurrency ${r.options.concurrency ?? 50}`}, ${r.options.apis ?? 1} api / ${r.options.workers ?? 1} worker process(es)${r.drill ? `, drill ${r.drill.name}` : ''}`,
    `checkout latency: from the ${r.options.ratePerSecond ? 'scheduled send time (open loop: coordinated omission counted)' : 'first send (closed loop)'}, a resubmitted checkout from its first attempt, to the answer that counted`,
    '',
    '| measure | value |',
    '| --- | --- |',
    `| checkouts answered | ${r.checkouts.total} in ${r.burstSeconds.toFixed(1)} s (${(r.checkouts.total / r.burstSeconds).toFixed(0)}/s) |`,
    `| accepted / sold out / other | ${r.checkouts.accepted} / ${r.checkouts.soldOut} / ${r.checkouts.other} (${r.checkouts.retried} resubmitted) |`,
    `| accept ms p50 / p95 / p99 / max | ${ms(r.acceptMs)} |`,
    `| sold-out ms p50 / p95 / p99 / max | ${ms(r.soldOutMs)} |`,
    `| (the api's time for the answer that counted: accept / sold-out p50 / p99) | ${n(r.acceptLastAttemptMs.p50)} / ${n(r.acceptLastAttemptMs.p99)} · ${n(r.soldOutLastAttemptMs.p50)} / ${n(r.soldOutLastAttemptMs.p99)} |`,
    `| risk check ms p50 / p95 / p99 / max | ${ms(r.riskCheckMs)} |`,
    `| accept → risk verdict ms p50 / p95 / p99 / max | ${ms(r.acceptToRiskVerdictMs)} |`,
    `| accept → delivered ms p50 / p95 / p99 / max | ${ms(r.acceptToDeliveredMs)} |`,
    `| delivered orders (failed or cancelled) | ${r.deliveredOrders} (${r.failedOrders}) |`,
    `| delivered per second | ${r.deliveredPerSecond.toFixed(1)} |`,
    `| drain after the last answer | ${r.drainSeconds === null ? 'NOT DRAINED' : `${r.drainSeconds.toFixed(1)} s`} |`,
    `| peak memory MiB api / worker / Postgres / Temporal | ${r.peakMemoryMiB.api} / ${r.peakMemoryMiB.worker} / ${r.peakMemoryMiB.postgres} / ${r.peakMemoryMiB.temporal} |`,
    `| CPU s api / worker / Postgres / Temporal / bench (load, webhooks, simulator) | ${r.cpuSeconds.api} / ${r.cpuSeconds.worker} / ${r.cpuSeconds.postgres} / ${r.cpuSeconds.temporal} / ${r.cpuSeconds.bench} |`,
    `| CPU ms per checkout (api) · per delivered order (worker / Temporal / Postgres) | ${n(r.cpuMsPer.checkoutApi)} · ${n(r.cpuMsPer.orderWorker)} / ${n(r.cpuMsPer.orderTemporal)} / ${n(r.cpuMsPer.orderPostgres)} |`,
  ];
  if (r.ceilings) {
    const c = r.ceilings;
    const cpu = (x: { cpuMsPerOrder?: { server: number; bench: number } }) =>
      x.cpuMsPerOrder ? ` (CPU ms each: server ${x.cpuMsPerOrder.server}, its worker ${x.cpuMsPerOrder.bench})` : '';
    lines.push(
      `| ceiling (e) Temporal, empty workflows/s | ${c.temporalEmpty.perSecond.toFixed(1)} → Cardflow at ${(c.ratioToTemporalEmpty * 100).toFixed(0)}%${cpu(c.temporalEmpty)} |`,
      `| ceiling (l) Temporal, workflows/s of one local activity | ${c.temporalOneLocal.perSecond.toFixed(1)} → Cardflow at ${(c.ratioToTemporalOneLocal * 100).toFixed(0)}%${cpu(c.temporalOneLocal)} |`,
      `| ceiling (a) Temporal, no-op workflows/s, Cardflow's shape (5 local activities + 1 activity) | ${c.temporal.perSecond.toFixed(1)} → Cardflow at ${(c.ratioToTemporal * 100).toFixed(0)}%${cpu(c.temporal)} |`,
      `| ceiling (a') Temporal, no-op workflows/s, 6 activities | ${c.temporalAllActivities.perSecond.toFixed(1)} → Cardflow at ${(c.ratioToTemporalAllActivities * 100).toFixed(0)}% |`,
      `| ceiling (b) Postgres, accept + allocate orders/s | ${c.postgres.perSecond.toFixed(1)} → Cardflow at ${(c.ratioToPostgres * 100).toFixed(0)}%${cpu(c.postgres)} |`,
    );
  }
  lines.push('', 'memory MiB (api / worker / Postgres / Temporal) over the run:');
  for (const t of r.memoryTrendMiB) lines.push(`  ${String(t.atSeconds).padStart(5)} s  ${t.mib.api} / ${t.mib.worker} / ${t.mib.postgres} / ${t.mib.temporal}`);
  if (r.drill)
    lines.push(`| drill ${r.drill.name}: last order finished after recovery | ${r.drill.recoveredSeconds === null ? '—' : `${r.drill.recoveredSeconds.toFixed(1)} s`} |`);
  if (r.pgStatements) {
    lines.push('', "Postgres's time by statement, burst to drain (pg_stat_statements; wall time, waits included):");
    lines.push('| share | total ms | calls | mean ms | rows | statement |', '| --- | --- | --- | --- | --- | --- |');
    for (const t of r.pgStatements.statements)
      lines.push(`| ${(t.share * 100).toFixed(1)}% | ${t.totalMs} | ${t.calls} | ${t.meanMs} | ${t.rows} | \`${t.query.replace(/\|/g, '¦')}\` |`);
    lines.push('', 'Rows written per table, burst to drain:', '| table | inserted | updated | deleted |', '| --- | --- | --- | --- |');
    for (const t of r.pgStatements.tables) lines.push(`| ${t.table} | ${t.inserted} | ${t.updated} | ${t.deleted} |`);
  }
  lines.push('', 'invariants:');
  for (const i of r.invariants) lines.push(`  ${i.ok ? 'ok  ' : 'FAIL'} ${i.name}: ${i.detail}`);
  return lines.join('\n');
}
