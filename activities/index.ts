import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db';
import type { CodeVault } from '../lib/code-vault';
import { allocateCodes, OrderNotAllocatable, StockShortfall } from '../stock/allocate-codes';
import { cancelOrder, failOrder, OrderNotCancellable } from './close-order';
import { deliverOrder } from './deliver-order';
import { notifyStorefront, recordWebhookGaveUp } from './notify-storefront';
import { createRiskActivities } from './risk';
import { settleOrder } from './settle-order';

// Every activity of the order workflow, built once by the worker with its dependencies.
// Business failures become non-retryable ApplicationFailures named for a support person;
// anything else (a dropped connection, a deadlock) is thrown as is and retried.

export interface ActivityDeps {
  db: Db;
  vault: CodeVault;
}

const BUSINESS_FAILURES = [StockShortfall, OrderNotAllocatable, OrderNotCancellable];

async function asBusinessFailure<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const known = BUSINESS_FAILURES.find((cls) => err instanceof cls);
    if (known) throw ApplicationFailure.nonRetryable((err as Error).message, known.name);
    throw err;
  }
}

export function createActivities({ db, vault }: ActivityDeps) {
  return {
    ...createRiskActivities({ db }),
    allocateCodes: (orderId: string) => asBusinessFailure(() => allocateCodes(db, orderId)),
    deliverOrder: (orderId: string) => deliverOrder(db, orderId),
    settleOrder: (orderId: string) => settleOrder(db, orderId),
    cancelOrder: (orderId: string, reason: string) => asBusinessFailure(() => cancelOrder(db, orderId, reason)),
    failOrder: (orderId: string, reason: string) => asBusinessFailure(() => failOrder(db, orderId, reason)),
    notifyStorefront: (orderId: string, eventType: 'order.delivered') => notifyStorefront(db, vault, orderId, eventType),
    recordWebhookGaveUp: (orderId: string, eventType: string) => recordWebhookGaveUp(db, orderId, eventType),
  };
}

export type Activities = ReturnType<typeof createActivities>;
