import type { Duration } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Activities } from '../activities';

// The Temporal worker for order workflows. Production loads a prebuilt workflow bundle
// (`npm run build`); without one the workflows are bundled at start-up.
export async function createOrderWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  workflowBundlePath?: string;
  /** How long in-flight activities may finish after shutdown begins before they are cancelled. */
  shutdownGraceTime?: Duration;
}): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    shutdownGraceTime: opts.shutdownGraceTime ?? '20s',
    ...(opts.workflowBundlePath
      ? { workflowBundle: { codePath: opts.workflowBundlePath } }
      : { workflowsPath: require.resolve('../workflows') }),
  });
}
