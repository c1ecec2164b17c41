// How long a storefront webhook is retried, for every event (delivered, refunded): a receiver
// that is down must not hold up or fail the order, whose state the storefront can always fetch.
// About five hours of tries with backoff, then the give-up is recorded. The outbox notifier
// (worker/webhook-notifier.ts) keeps this schedule; workflows started before the outbox use it
// as their activity retry policy.
export const WEBHOOK_BACKOFF = { initialMs: 1000, coefficient: 2, maximumMs: 10 * 60_000, maximumAttempts: 40 };
export const WEBHOOK_RETRY = {
  initialInterval: WEBHOOK_BACKOFF.initialMs,
  backoffCoefficient: WEBHOOK_BACKOFF.coefficient,
  maximumInterval: WEBHOOK_BACKOFF.maximumMs,
  maximumAttempts: WEBHOOK_BACKOFF.maximumAttempts,
};
export const WEBHOOK_TIMEOUT = '30s';

/** How long to wait after the n-th failed try (1-based) before the next. */
export const webhookRetryDelayMs = (failedTries: number, backoff = WEBHOOK_BACKOFF) => Math.min(backoff.initialMs * backoff.coefficient ** (failedTries - 1), backoff.maximumMs);
