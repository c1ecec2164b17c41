import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../db';
import type { CodeVault } from '../lib/code-vault';
import type { OutboundHttp } from '../lib/outbound-http';
import { AppError, InvariantBroken } from '../lib/errors';
import { handOverToManual, leaveNeedsAttention, markNeedsAttention, refundNeedingAttention } from '../orders/needs-attention';
import type { AttentionProblem, AttentionResolution } from '../workflows/messages';
import { orderSearchFacts } from '../orders/search-facts';
import { allocateCodes, OrderNotAllocatable, StockShortfall } from '../stock/allocate-codes';
import { cancelOrder, failOrder, OrderNotCancellable } from '../orders/close-order';
import { storedReason } from '../orders/reasons';
import { deliverOrder } from '../orders/deliver-order';
import { notifyRefund, notifyStorefront, recordWebhookGaveUp } from '../orders/notify-storefront';
import { createRiskActivities } from './risk';
import { settleOrder } from '../orders/settle-order';
import { planFulfilment } from '../orders/plan-fulfilment';
import { escalateManualTask, expireManualTask, manualTaskStatus, openManualTask } from '../orders/manual-fulfilment';
import type { SupplierRegistry } from '../suppliers/registry';
import type { SupplierRateLimits } from '../suppliers/rate-limit';
import { checkPurchase, flagSlowPurchase, NoSupplierAvailableNow, PurchaseOutcomeUnknown, purchaseUnit, PurchaseWait } from '../suppliers/purchase-unit';
import { settleUnitPurchase } from '../suppliers/settle-unit-purchase';
import { sendDujiaoCallback } from '../interop/dujiao-next/callbacks';
import { dueReconciliations, reconcileSupplier, type RunRequest } from '../reconciliation/run';
import type { Mailer } from '../mail/mailer';
import type { SmsSender } from '../mail/sms';
import { allocateBulkPage, beginBulkOrder, buyBulkPage, finishBulkOrder } from '../orders/bulk/fulfil-pages';
import { writeBulkFile } from '../orders/bulk/bulk-file';
import { GiftOrderNotDelivered, giftSchedule, recordGiftNotSent, sendGift, tellSenderGiftOpened } from '../orders/gifts';

// Every activity of the order workflow, built once by the worker with its dependencies.
// Business failures become non-retryable ApplicationFailures named for a support person; a
// broken invariant one of type InvariantBroken carrying its message code and params (the
// workflow stops the order for a person); anything else (a dropped connection, a deadlock) is
// thrown as is and retried within the step's budget.

export interface ActivityDeps {
  db: Db;
  vault: CodeVault;
  registry: SupplierRegistry;
  rateLimits: SupplierRateLimits;
  /** The guarded client webhooks are sent with. */
  outbound: OutboundHttp;
  /** Where suppliers send callbacks (the api's public base URL); unset = poll only. */
  callbackBaseUrl?: string;
  /** Gifts' emails (SMTP_URL); unset, an emailed gift is recorded as not sent. */
  mailer?: Mailer;
  /** Gifts to a phone; unset, such a gift is recorded as not sent. */
  sms?: SmsSender;
  /** Where buyers open their delivery pages (PUBLIC_URL): gifts' links start with it. */
  publicBaseUrl?: string;
}

const BUSINESS_FAILURES = [StockShortfall, OrderNotAllocatable, OrderNotCancellable];

// Expected, temporary conditions: retried with backoff, named so the history says what it was.
const WAIT_AND_RETRY = [PurchaseOutcomeUnknown, NoSupplierAvailableNow, GiftOrderNotDelivered];

async function asBusinessFailure<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof InvariantBroken) {
      throw ApplicationFailure.create({ type: 'InvariantBroken', message: err.message, nonRetryable: true, details: [{ code: err.code, params: err.params }] });
    }
    // A support action the data refuses (say, a refund before settlement): asking again will not help.
    if (err instanceof AppError) {
      throw ApplicationFailure.create({ type: 'ActionRefused', message: err.message, nonRetryable: true, details: [{ code: err.code, params: {} }] });
    }
    const known = BUSINESS_FAILURES.find((cls) => err instanceof cls);
    if (known) throw ApplicationFailure.nonRetryable((err as Error).message, known.name);
    const waiting = WAIT_AND_RETRY.find((cls) => err instanceof cls);
    // A purchase's wait says why for a person too: the order's reason, should the waiting run out (workflows/purchasing.ts).
    if (waiting)
      throw ApplicationFailure.create({ type: waiting.name, message: (err as Error).message, details: err instanceof PurchaseWait ? [{ reason: err.coded }] : undefined });
    throw err;
  }
}

export function createActivities({ db, vault, registry, rateLimits, outbound, callbackBaseUrl, mailer, sms, publicBaseUrl }: ActivityDeps) {
  const purchases = { db, vault, registry, rateLimits, callbackBaseUrl };
  const giftSenders = { mailer, sms, publicBaseUrl: publicBaseUrl ?? callbackBaseUrl ?? '' };
  return {
    ...createRiskActivities({ db }),
    allocateCodes: (orderId: string) => asBusinessFailure(() => allocateCodes(db, orderId)),
    planFulfilment: (orderId: string, opts?: { tags?: boolean }) => asBusinessFailure(() => planFulfilment(db, orderId, opts)),
    purchaseUnit: (unitId: string) => asBusinessFailure(() => purchaseUnit(purchases, unitId)),
    checkPurchase: (purchaseId: string) => asBusinessFailure(() => checkPurchase(purchases, purchaseId)),
    flagSlowPurchase: (purchaseId: string) => flagSlowPurchase(db, purchaseId),
    settleUnitPurchase: (unitId: string) => asBusinessFailure(() => settleUnitPurchase(purchases, unitId)),
    openManualTask: (orderId: string) => asBusinessFailure(() => openManualTask(db, orderId)),
    manualTaskStatus: (orderId: string) => manualTaskStatus(db, orderId),
    escalateManualTask: (orderId: string) => escalateManualTask(db, orderId),
    expireManualTask: (orderId: string) => expireManualTask(db, orderId),
    deliverOrder: (orderId: string, opts?: { queueWebhook?: boolean }) => asBusinessFailure(() => deliverOrder(db, orderId, opts)),
    settleOrder: (orderId: string) => asBusinessFailure(() => settleOrder(db, orderId)),
    cancelOrder: (orderId: string, reason: string) => asBusinessFailure(() => cancelOrder(db, orderId, reason)),
    // The workflow's reason, as a code where it would be the purchase step's own failure text (orders/reasons.ts).
    failOrder: (orderId: string, reason: string) => asBusinessFailure(() => failOrder(db, orderId, storedReason(reason))),
    notifyStorefront: (orderId: string, eventType: 'order.delivered') => notifyStorefront(db, vault, outbound, orderId, eventType),
    notifyRefund: (refundId: string) => notifyRefund(db, vault, outbound, refundId),
    sendDujiaoCallback: (dujiaoOrderId: string) => sendDujiaoCallback({ db, vault, outbound }, dujiaoOrderId),
    recordWebhookGaveUp: (orderId: string, eventType: string) => recordWebhookGaveUp(db, orderId, eventType),
    orderSearchFacts: (orderId: string) => orderSearchFacts(db, orderId),
    markNeedsAttention: (orderId: string, problem: AttentionProblem) => markNeedsAttention(db, orderId, problem),
    leaveNeedsAttention: (orderId: string, resolution: AttentionResolution) => leaveNeedsAttention(db, orderId, resolution),
    handOverToManual: (orderId: string) => asBusinessFailure(() => handOverToManual(db, orderId)),
    refundNeedingAttention: (orderId: string, resolution: AttentionResolution) => asBusinessFailure(() => refundNeedingAttention(db, orderId, resolution)),
    dueReconciliations: () => dueReconciliations({ db, registry }),
    reconcileSupplier: (req: RunRequest) => asBusinessFailure(() => reconcileSupplier({ db, registry }, req)),
    giftSchedule: (giftId: string) => asBusinessFailure(() => giftSchedule(db, giftId)),
    sendGift: (giftId: string) => asBusinessFailure(() => sendGift(db, vault, giftSenders, giftId)),
    recordGiftNotSent: (giftId: string) => recordGiftNotSent(db, giftId),
    tellSenderGiftOpened: (giftId: string) => asBusinessFailure(() => tellSenderGiftOpened(db, mailer, giftId)),
    beginBulkOrder: (orderId: string) => asBusinessFailure(() => beginBulkOrder(db, orderId)),
    allocateBulkPage: (orderId: string, page: number) => asBusinessFailure(() => allocateBulkPage(db, orderId, page)),
    // A page of purchases takes a while: it heartbeats so a lost worker is noticed in seconds.
    buyBulkPage: (orderId: string, page: number) => asBusinessFailure(() => buyBulkPage(purchases, orderId, page, () => Context.current().heartbeat())),
    finishBulkOrder: (orderId: string) => asBusinessFailure(() => finishBulkOrder(db, orderId)),
    writeBulkFile: (orderId: string) => asBusinessFailure(() => writeBulkFile(db, vault, orderId)),
  };
}

export type Activities = ReturnType<typeof createActivities>;
