import crypto from 'node:crypto';
import { createMerchant, createSku } from '../db/seed';
import type { RiskAssessment } from '../risk/assess-order';
import { loadHistory } from '../risk/eval/replay';
import type { SyntheticOrder } from '../risk/eval/generate';
import { ensureRiskModelSchedule, riskScheduleId } from '../risk/schedule';
import { importCodes } from '../stock/import-codes';
import { startTestSystem, type TestSystem } from './harness';
import { placeOrder, useRules } from './risk-helpers';
import { found } from './found';

// The anomaly model learns from the merchant's own delivered orders, adds points to an order
// that stands out with a sentence saying why, and is retrained by a Temporal Schedule.

const DAY = 24 * 3600 * 1000;

describe('the anomaly model', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem();
    await sys.addSku('CARD', { codes: 40, price: 1000 });
    const sku = found(await sys.db('skus').where({ code: 'CARD' }).first(), 'SKU CARD');
    // Three weeks of history: 60 buyers ordering one or two cards, and one regular who always
    // buys one card from the same phone at home.
    const history: SyntheticOrder[] = [];
    for (let i = 0; i < 300; i++) {
      const buyer = i % 15 === 0 ? 'regular' : `buyer-${i % 60}`;
      history.push({
        ref: `history-${i}`,
        at: new Date(Date.now() - 21 * DAY + (i * (20 * DAY)) / 300).toISOString(),
        label: 'normal',
        items: [{ sku: 'CARD', quantity: buyer === 'regular' ? 1 : 1 + (i % 2) }],
        buyer: { accountId: `acct-${buyer}`, accountCreatedAt: '2025-01-01T00:00:00Z', deviceId: `dev-${buyer}`, ip: `100.64.${i % 60}.1`, ipCountry: 'CN' },
      });
    }
    await loadHistory(sys.db, { merchantId: sys.merchant.merchantId, storefrontId: sys.merchant.storefrontId, skuIds: new Map([['CARD', { id: sku.id, price: 1000 }]]) }, history);
    await useRules(sys, []);
  });
  afterAll(() => sys.stop());

  test('when the training activity runs, then every merchant with enough delivered history gets a model of it, and one without history does not', async () => {
    const newcomer = await createMerchant(sys.db, sys.vault, { name: 'Newcomer', ownerEmail: `new-${crypto.randomBytes(3).toString('hex')}@example.com` });
    expect(await sys.activities.trainRiskModels()).toEqual({ merchants: 2, trained: 1 });
    const model = found(await sys.db('risk_models').where({ merchant_id: sys.merchant.merchantId }).first(), 'the model');
    expect(model.order_count).toBe(300);
    expect(Math.exp(model.params.numeric.amount.median)).toBeCloseTo(1000, 0);
    expect(model.params.numeric.amount.tail).toHaveLength(Math.floor(Math.log2(300)));
    expect(model.params.numeric.accountAge.n).toBe(300);
    expect(model.params.hours.reduce((a: number, b: number) => a + b, 0)).toBe(300);
    expect(await sys.db('risk_models').where({ merchant_id: newcomer.merchantId })).toEqual([]);
  });

  test('when an established account suddenly orders many times its usual amount from a new device, then the model adds points and says why', async () => {
    const usual = await placeOrder(sys, { accountId: 'acct-regular', accountCreatedAt: '2025-01-01T00:00:00Z', deviceId: 'dev-regular', ipCountry: 'CN' });
    expect(usual.status).toBe('delivered');
    expect(usual.risk.model).toMatchObject({ points: 0, contributions: [] });

    const odd = await placeOrder(sys, { accountId: 'acct-regular', accountCreatedAt: '2025-01-01T00:00:00Z', deviceId: 'dev-somewhere-else', ipCountry: 'CN' }, [
      { sku: 'CARD', quantity: 14 },
    ]);
    const explanations = odd.risk.model.contributions.map((c: any) => c.explanation);
    expect(explanations.some((e: string) => /^amount is 14× this account's median over its last 20 orders \(rarer than 1 in \d+ of this shop's orders\)$/.test(e))).toBe(true);
    expect(explanations.some((e: string) => /^first order from this device for an account with 20 earlier orders/.test(e))).toBe(true);
    expect(odd.risk.model.points).toBe(40); // capped at settings.model.maxScore
    expect(odd.risk.score).toBe(40);
    expect(odd.status).toBe('delivered'); // the model alone stays under the review score
  });

  test('when the merchant turns the model off, then it adds nothing', async () => {
    await useRules(sys, [], { model: { enabled: false, maxScore: 40 } });
    const odd = await placeOrder(sys, { accountId: 'acct-regular', deviceId: 'dev-other-again', ipCountry: 'CN' }, [{ sku: 'CARD', quantity: 14 }]);
    expect(odd.risk).toMatchObject({ model: null, score: 0 });
    await useRules(sys, []);
  });

  test('when a worker ensures the training schedule, then it exists once with the configured interval, and a run trains the models', async () => {
    const scheduleId = await ensureRiskModelSchedule(sys.client, { taskQueue: sys.taskQueue, everyHours: 6 });
    expect(scheduleId).toBe(riskScheduleId(sys.taskQueue));
    const handle = sys.client.schedule.getHandle(scheduleId);
    try {
      // A second worker starting finds it and brings it up to date instead of failing.
      await ensureRiskModelSchedule(sys.client, { taskQueue: sys.taskQueue, everyHours: 12 });
      const described = await handle.describe();
      expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'trainRiskModels', taskQueue: sys.taskQueue });
      expect(described.spec.intervals).toEqual([expect.objectContaining({ every: 12 * 3600 * 1000 })]);

      const models = async () => Number((await sys.db('risk_models').where({ merchant_id: sys.merchant.merchantId }).count<{ c: number }[]>('* as c'))[0].c);
      const before = await models();
      await handle.trigger();
      const deadline = Date.now() + 30_000;
      while ((await models()) === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await models()).toBe(before + 1);
    } finally {
      await handle.delete();
    }
  });

  test('when a shop has no model of its own yet, then the model judges by the cold-start priors and says so; an ordinary order scores nothing', async () => {
    const cold = await createMerchant(sys.db, sys.vault, { name: 'Cold shop', ownerEmail: `cold-${crypto.randomBytes(3).toString('hex')}@example.com` });
    await createSku(sys.db, { merchantId: cold.merchantId, code: 'COLD', name: 'Cold card', faceValue: 1000, price: 1000, cost: 900 });
    await importCodes(sys.db, sys.vault, { merchantId: cold.merchantId, sku: 'COLD', content: 'COLD-CODE-1\nCOLD-CODE-2', format: 'txt', importedBy: 'test' });
    const placeCold = async (buyer: object) => {
      const placed = await sys.api('POST', '/v1/orders', {
        key: cold.apiKey,
        body: { externalRef: `cold-${crypto.randomBytes(4).toString('hex')}`, items: [{ sku: 'COLD', quantity: 1 }], buyer },
      });
      expect(placed.status).toBe(202);
      for (;;) {
        const risk = (await sys.db('orders').where({ id: placed.body.id }).first('risk'))?.risk as RiskAssessment | null | undefined;
        if (risk) return { risk };
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    expect(await sys.db('risk_models').where({ merchant_id: cold.merchantId })).toEqual([]);
    const fresh = await placeCold({ accountId: 'acct-fresh', accountCreatedAt: new Date(Date.now() - 10 * 60_000).toISOString() });
    expect(fresh.risk.model).toMatchObject({ id: null, priors: true });
    expect(fresh.risk.model?.points).toBeGreaterThan(0);
    expect(fresh.risk.model?.contributions.map((c) => c.explanation)).toEqual([
      expect.stringMatching(/^account is 10 min old; the median buyer's account is \d+ days old \(rarer than 1 in \d+ of ordinary orders in the cold-start priors\)$/),
    ]);
    const ordinary = await placeCold({ accountId: 'acct-ordinary', accountCreatedAt: '2025-01-01T00:00:00Z' });
    expect(ordinary.risk.model).toMatchObject({ priors: true, points: 0, contributions: [] });
  });
});
