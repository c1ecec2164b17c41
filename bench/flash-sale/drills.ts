import type { Shop } from './shop';
import type { CardflowSystem } from './system';
import type { WebhookReceiver } from './webhook-receiver';

// Faults struck in the middle of a flash sale. Each strike returns when the broken part is back
// (its Date.now()), so the report can say how long after recovery the last order finished.

export interface DrillContext {
  system: CardflowSystem;
  shop: Shop;
  receiver: WebhookReceiver;
  log(line: string): void;
}

export interface Drill {
  describe: string;
  /** The drill needs the SKU to fall back to a supplier. */
  needsSupplier?: boolean;
  /** The drill needs this many api and worker processes (default one each). */
  processes?: { apis: number; workers: number };
  before?(ctx: DrillContext): Promise<void>;
  strike(ctx: DrillContext): Promise<number>;
  after?(ctx: DrillContext): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stamp = () => new Date().toISOString().slice(11, 23);

/** How long the webhook receiver stays down (the drill says minutes; tests may shorten it). */
export const webhookDown = { seconds: 180 };

export const DRILLS = {
  'worker-kill': {
    describe: 'kill -9 the worker mid-burst, start a new one 2 s later',
    async strike({ system, log }) {
      log(`${stamp()} kill -9 worker`);
      await system.kill('worker');
      await sleep(2000);
      await system.startWorker();
      log(`${stamp()} new worker polling`);
      return Date.now();
    },
  },
  'worker-kill-one-of-two': {
    describe: 'two workers; kill -9 one of them mid-burst (the other carries on), start it again 2 s later',
    processes: { apis: 2, workers: 2 },
    async strike({ system, log }) {
      log(`${stamp()} kill -9 worker #1 of 2`);
      await system.kill('worker', 1);
      await sleep(2000);
      await system.startWorker(1);
      log(`${stamp()} worker #1 polling again`);
      return Date.now();
    },
  },
  'api-kill-one-of-two': {
    describe: 'two apis behind the balancer; kill -9 one of them mid-burst (checkouts in flight lose their answer and are resubmitted), start it again 2 s later',
    processes: { apis: 2, workers: 2 },
    async strike({ system, log }) {
      log(`${stamp()} kill -9 api #1 of 2`);
      await system.kill('api', 1);
      await sleep(2000);
      await system.startApi(1);
      log(`${stamp()} api #1 answering again`);
      return Date.now();
    },
  },
  'temporal-restart': {
    describe: 'stop the Temporal dev server mid-burst and start it again on the same SQLite file',
    async strike({ system, log }) {
      log(`${stamp()} stopping Temporal`);
      await system.stopTemporal();
      await sleep(2000);
      await system.startTemporal();
      log(`${stamp()} Temporal back`);
      return Date.now();
    },
  },
  'postgres-restart': {
    describe: 'stop Postgres mid-burst (fast shutdown: open transactions roll back) and start it again',
    async strike({ system, log }) {
      log(`${stamp()} stopping Postgres`);
      await system.stopPostgres();
      log(`${stamp()} Postgres stopped`);
      await sleep(2000);
      await system.startPostgres();
      log(`${stamp()} Postgres back`);
      return Date.now();
    },
  },
  'supplier-faults': {
    describe: 'during the supplier burst the wholesaler times out, fails after charging, answers HTML 502s and sends every callback twice',
    needsSupplier: true,
    async strike({ shop, log }) {
      const product = shop.supplier!.product;
      // Timeouts longer than Cardflow's 2 s supplier timeout; the rest at once.
      for (const f of [
        { kind: 'timeout', ms: 3000, times: 20, product },
        { kind: 'error_after_commit', times: 40, product },
        { kind: 'html_502', times: 20, product },
        { kind: 'duplicate_callback', product },
      ]) {
        await shop.supplier!.control('POST', '/faults', f);
      }
      log(`${stamp()} supplier faults on: 20 timeouts, 40 errors after commit, 20 HTML 502s, every callback twice`);
      return Date.now();
    },
  },
  'webhook-down': {
    describe: 'the storefront webhook receiver refuses connections for minutes, then comes back',
    async strike({ receiver, log }) {
      await receiver.stop();
      log(`${stamp()} webhook receiver down for ${webhookDown.seconds} s`);
      await sleep(webhookDown.seconds * 1000);
      await receiver.start();
      log(`${stamp()} webhook receiver back`);
      return Date.now();
    },
  },
} satisfies Record<string, Drill>;

export type DrillName = keyof typeof DRILLS;
export const DRILL_NAMES = Object.keys(DRILLS) as DrillName[];
