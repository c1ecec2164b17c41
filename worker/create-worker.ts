import type { Duration } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Activities } from '../activities';
import { loadConfig } from '../lib/config';
import { requestIdActivityInterceptor } from './request-id';
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } from '@temporalio/interceptors-opentelemetry';
import { noWorkflowSpans, type WorkflowSpans } from '../lib/tracing';

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
  /**
   * When shutdown gives up on what is still running and stops anyway. A local activity retrying
   * against a database that is down would otherwise hold the worker open; what it did not
   * finish runs again on another worker (every step is idempotent).
   */
  shutdownForceTime?: Duration;
  tuning?: Partial<WorkerOptions>;
  /** Where workflow spans go (lib/tracing.ts); unset: nowhere. */
  workflowSpans?: WorkflowSpans;
}): Promise<Worker> {
  const traced = opts.workflowSpans !== undefined;
  const spans = opts.workflowSpans ?? noWorkflowSpans();
  const bundlePath = opts.workflowBundlePath && (traced ? tracedBundlePath(opts.workflowBundlePath) : opts.workflowBundlePath);
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    shutdownGraceTime: opts.shutdownGraceTime ?? '20s',
    shutdownForceTime: opts.shutdownForceTime ?? '25s',
    ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath: require.resolve('../workflows') }),
    // A prebuilt bundle has the workflow interceptors built in (workflowInterceptorModules).
    interceptors: {
      activity: [
        requestIdActivityInterceptor,
        (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }),
      ],
      workflowModules: workflowInterceptorModules({ traced }),
    },
    sinks: { exporter: makeWorkflowExporter(spans.spanProcessor, spans.resource) },
    ...(opts.tuning ?? {}),
  });
}

/**
 * Workflow interceptors: given to the bundler (scripts/bundle-workflows.ts, the tests' bundle) or
 * the worker. OpenTelemetry's only when tracing is on: it builds a tracer provider in every
 * workflow's sandbox and a span per step, which doubled the worker's CPU per order with nowhere
 * to send them (docs/BENCHMARKS.md). It adds no commands, so a workflow replays the same with or
 * without it.
 */
export function workflowInterceptorModules(opts: { traced: boolean }): string[] {
  const modules = [require.resolve('../workflows/interceptors')];
  if (opts.traced) modules.push(require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'));
  return modules;
}

/** The prebuilt bundle with tracing built in sits beside the plain one (`npm run build` writes both). */
export function tracedBundlePath(bundlePath: string): string {
  return bundlePath.replace(/(\.js)?$/, '.traced.js');
}

/** worker.run() after a shutdown that had to be forced: that is still a finished shutdown. */
export async function runUntilShutdown(worker: Worker): Promise<void> {
  try {
    await worker.run();
  } catch (err) {
    if ((err as Error).name !== 'GracefulShutdownPeriodExpiredError') throw err;
  }
}

/** The worker's concurrency settings from the environment (unset: the SDK's defaults). */
export function workerTuning(env: NodeJS.ProcessEnv = process.env): Partial<WorkerOptions> {
  const config = loadConfig(env, 'worker');
  const tuning: Partial<WorkerOptions> = {};
  if (config.WORKER_MAX_ACTIVITIES) tuning.maxConcurrentActivityTaskExecutions = config.WORKER_MAX_ACTIVITIES;
  if (config.WORKER_MAX_LOCAL_ACTIVITIES) tuning.maxConcurrentLocalActivityExecutions = config.WORKER_MAX_LOCAL_ACTIVITIES;
  if (config.WORKER_MAX_WORKFLOW_TASKS) tuning.maxConcurrentWorkflowTaskExecutions = config.WORKER_MAX_WORKFLOW_TASKS;
  if (config.WORKER_MAX_CACHED_WORKFLOWS !== undefined) tuning.maxCachedWorkflows = config.WORKER_MAX_CACHED_WORKFLOWS;
  return tuning;
}
