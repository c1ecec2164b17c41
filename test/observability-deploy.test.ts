import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { createDb } from '../db';
import { apiMetrics } from '../lib/metrics';

// The Prometheus alert rules and the Grafana dashboard in deploy/ parse, and every metric they
// name exists: Cardflow's in its registries, the Temporal SDK's in the native core it ships.

const root = path.join(__dirname, '..');
const rules = parse(fs.readFileSync(path.join(root, 'deploy/prometheus/cardflow-alerts.yml'), 'utf8'));
const dashboard = JSON.parse(fs.readFileSync(path.join(root, 'deploy/grafana/cardflow-dashboard.json'), 'utf8'));

// Collected only at scrape time; a database that is never asked is enough to name them.
const db = createDb('postgres://127.0.0.1:1/never-asked', 1);
afterAll(() => db.destroy());
const cardflowMetrics = () =>
  new Set(
    apiMetrics(db)
      .getMetricsAsArray()
      .map((m) => m.name),
  );

// The names the Temporal core (Rust) registers, as strings inside the prebuilt native module.
const releases = path.join(path.dirname(require.resolve('@temporalio/core-bridge/package.json')), 'releases');
const coreBuild = fs
  .readdirSync(releases)
  .map((platform) => path.join(releases, platform, 'index.node'))
  .find((file) => fs.existsSync(file))!;
const coreStrings = fs.readFileSync(coreBuild).toString('latin1');

const SERIES_SUFFIX = /_(bucket|count|sum|total)$/;

function exists(metric: string, known: Set<string>): boolean {
  if (metric.startsWith('temporal_')) return coreStrings.includes(metric.slice('temporal_'.length).replace(SERIES_SUFFIX, ''));
  return known.has(metric) || known.has(metric.replace(/_(bucket|count|sum)$/, '')) || known.has(metric.replace(/_total$/, ''));
}

const metricsIn = (expr: string) => [...new Set(expr.match(/\b(cardflow|temporal)_[a-z0-9_]+/g) ?? [])];

describe('deploy/prometheus and deploy/grafana', () => {
  test('when the alert rules are read, then each has a name, an expression and a summary, and covers backlog, attention, suppliers, webhooks and balance', () => {
    const all = rules.groups.flatMap((g: { rules: unknown[] }) => g.rules) as { alert: string; expr: string; annotations: { summary: string } }[];
    for (const rule of all) {
      expect(rule.alert).toMatch(/^Cardflow/);
      expect(rule.expr.trim()).not.toBe('');
      expect(rule.annotations.summary).toBeTruthy();
    }
    const named = all.flatMap((r) => metricsIn(r.expr)).join(' ');
    for (const needed of ['schedule_to_start_latency', 'needs_attention', 'supplier_calls', 'webhook_attempts', 'supplier_balance']) expect(named).toContain(needed);
  });

  test('when the alert rules and dashboard name metrics, then every one exists (and an invented one would not)', () => {
    const known = cardflowMetrics();
    const exprs = [
      ...rules.groups.flatMap((g: { rules: { expr: string }[] }) => g.rules.map((r) => r.expr)),
      ...dashboard.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr)),
    ];
    const named = [...new Set(exprs.flatMap(metricsIn))];
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((m) => !exists(m, known))).toEqual([]);
    // Positive control: the check does fail for names nobody registers.
    expect(exists('cardflow_orders_invented_total', known)).toBe(false);
    expect(exists('temporal_invented_schedule_latency_bucket', known)).toBe(false);
  });

  test('when the dashboard is read, then every panel has a unique id, a title and queries', () => {
    const ids = dashboard.panels.map((p: { id: number }) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(panel.title).toBeTruthy();
      expect(panel.targets.length).toBeGreaterThan(0);
    }
  });
});
