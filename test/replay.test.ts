import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type ReplayResult } from '@temporalio/worker';
import { SCENARIOS } from './history-scenarios';

// Orders live for days, so a workflow change meets histories written by the code before it.
// Every path's real history (recorded by `npm run record-histories`, see test/history-scenarios.ts)
// is replayed against the current workflow code: a change that would break a running order
// fails here, before it ships. docs/WORKFLOW-CHANGES.md says how to ship one that passes.

const FIXTURES = path.join(__dirname, 'fixtures', 'histories');
// Scenarios today's code cannot play yet (the recorder says why); they are recorded once it can.
const NOT_YET_RECORDED: string[] = [];

interface Fixture {
  scenario: string;
  workflowId: string;
  history: unknown;
}

// The current generation sits at the top; earlier generations, kept while orders they describe
// may still be running, in subfolders (docs/WORKFLOW-CHANGES.md).
const fixtures: (Fixture & { file: string })[] = (fs.readdirSync(FIXTURES, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, ...(JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8')) as Fixture) }));
const current = fixtures.filter((f) => !f.file.includes(path.sep));

try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // already installed in this process
}

const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: console.warn, error: console.error };

async function replayAll(workflowBundle: { code: string }): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  const histories = fixtures.map((f) => ({ workflowId: f.workflowId, history: f.history }));
  for await (const result of Worker.runReplayHistories({ workflowBundle, replayName: 'cardflow-replay-test' }, histories)) results.push(result);
  return results;
}

test('every scenario has a recorded history, and every history belongs to a scenario', () => {
  const recorded = new Set(current.map((f) => f.scenario));
  const names = SCENARIOS.map((s) => s.name);
  expect(names.filter((n) => !recorded.has(n))).toEqual(NOT_YET_RECORDED);
  expect([...recorded].filter((s) => !names.includes(s))).toEqual([]);
});

test('when every recorded history is replayed against the current workflow code, then none diverges', async () => {
  const bundlePath = process.env.CARDFLOW_TEST_WORKFLOW_BUNDLE!;
  const results = await replayAll({ code: fs.readFileSync(bundlePath, 'utf8') });
  expect(results).toHaveLength(fixtures.length);
  const failures = results.map((r, i) => (r.error ? `${fixtures[i].file}: ${r.error.name}: ${r.error.message}` : undefined)).filter(Boolean);
  expect(failures).toEqual([]);
});

test('positive control: when the workflow calls one extra activity before anything else, then the replay of every history fails as non-deterministic', async () => {
  const changed = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: quiet,
    webpackConfigHook: (config) => {
      // Every workflow type that has fixtures gets the same deliberate change.
      for (const [file, fn] of [
        ['fulfil-order', 'fulfilOrder'],
        ['notify-refund', 'notifyRefund'],
      ]) {
        config.module!.rules!.push({
          test: new RegExp(`${file}\\.ts$`),
          enforce: 'pre',
          use: [
            {
              loader: require.resolve('./replay-change-loader.js'),
              options: {
                prepend: "import { proxyActivities as replayControlActivities } from '@temporalio/workflow';",
                // The first thing the workflow does becomes an extra activity call (replay never runs it).
                after: `export async function ${fn}\\([^)]*\\)[^{]*\\{`,
                insert: "\n  await replayControlActivities<Record<string, (id: string) => Promise<unknown>>>({ startToCloseTimeout: '1m' }).planFulfilment('replay-control');",
              },
            },
          ],
        });
      }
      return config;
    },
  });
  const results = await replayAll(changed);
  expect(results).toHaveLength(fixtures.length);
  for (const [i, r] of results.entries()) {
    expect({ file: fixtures[i].file, error: r.error?.name, message: r.error?.message }).toEqual({
      file: fixtures[i].file,
      error: 'DeterminismViolationError',
      message: expect.stringMatching(/nondetermini/i),
    });
  }
}, 60_000);
