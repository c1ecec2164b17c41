// How long a storefront webhook is retried, for every event (delivered, refunded): a receiver
// that is down must not hold up or fail the order, whose state the storefront can always fetch.
// About five hours of tries with backoff, then the give-up is recorded.
export const WEBHOOK_RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10m', maximumAttempts: 40 };
export const WEBHOOK_TIMEOUT = '30s';
