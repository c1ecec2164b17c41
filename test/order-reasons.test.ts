import { codedReason, orderReason, riskReasonCodes, storedReason } from '../orders/reasons';

// Reasons read without a database: a purchase step that gave up with no route's reason is stored
// as a code (its error's message only quoted), an old English one is shown coded, and an old risk
// check's English reasons come out as codes even when the order was judged again since.

describe('a supplier_unavailable reason with the purchase step’s own failure text', () => {
  it('when the step timed out, then it is stored as timed_out, without Temporal’s English', () => {
    expect(storedReason('supplier_unavailable: activity StartToClose timeout')).toBe(
      codedReason('supplier_unavailable', {}, [{ supplier: '', code: 'timed_out', vendorCode: 'timed_out', message: '' }]),
    );
  });

  it('when the step stopped on an error, then it is stored as unexpected_error, the message only quoted', () => {
    const stored = storedReason('supplier_unavailable: connect ECONNREFUSED 127.0.0.1:5432');
    expect(orderReason(stored, null)).toEqual({
      code: 'supplier_unavailable',
      params: {},
      outcomes: [{ supplier: '', code: 'unexpected_error', vendorCode: 'unexpected_error', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
    });
  });

  it('then a reason that is already coded, or any other reason, is stored as given', () => {
    const coded = codedReason('supplier_unavailable', {}, [{ supplier: 'Alpha', code: 'circuit_open', vendorCode: 'circuit_open', message: '' }]);
    for (const reason of [coded, 'supplier_failed: out of stock', 'risk_rejected: order amount 1 is over the cap of 0', 'chargeback']) expect(storedReason(reason)).toBe(reason);
  });

  it('when an old row has English nobody recognised, then it is shown as an unknown detail, the English only quoted', () => {
    const old = 'supplier_unavailable: no supplier can take unit 7d0c5d5e right now: Alpha: something new';
    expect(orderReason(old, null)).toEqual({
      code: 'supplier_unavailable',
      params: {},
      outcomes: [{ supplier: '', code: 'unknown_detail', vendorCode: 'unknown_detail', message: 'no supplier can take unit 7d0c5d5e right now: Alpha: something new' }],
    });
    // An old timeout is known for what it was.
    expect(orderReason('supplier_unavailable: activity StartToClose timeout', null)?.outcomes).toEqual([{ supplier: '', code: 'timed_out', vendorCode: 'timed_out', message: '' }]);
  });
});

describe('an old risk check’s reasons', () => {
  const now = { decision: 'allow', reasons: [], explained: [] };

  it('when the entry’s English differs from the order’s assessment now (a retried order), then its own English is read into codes', () => {
    const earlier = {
      decision: 'review',
      score: 35,
      reasons: ['email buyer@mailinator.com is at a disposable-address provider (+35)', 'IP country US differs from card country CN'],
    };
    expect(riskReasonCodes(earlier, now)).toEqual([
      { code: 'disposable_email', params: { email: 'buyer@mailinator.com', points: 35 } },
      { code: 'country_mismatch', params: { first: 'ip', firstCountry: 'US', second: 'card', secondCountry: 'CN' } },
    ]);
  });

  it('then an entry with a reason nobody recognises keeps its English (none of it is half coded)', () => {
    expect(riskReasonCodes({ reasons: ['IP country US differs from card country CN', 'some other reason'] }, now)).toBeUndefined();
  });

  it('then its own codes, and the assessment’s when it said the same, still come first', () => {
    const own = [{ code: 'score_review', params: { score: 50, threshold: 50 } }];
    expect(riskReasonCodes({ reasons: ['whatever was said'], explained: own }, now)).toEqual(own);
    const same = { reasons: ['IP country US differs from card country CN'] };
    const assessed = { ...same, explained: [{ code: 'country_mismatch', params: { first: 'ip', firstCountry: 'US', second: 'card', secondCountry: 'CN', from: 'assessment' } }] };
    expect(riskReasonCodes(same, assessed)).toEqual(assessed.explained);
  });
});
