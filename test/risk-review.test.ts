import { found } from './found';
import { startTestSystem, type TestSystem } from './harness';
import { addAdmin, admin, placeOrder, useRules } from './risk-helpers';

// Held orders through the real workflow: a reviewer approves or rejects with a note, the
// deadline rejects on its own, the storefront can still cancel. Stock stays reserved while
// an order waits and goes back on rejection; every step is on the timeline and in the audit log.

const holdAbroad = { name: 'Hold orders paid with a foreign card', kind: 'country_mismatch', params: { between: ['ip', 'card'] }, action: 'review' };
const abroad = { ipCountry: 'US', cardCountry: 'CN', email: 'buyer@example.com' };

describe('the review queue', () => {
  let sys: TestSystem;
  const stock = async () => found(await sys.db('skus').where({ code: 'REVIEWED' }).first(), 'SKU REVIEWED').stock_available;
  const timeline = async (id: string) => (await sys.api('GET', `/v1/orders/${id}`)).body.timeline.map((e: any) => e.type);

  beforeAll(async () => {
    sys = await startTestSystem();
    await sys.addSku('REVIEWED', { codes: 20, price: 1000 });
    await useRules(sys, [holdAbroad]);
  });
  afterAll(() => sys.stop());

  test('when an order is held, then the storefront sees why, it waits in the queue with its stock reserved, and an approval delivers it', async () => {
    const before = await stock();
    const held = await placeOrder(sys, abroad, [{ sku: 'REVIEWED', quantity: 2 }]);
    expect(held.status).toBe('held');
    expect(held.risk).toMatchObject({ decision: 'review', reasons: ['IP country US differs from card country CN'], reviewDeadline: expect.any(String) });
    expect(held.timeline.find((e: any) => e.type === 'risk_checked')).toMatchObject({ decision: 'review', reasons: ['IP country US differs from card country CN'] });
    expect(await stock()).toBe(before - 2);
    expect((await sys.api('GET', `/v1/orders/${held.id}?live=true`)).body.workflow).toMatchObject({ step: 'risk_review', status: 'held' });

    const queue = await admin(sys, 'GET', `/admin/risk/reviews?filter=${encodeURIComponent('{"status":"open"}')}`);
    expect(queue.status).toBe(200);
    expect(queue.headers.get('content-range')).toBe('reviews 0-0/1');
    expect(queue.body[0]).toMatchObject({ id: held.id, status: 'open', orderStatus: 'held', reasons: ['IP country US differs from card country CN'], totalAmount: 2000 });

    const { token, email, userId } = await addAdmin(sys, 'support');
    const decided = await admin(sys, 'POST', `/admin/risk/reviews/${held.id}/decision`, { decision: 'approve', note: 'buyer is travelling; called them' }, token);
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: 'approved', decidedBy: email, note: 'buyer is travelling; called them' });
    expect(['processing', 'delivered']).toContain(decided.body.orderStatus);

    const order = await sys.waitForOrder(held.id, ['delivered']);
    await sys.finished(held.id);
    expect(order.items[0].units.every((u: any) => u.code?.number)).toBe(true);
    expect(order.risk.review).toMatchObject({ status: 'approved', by: 'reviewer' });
    expect(order.timeline.find((e: any) => e.type === 'risk_reviewed')).toMatchObject({
      decision: 'approve',
      by: 'reviewer',
      reviewerId: userId,
      note: 'buyer is travelling; called them',
    });
    expect(await timeline(held.id)).toEqual(['accepted', 'risk_checked', 'risk_reviewed', 'codes_allocated', 'delivered', 'settled']);
    expect(await stock()).toBe(before - 2);
    const audit = await sys.db('audit_log').where({ target: `order:${held.id}` });
    expect(audit).toEqual([
      expect.objectContaining({ actor: `user:${email}`, action: 'risk.review.approved', detail: expect.objectContaining({ note: 'buyer is travelling; called them' }) }),
    ]);
    expect((await admin(sys, 'GET', `/admin/risk/reviews?filter=${encodeURIComponent('{"status":"open"}')}`)).body).toEqual([]);
  });

  test('when a reviewer rejects a held order, then it is cancelled with the note and its stock goes back', async () => {
    const before = await stock();
    const held = await placeOrder(sys, abroad, [{ sku: 'REVIEWED', quantity: 3 }]);
    expect(await stock()).toBe(before - 3);
    const res = await admin(sys, 'POST', `/admin/risk/reviews/${held.id}/decision`, { decision: 'reject', note: 'card reported stolen' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'rejected', orderStatus: 'cancelled' });
    await sys.finished(held.id);

    const order = (await sys.api('GET', `/v1/orders/${held.id}`)).body;
    expect(order).toMatchObject({ status: 'cancelled', reason: 'risk_review_rejected: card reported stolen' });
    expect(order.items[0].units.every((u: any) => u.status === 'released' && u.code === null)).toBe(true);
    expect(await stock()).toBe(before);
    expect(await timeline(held.id)).toEqual(['accepted', 'risk_checked', 'risk_reviewed', 'cancelled']);
    expect(
      await sys
        .db('audit_log')
        .where({ target: `order:${held.id}` })
        .pluck('action'),
    ).toEqual(['risk.review.rejected']);

    const again = await admin(sys, 'POST', `/admin/risk/reviews/${held.id}/decision`, { decision: 'approve', note: 'changed my mind' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('review_closed');
  });

  test('when nobody decides before the deadline, then the order is rejected automatically and its stock released', async () => {
    await useRules(sys, [holdAbroad], { reviewTimeoutSeconds: 2 });
    const before = await stock();
    const held = await placeOrder(sys, abroad, [{ sku: 'REVIEWED', quantity: 1 }]);
    expect(held.status).toBe('held');
    expect(Date.parse(held.risk.reviewDeadline) - Date.parse(held.risk.checkedAt)).toBe(2000);
    const order = await sys.waitForOrder(held.id, ['cancelled'], 20_000);
    await sys.finished(held.id);
    expect(order.reason).toBe('risk_review_expired: no reviewer decided before the deadline');
    expect(order.timeline.find((e: any) => e.type === 'risk_reviewed')).toMatchObject({ decision: 'reject', by: 'deadline' });
    expect(await stock()).toBe(before);
    const review = (await admin(sys, 'GET', `/admin/risk/reviews/${held.id}`)).body;
    expect(review).toMatchObject({ status: 'expired', decidedBy: null, orderStatus: 'cancelled' });
    expect(
      await sys
        .db('audit_log')
        .where({ target: `order:${held.id}` })
        .first(),
    ).toMatchObject({ actor: 'system:review-deadline', action: 'risk.review.expired' });
    await useRules(sys, [holdAbroad]);
  });

  test('when the storefront cancels a held order, then it is cancelled, its stock released and the review withdrawn', async () => {
    const before = await stock();
    const held = await placeOrder(sys, abroad, [{ sku: 'REVIEWED', quantity: 2 }]);
    const res = await sys.api('POST', `/v1/orders/${held.id}/cancel`, { body: { reason: 'buyer cancelled' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'cancelled', reason: 'buyer cancelled' });
    await sys.finished(held.id);
    expect(await stock()).toBe(before);
    expect((await admin(sys, 'GET', `/admin/risk/reviews/${held.id}`)).body.status).toBe('withdrawn');
    const late = await admin(sys, 'POST', `/admin/risk/reviews/${held.id}/decision`, { decision: 'approve', note: 'too late' });
    expect(late.body.error.code).toBe('review_closed');
  });

  test('when a viewer or finance user decides, or a decision has no note, then it is refused and the order still waits', async () => {
    const held = await placeOrder(sys, abroad, [{ sku: 'REVIEWED', quantity: 1 }]);
    for (const role of ['viewer', 'finance'] as const) {
      const { token } = await addAdmin(sys, role);
      const res = await admin(sys, 'POST', `/admin/risk/reviews/${held.id}/decision`, { decision: 'approve', note: 'looks fine' }, token);
      expect(res.status).toBe(403);
    }
    const noNote = await admin(sys, 'POST', `/admin/risk/reviews/${held.id}/decision`, { decision: 'approve' });
    expect(noNote.status).toBe(400);
    expect(noNote.body.error.details.fields.map((f: any) => f.path)).toEqual(['note']);
    const badDecision = await admin(sys, 'POST', `/admin/risk/reviews/${held.id}/decision`, { decision: 'maybe', note: 'hmm' });
    expect(badDecision.body.error.details.fields.map((f: any) => f.path)).toEqual(['decision']);
    expect((await sys.api('GET', `/v1/orders/${held.id}`)).body.status).toBe('held');
    expect(await sys.db('audit_log').where({ target: `order:${held.id}` })).toEqual([]);

    const { token } = await addAdmin(sys, 'operator');
    expect((await admin(sys, 'POST', `/admin/risk/reviews/${held.id}/decision`, { decision: 'approve', note: 'fine' }, token)).status).toBe(200);
    await sys.finished(held.id);
  });

  test('when held and rejected orders are listed as assessments, then each shows its decision and reasons', async () => {
    await useRules(sys, [holdAbroad, { name: 'No throwaway mail', kind: 'disposable_email', action: 'reject' }]);
    const rejected = await placeOrder(sys, { email: 'x@mailinator.com' }, [{ sku: 'REVIEWED', quantity: 1 }]);
    const held = await placeOrder(sys, abroad, [{ sku: 'REVIEWED', quantity: 1 }]);
    const list = await admin(sys, 'GET', `/admin/risk/assessments?filter=${encodeURIComponent('{"decision":"reject"}')}&sort=${encodeURIComponent('["createdAt","DESC"]')}`);
    expect(list.body[0]).toMatchObject({ id: rejected.id, decision: 'reject', status: 'cancelled', reasons: ['email x@mailinator.com is at a disposable-address provider'] });
    for (const field of ['score', 'decision', 'totalAmount', 'status']) {
      const sorted = await admin(sys, 'GET', `/admin/risk/assessments?sort=${encodeURIComponent(JSON.stringify([field, 'DESC']))}&range=${encodeURIComponent('[0,2]')}`);
      expect(sorted.status).toBe(200);
      expect(sorted.body).toHaveLength(3);
    }
    const byScore = (await admin(sys, 'GET', `/admin/risk/assessments?sort=${encodeURIComponent('["score","ASC"]')}&range=${encodeURIComponent('[0,99]')}`)).body.map(
      (a: any) => a.score,
    );
    expect(byScore).toEqual([...byScore].sort((a, b) => a - b));
    const one = await admin(sys, 'GET', `/admin/risk/assessments/${held.id}`);
    expect(one.body).toMatchObject({
      decision: 'review',
      status: 'held',
      reasons: ['IP country US differs from card country CN'],
      risk: { ruleVersion: expect.any(Number), findings: [expect.objectContaining({ rule: holdAbroad.name })] },
    });
    await sys.fulfilment.cancel(held.id, 'test over');
  });
});
