import { supplierMetrics } from '../lib/metrics';
import { inSpan } from '../lib/tracing';
import { SupplierRefused, SupplierUnavailable, type SupplierAdapter } from './adapter';

// Every call to a supplier API goes through an adapter from the registry, so they are counted
// here, once, whatever the protocol: by supplier, operation and outcome, with latency, and
// traced as a span of the activity that made them; and each failed one is told to `onFailure`.

export type Operation = 'quote' | 'purchase' | 'getPurchase' | 'validateAccount' | 'balance' | 'statement' | 'catalogue';
export const OPERATIONS: Operation[] = ['quote', 'purchase', 'getPurchase', 'validateAccount', 'balance', 'statement', 'catalogue'];

/** ok: an answer; refused: the supplier said no (nothing charged); unavailable: no usable answer. */
export function callOutcome(err: unknown): 'refused' | 'unavailable' | 'error' {
  if (err instanceof SupplierRefused) return 'refused';
  if (err instanceof SupplierUnavailable) return 'unavailable';
  return 'error';
}

/** `onFailure` hears every failed call (the registry records it for the console); it must not throw. */
export function meteredAdapter(supplier: string, adapter: SupplierAdapter, onFailure?: (operation: Operation, err: unknown) => Promise<void>): SupplierAdapter {
  const metered: SupplierAdapter = { ...adapter, readCallback: adapter.readCallback.bind(adapter) };
  for (const operation of OPERATIONS) {
    // Optional operations a protocol does not offer stay absent, so callers can still tell.
    if (typeof adapter[operation] !== 'function') continue;
    const call = (adapter[operation] as (...args: unknown[]) => Promise<unknown>).bind(adapter);
    (metered[operation] as (...args: unknown[]) => Promise<unknown>) = async (...args: unknown[]) => {
      const timer = supplierMetrics.seconds.startTimer({ supplier, operation });
      try {
        const answer = await inSpan(`supplier ${operation}`, { 'cardflow.supplier': supplier }, () => call(...args));
        supplierMetrics.calls.inc({ supplier, operation, outcome: 'ok' });
        return answer;
      } catch (err) {
        supplierMetrics.calls.inc({ supplier, operation, outcome: callOutcome(err) });
        await onFailure?.(operation, err);
        throw err;
      } finally {
        timer();
      }
    };
  }
  return metered;
}
