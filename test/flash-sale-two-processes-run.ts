import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { runFlashSale } from '../bench/flash-sale/run';

// Run by test/flash-sale-two-processes.test.ts in a process of its own (as test/flash-sale-run.ts):
// a small flash sale on the production topology, two api and two worker processes against one
// Postgres and one Temporal, with one api killed -9 in the middle. Besides the report it notes
// which api answered each checkout and which worker processes completed the workflows' tasks.
// Writes the result as JSON to the file named by its one argument.

Runtime.install({ logger: new DefaultLogger('ERROR') });

async function main() {
  let topology: { answeredBy: Record<string, number>; workerIdentities: string[]; workerPids: number[] } | undefined;
  const report = await runFlashSale({
    orders: 150,
    codes: 50,
    concurrency: 8,
    drill: 'api-kill-one-of-two',
    drillAt: 0.3,
    ceilings: false,
    warmUpOrders: 10,
    drainTimeoutMs: 240_000,
    log: (line) => console.error(`[two-processes] ${line}`),
    afterCheck: async ({ checkouts, temporalAddress, pids }) => {
      const answeredBy: Record<string, number> = {};
      for (const c of checkouts) answeredBy[c.apiUrl] = (answeredBy[c.apiUrl] ?? 0) + 1;
      // Who completed the workflow tasks of the accepted orders (identity is pid@host by default).
      const connection = await Connection.connect({ address: temporalAddress });
      const identities = new Set<string>();
      try {
        const client = new Client({ connection });
        for (const c of checkouts.filter((c) => c.orderId)) {
          const history = await client.workflow.getHandle(c.orderId!).fetchHistory();
          for (const e of history.events ?? []) {
            const identity = e.workflowTaskCompletedEventAttributes?.identity;
            if (identity) identities.add(identity);
          }
        }
      } finally {
        await connection.close();
      }
      topology = { answeredBy, workerIdentities: [...identities], workerPids: pids.worker };
    },
  });
  fs.writeFileSync(process.argv[2], JSON.stringify({ report, topology }));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
