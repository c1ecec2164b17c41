// The order's states, and which support actions each allows: decided here and nowhere else.
// The workflow's cancel validator, the admin API, the console's buttons, close, refund and retry
// all ask this module. Pure and deterministic (no node imports): the workflow bundle imports it,
// and so does the console.

/** Every status an order can be in, listed once (the database CHECK holds the same set). */
export const ORDER_STATUSES = ['accepted', 'held', 'processing', 'needs_attention', 'delivered', 'failed', 'cancelled', 'refunded'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** The support actions on an order, as the admin API names its routes and the console its buttons. */
export const ORDER_ACTIONS = ['fulfil', 'retry', 'resend', 'cancel', 'refund', 'approve', 'reject'] as const;
export type OrderAction = (typeof ORDER_ACTIONS)[number];

/** What the decision needs to know about an order beyond its status. */
export interface OrderFacts {
  status: OrderStatus;
  /** Its storefront has a webhook URL. */
  hasWebhookEndpoint: boolean;
  /** Its settlement is recorded (a delivered order is refunded only once it is). */
  settled: boolean;
  /** Units not refunded yet. */
  unrefundedUnits: number;
  /** Its risk review: none (the check did not hold it), open, or closed (decided or expired). */
  review: 'none' | 'open' | 'closed';
  /** A person is asked to fulfil it by hand (its manual task is open or escalated). */
  manualTaskOpen: boolean;
}

/** Why an action is not allowed: a code for the console and the API, and English as fallback. */
export interface Refusal {
  code: string;
  message: string;
}

// Staff and storefronts cancel an order only before its goods are being taken: while the risk
// check runs or a reviewer decides. After that the order is failed, delivered or refunded instead.
const CANCELLABLE: readonly OrderStatus[] = ['accepted', 'held'];
// The workflow itself closes an order (failed, cancelled at a deadline) while it still runs.
const CLOSABLE: readonly OrderStatus[] = ['accepted', 'held', 'processing', 'needs_attention'];

// On its way to delivery with nobody to wait for: a storefront that asked to wait for the codes
// (Prefer: wait) waits while the order is in one of these, and is answered at once otherwise.
const ON_ITS_WAY: readonly OrderStatus[] = ['accepted', 'processing'];

/** Whether an order in this status may still be delivered without anyone acting on it (Prefer: wait waits for it). */
export function onItsWay(status: string): boolean {
  return (ON_ITS_WAY as readonly string[]).includes(status);
}

/** Whether staff or the storefront may cancel an order in this status (the workflow's validator asks this too). */
export function mayCancel(status: string): boolean {
  return (CANCELLABLE as readonly string[]).includes(status);
}

/** Whether the workflow may end an order in this status as failed or cancelled. */
export function mayClose(status: string): boolean {
  return (CLOSABLE as readonly string[]).includes(status);
}

/** Whether `action` is allowed now; undefined = allowed, else why not. */
export function refusal(action: OrderAction, f: OrderFacts): Refusal | undefined {
  const s = f.status;
  switch (action) {
    case 'cancel':
      return mayCancel(s) ? undefined : { code: 'not_cancellable', message: `The order is ${s}; only an order still in its risk check or review can be cancelled` };
    case 'retry':
      return s === 'failed' || s === 'needs_attention'
        ? undefined
        : { code: 'not_retryable', message: `The order is ${s}; only a failed order or one that needs attention can be retried` };
    case 'refund':
      if (s === 'refunded' || f.unrefundedUnits === 0) return { code: 'already_refunded', message: 'The order has already been refunded' };
      if (s === 'delivered' && !f.settled) return { code: 'refund_not_ready', message: 'The order is delivered and its settlement is being recorded; try again in a moment' };
      return s === 'delivered' || s === 'failed' || s === 'needs_attention'
        ? undefined
        : { code: 'not_refundable', message: `The order is ${s} and still being fulfilled; cancel it, or refund it once it is delivered or failed` };
    case 'resend':
      if (s !== 'delivered') return { code: 'not_resendable', message: `The order is ${s}; only a delivered order's webhook can be re-sent` };
      return f.hasWebhookEndpoint ? undefined : { code: 'no_webhook_endpoint', message: "The order's storefront has no webhook URL" };
    case 'approve':
    case 'reject':
      if (f.review === 'closed') return { code: 'review_closed', message: 'This review is already decided' };
      return s === 'held' && f.review === 'open' ? undefined : { code: 'not_held', message: 'The risk check did not hold this order for review' };
    case 'fulfil':
      // An order that needs attention may be finished by hand whatever stopped it.
      return (s === 'processing' && f.manualTaskOpen) || s === 'needs_attention'
        ? undefined
        : { code: 'not_awaiting_manual_fulfilment', message: `The order is ${s} and not waiting for manual fulfilment` };
  }
}

/** Every action, allowed or not, for an order with these facts. */
export function allowedActions(f: OrderFacts): Record<OrderAction, boolean> {
  return Object.fromEntries(ORDER_ACTIONS.map((a) => [a, refusal(a, f) === undefined])) as Record<OrderAction, boolean>;
}
