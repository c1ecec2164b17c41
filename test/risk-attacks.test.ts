import type { Db } from '../db';
import { generateDataset } from '../risk/eval/generate';
import { measure } from '../risk/eval/metrics';
import { replayDataset, type Judged } from '../risk/eval/replay';
import { createTestDatabase, newVault } from './harness';

// The scripted attacks of the synthetic data set, played through the real risk check on a real
// Postgres with the default rules and the anomaly model (retrained daily, as the Schedule
// does), beside two weeks of ordinary traffic. README states the rate of ordinary orders held.

const NORMAL_FLAGGED_AT_MOST = 0.02; // README: "Risk control"

describe('scripted attacks against the default rules and model', () => {
  let db: Db;
  let judged: Judged[];
  beforeAll(async () => {
    db = await createTestDatabase();
    const dataset = generateDataset({ seed: 42, buyers: 400, historyDays: 14, evaluationDays: 7 });
    judged = (await replayDataset(db, newVault(), dataset, [{ name: 'default', model: true }])).get('default')!;
  }, 180_000);
  afterAll(() => db.destroy());

  const of = (label: string) => judged.filter((j) => j.label === label);
  const stopped = (j: Judged) => j.decision !== 'allow';

  test('when a script tests stolen cards from one machine, then after the first few tries every order is held or rejected', () => {
    const orders = of('card_testing');
    expect(orders).toHaveLength(60);
    expect(orders.slice(2).every(stopped)).toBe(true); // a third card from one device is held
    expect(orders.filter((j) => j.decision === 'reject').length).toBeGreaterThan(30); // a flood is rejected, not left holding stock
  });

  test('when a farm of fresh accounts buys high-value cards, then most of them are held or rejected', () => {
    const orders = of('account_farm');
    expect(orders).toHaveLength(30);
    expect(orders.filter(stopped).length / orders.length).toBeGreaterThanOrEqual(0.8);
  });

  test('when a reseller bot buys in bursts, then after its first two orders every one is held or rejected', () => {
    const orders = of('reseller_bot');
    expect(orders).toHaveLength(80);
    expect(orders.slice(2).every(stopped)).toBe(true);
  });

  test('when taken-over accounts spend big from abroad on a new device, then most of those orders are held', () => {
    const orders = of('account_takeover');
    expect(orders.length).toBeGreaterThan(10);
    expect(orders.filter(stopped).length / orders.length).toBeGreaterThanOrEqual(0.6);
    expect(orders.filter(stopped).every((j) => j.reasons.some((r) => r.startsWith('unusual for this shop') || r.startsWith('account ')))).toBe(true);
  });

  test(`when ordinary buyers order, then at most ${NORMAL_FLAGGED_AT_MOST * 100}% of their orders are held or rejected`, () => {
    const m = measure(judged);
    expect(m.normal.orders).toBeGreaterThan(400);
    expect(m.normal.flaggedRate).toBeLessThanOrEqual(NORMAL_FLAGGED_AT_MOST);
    expect(m.truePositives).toBeGreaterThan(0); // the same run does flag orders
  });
});
