import { useSyncExternalStore } from 'react';

// Whether the console can reach its API right now, from the requests it makes anyway: a request
// that finds no server marks it down, one that takes longer than SLOW_MS marks it slow, and the
// next answer in time marks it well again. The banner (layout/ApiStatusBanner.tsx) shows it, so
// cached lists are never taken for current ones while the server is away.

export type ApiHealth = 'ok' | 'slow' | 'down';

/** A request taking longer than this makes the console say the server is slow. */
export const SLOW_MS = 5000;

let health: ApiHealth = 'ok';
const listeners = new Set<() => void>();

function set(next: ApiHealth) {
  if (next === health) return;
  health = next;
  for (const listener of listeners) listener();
}

/** What one request found: reached the server (and how long it took), or not. */
export function reportApiHealth(seen: { reached: boolean; tookMs?: number }) {
  if (!seen.reached) set('down');
  else set(seen.tookMs !== undefined && seen.tookMs > SLOW_MS ? 'slow' : 'ok');
}

/** Called while a request is still unanswered after SLOW_MS. */
export function reportStillWaiting() {
  if (health === 'ok') set('slow');
}

export function useApiHealth(): ApiHealth {
  return useSyncExternalStore(
    (listener) => (listeners.add(listener), () => listeners.delete(listener)),
    () => health,
  );
}
