import { generateDataset } from '../risk/eval/generate';
import { measure } from '../risk/eval/metrics';
import type { Judged } from '../risk/eval/replay';
import { openEvaluationShop, playThroughApi } from '../risk/eval/through-api';
import { startTestSystem, type TestSystem } from './harness';

// The issue-19 bar, through the real storefront API at concurrency, on a fresh shop with the
// default rules and no history (the model on its cold-start priors): every burst of the data
// set accepted and judged side by side. Seed 9157 is held out: the rules and the priors were
// never looked at on it (docs/RISK.md, "Tuning disclosure").

const HELD_OUT_SEED = 9157;

describe('the data set through the API at concurrency, on a cold shop with the default rules', () => {
  let sys: TestSystem;
  let judged: Judged[];
  beforeAll(async () => {
    sys = await startTestSystem();
    const dataset = generateDataset({ seed: HELD_OUT_SEED, buyers: 800, historyDays: 14, evaluationDays: 3 });
    const shop = await openEvaluationShop(sys.db, sys.vault, dataset);
    judged = await playThroughApi(sys.db, sys.baseUrl, shop, dataset, { concurrency: 50 });
  }, 600_000);
  afterAll(() => sys.stop());

  const rate = (label: string) => {
    const orders = judged.filter((j) => j.label === label);
    return { orders: orders.length, flagged: orders.filter((j) => j.decision !== 'allow').length / orders.length };
  };

  test.each([
    ['card_testing', 0.8],
    ['reseller_bot', 0.8],
    ['account_takeover', 0.8],
    ['account_farm', 0.9],
  ])('when %s orders arrive, then at least %p of them are held or rejected', (label, atLeast) => {
    const r = rate(label);
    console.log(`${label}: ${(r.flagged * 100).toFixed(1)}% of ${r.orders} held or rejected`);
    expect(r.orders).toBeGreaterThan(5);
    expect(r.flagged).toBeGreaterThanOrEqual(atLeast);
  });

  test('when ordinary buyers order beside the attacks, then at most 1% of their orders are held or rejected', () => {
    const m = measure(judged);
    console.log(`ordinary: ${m.normal.held} held, ${m.normal.rejected} rejected of ${m.normal.orders}`);
    expect(m.normal.orders).toBeGreaterThan(250);
    expect(m.normal.flaggedRate).toBeLessThanOrEqual(0.01);
  });
});
