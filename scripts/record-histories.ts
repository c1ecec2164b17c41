// `npm run record-histories [scenario ...]`: plays every order path of test/history-scenarios.ts
// against a real Postgres, Temporal dev server and worker (as the tests do) and writes each
// workflow run's history to test/fixtures/histories/<scenario>.json (<scenario>.run<N>.json when
// an order has several runs). test/replay.test.ts replays them all against the current workflow
// code. Rerun after a workflow change ships (docs/WORKFLOW-CHANGES.md says when).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import globalSetup from '../test/global-setup';
import globalTeardown from '../test/global-teardown';
import { startTestSystem } from '../test/harness';
import { NotSupportedYet, prepareWorld, SCENARIOS, type HistoryScenario, type ScenarioWorld } from '../test/history-scenarios';

const FIXTURES_DIR = path.resolve(__dirname, '..', 'test', 'fixtures', 'histories');
const SCENARIO_TIMEOUT_MS = 60_000;

async function main() {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !SCENARIOS.some((s) => s.name === w));
  if (unknown.length) throw new Error(`no scenario named ${unknown.join(', ')}; there are ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const scenarios = wanted.length ? SCENARIOS.filter((s) => wanted.includes(s.name)) : SCENARIOS;

  process.env.TZ = 'UTC';
  await globalSetup();
  // The storefront's webhook endpoint, so delivered orders take the "sent" path.
  const receiver = http.createServer((req, res) => void req.resume().on('end', () => res.writeHead(204).end()));
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const sys = await startTestSystem({ webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks` });
  const world = await prepareWorld(sys);
  fs.mkdirSync(FIXTURES_DIR, { recursive: true });

  const outcome: { recorded: string[]; notYet: string[]; failed: string[] } = { recorded: [], notYet: [], failed: [] };
  try {
    for (const scenario of scenarios) {
      const started = Date.now();
      try {
        const files = await record(world, scenario);
        outcome.recorded.push(...files);
        console.log(`[record-histories] ${scenario.name}: ${files.join(', ')} (${Date.now() - started} ms)`);
      } catch (err) {
        if (err instanceof NotSupportedYet) {
          outcome.notYet.push(`${scenario.name} (${err.message})`);
          console.log(`[record-histories] ${scenario.name}: not recorded, today's code refuses it: ${err.message}`);
        } else {
          outcome.failed.push(`${scenario.name}: ${(err as Error).message}`);
          console.error(`[record-histories] ${scenario.name}: FAILED: ${(err as Error).stack}`);
        }
      }
    }
  } finally {
    await sys.stop();
    await world.supplier.stop();
    await new Promise((r) => receiver.close(r));
    await globalTeardown();
  }
  console.log(`[record-histories] ${outcome.recorded.length} fixtures written to ${path.relative(process.cwd(), FIXTURES_DIR)}`);
  if (outcome.notYet.length) console.log(`[record-histories] not supported yet: ${outcome.notYet.join('; ')}`);
  if (outcome.failed.length) {
    console.error(`[record-histories] failed: ${outcome.failed.join('; ')}`);
    process.exitCode = 1;
  }
}

async function record(world: ScenarioWorld, scenario: HistoryScenario): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`did not end within ${SCENARIO_TIMEOUT_MS} ms`)), SCENARIO_TIMEOUT_MS)));
  const orderId = await Promise.race([scenario.run(world), timeout]).finally(() => clearTimeout(timer));

  const runs = await workflowRuns(world, orderId);
  const secrets = await codesOf(world, orderId);
  for (const old of fs.readdirSync(FIXTURES_DIR).filter((f) => f === `${scenario.name}.json` || f.startsWith(`${scenario.name}.run`))) {
    fs.rmSync(path.join(FIXTURES_DIR, old));
  }
  const files: string[] = [];
  for (const [i, runId] of runs.entries()) {
    const history = await world.sys.client.workflow.getHandle(orderId, runId).fetchHistory();
    // Codes never travel through Temporal (docs/ARCHITECTURE.md, invariant 5); a fixture is committed, so check once more.
    const text = readable(history);
    const leaked = secrets.filter((s) => text.includes(s));
    if (leaked.length) throw new Error(`the history of ${orderId} holds ${leaked.length} code value(s): not written`);
    const file = runs.length === 1 ? `${scenario.name}.json` : `${scenario.name}.run${i + 1}.json`;
    const fixture = { scenario: scenario.name, path: scenario.path, workflowId: orderId, run: i + 1, runs: runs.length, history: JSON.parse(historyToJSON(history)) };
    fs.writeFileSync(path.join(FIXTURES_DIR, file), `${JSON.stringify(fixture, null, 1)}\n`);
    files.push(file);
  }
  return files;
}

/** The order's workflow runs, oldest first, once visibility lists the latest one. */
async function workflowRuns(world: ScenarioWorld, orderId: string): Promise<string[]> {
  const latest = (await world.sys.client.workflow.getHandle(orderId).describe()).runId;
  for (let tries = 0; ; tries++) {
    const runs: { runId: string; start: number }[] = [];
    for await (const w of world.sys.client.workflow.list({ query: `WorkflowId = "${orderId}"` })) runs.push({ runId: w.runId, start: w.startTime.getTime() });
    if (runs.some((r) => r.runId === latest)) return runs.sort((a, b) => a.start - b.start).map((r) => r.runId);
    if (tries > 50) throw new Error(`visibility does not list run ${latest} of ${orderId}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every code number and PIN the order holds, as the storefront API shows them. */
async function codesOf(world: ScenarioWorld, orderId: string): Promise<string[]> {
  const order = (await world.sys.api('GET', `/v1/orders/${orderId}`)).body;
  return (order.items ?? []).flatMap((item: { units: { code: { number?: string; pin?: string } | null }[] }) =>
    item.units.flatMap((u) => [u.code?.number, u.code?.pin].filter((v) => typeof v === 'string' && v.length >= 4)),
  );
}

/** Every payload of a history as text (payloads travel as bytes). */
function readable(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (Array.isArray(value)) return value.map(readable).join('\n');
  if (value && typeof value === 'object') return Object.values(value).map(readable).join('\n');
  return String(value);
}

main().catch((err) => {
  console.error(`[record-histories] ${(err as Error).stack}`);
  process.exit(1);
});
