import * as adapter from '../suppliers/adapters/cardflow-sim-signing';
import * as simulator from '../supplier-sim/signing';

// The production adapter and the simulator each implement the protocol's crypto on their own.
// Each side is checked against the fixed vectors written in supplier-sim/PROTOCOL.md, and one
// side's output against the other's check, so a bug shared by both cannot pass.

const VECTOR = {
  secret: 'demo-secret',
  timestamp: '1767225600000',
  post: {
    path: '/v1/orders',
    body: '{"reference":"cf-0001","product":"STEAM-50","maxUnitPrice":4800}',
    signature: 'b8015f6b39f97113512ee6b1729c3e71b5f48357400bd9d8a670aad70402a6e4',
  },
  get: { path: '/v1/orders/cf-0001', signature: '4544f5083e7105c0637205f1482fa2c812cdd8cf304e4f1cc0610445bf89cdd2' },
  card: { plaintext: 'GIFT-1234-ABCD', encrypted: 'AAECAwQFBgcICQoLaKaqtTUvrP+jN/XBGBlbMMirejy3rJTAXTp7iBFA' },
};
const AT_VECTOR_TIME = Number(VECTOR.timestamp) + 1_000;

describe.each([
  ['the adapter', adapter.signRequest],
  ['the simulator', simulator.signRequest],
])("when %s signs the protocol's example requests", (_side, sign) => {
  test('then the signatures are the ones PROTOCOL.md gives', () => {
    expect(sign(VECTOR.secret, 'POST', VECTOR.post.path, VECTOR.timestamp, VECTOR.post.body)).toBe(VECTOR.post.signature);
    expect(sign(VECTOR.secret, 'GET', VECTOR.get.path, VECTOR.timestamp, '')).toBe(VECTOR.get.signature);
  });
});

describe('when one side signs and the other verifies', () => {
  const { secret, timestamp } = VECTOR;
  const { path, body } = VECTOR.post;

  test('then a callback the simulator signs is accepted by the adapter', () => {
    const headers = simulator.signedHeaders('shop', secret, 'POST', path, body, AT_VECTOR_TIME);
    expect(adapter.verifySignature(secret, 'POST', path, headers['X-Timestamp'], body, headers['X-Signature'], AT_VECTOR_TIME)).toBe(true);
  });

  test('then a request the adapter signs is accepted by the simulator', () => {
    const signature = adapter.signRequest(secret, 'POST', path, timestamp, body);
    expect(simulator.signatureProblem(secret, 'POST', path, timestamp, body, signature, AT_VECTOR_TIME)).toBeNull();
  });

  // Positive controls: the adapter's check is not a check that passes everything.
  test.each([
    ['another secret', { secret: 'not-the-secret' }],
    ['another body', { body: '{"reference":"cf-0002","product":"STEAM-50","maxUnitPrice":4800}' }],
    ['another path', { path: '/v1/orders?x=1' }],
    ['a timestamp more than 300 s old', { now: Number(timestamp) + 301_000 }],
  ])('then the adapter refuses a callback checked against %s', (_what, change: { secret?: string; body?: string; path?: string; now?: number }) => {
    const ok = adapter.verifySignature(change.secret ?? secret, 'POST', change.path ?? path, timestamp, change.body ?? body, VECTOR.post.signature, change.now ?? AT_VECTOR_TIME);
    expect(ok).toBe(false);
    expect(adapter.verifySignature(secret, 'POST', path, timestamp, body, VECTOR.post.signature, AT_VECTOR_TIME)).toBe(true);
  });

  test('then the adapter refuses a malformed signature or timestamp without throwing', () => {
    expect(adapter.verifySignature(secret, 'POST', path, timestamp, body, 'zz', AT_VECTOR_TIME)).toBe(false);
    expect(adapter.verifySignature(secret, 'POST', path, '', body, VECTOR.post.signature, AT_VECTOR_TIME)).toBe(false);
  });
});

describe('encrypted card fields', () => {
  test("when the adapter opens the protocol's example, then it reads the card", () => {
    expect(adapter.decryptCardField(VECTOR.secret, VECTOR.card.encrypted)).toBe(VECTOR.card.plaintext);
    expect(simulator.decryptCardField(VECTOR.secret, VECTOR.card.encrypted)).toBe(VECTOR.card.plaintext);
  });

  test('when the simulator encrypts a card, then the adapter reads it, and not with another secret', () => {
    const sealed = simulator.encryptCardField(VECTOR.secret, 'ABCD-EFGH-1234');
    expect(adapter.decryptCardField(VECTOR.secret, sealed)).toBe('ABCD-EFGH-1234');
    expect(() => adapter.decryptCardField('not-the-secret', sealed)).toThrow();
  });
});
