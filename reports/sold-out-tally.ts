import type { Knex } from 'knex';
import { writeSoldOut, type SoldOutAnswer } from './rollup';

// Sold-out answers are not orders: nothing is written for them, and in a flash sale they are most
// of the answers. The reports still show them per hour and channel, so each API process adds
// them up here and writes the sums at most once a second, in one statement, after the answer has
// gone (the buyer never waits for it). What this costs: a process that crashes loses up to a
// second of sold-out counts (never an order, a code or money), and a count lands in the hour
// its second began.

const FLUSH_EVERY_MS = 1000;

interface Pending {
  db: Knex;
  sums: Map<string, SoldOutAnswer & { at: string; answers: number }>;
  timer?: NodeJS.Timeout;
  writing?: Promise<void>;
}
const pendingByDb = new Map<Knex, Pending>();

/** Counts one sold-out answer, to be written within a second. */
export function tallySoldOut(db: Knex, answer: SoldOutAnswer): void {
  let pending = pendingByDb.get(db);
  if (!pending) pendingByDb.set(db, (pending = { db, sums: new Map() }));
  const second = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  const key = [answer.merchantId, answer.storefrontId, answer.channel ?? '', answer.campaign ?? '', second].join('\u0000');
  const sum = pending.sums.get(key);
  if (sum) {
    sum.answers += 1;
    sum.units += answer.units;
  } else pending.sums.set(key, { ...answer, at: second, answers: 1 });
  if (!pending.timer) {
    const p = pending;
    p.timer = setTimeout(() => void flushSoldOut(p.db), FLUSH_EVERY_MS);
    p.timer.unref();
  }
}

/** Writes what has been counted so far (the timer does this; tests and shutdown may too). */
export async function flushSoldOut(db: Knex): Promise<void> {
  const pending = pendingByDb.get(db);
  if (!pending) return;
  clearTimeout(pending.timer);
  pending.timer = undefined;
  await pending.writing;
  const sums = [...pending.sums.values()];
  pending.sums.clear();
  pending.writing = writeSoldOut(db, sums).catch(() => {
    // The database is away: these counts are lost (see above); orders are unaffected.
  });
  await pending.writing;
}
