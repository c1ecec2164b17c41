import { startTestSystem, type TestSystem } from './harness';

// CI once failed a test on `fetch failed` (read ECONNRESET) while it polled an order: the poll
// went out on a pooled socket in the instant the API closed it for being idle. The harness's
// safe requests are sent again once on a new socket; this closes the API's idle sockets just
// before each request, so every request meets a closed socket.

const ROUNDS = 30;

describe('a pooled socket the API has just closed', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ worker: false, notifier: false });
  }, 60_000);
  afterAll(() => sys.stop());

  test('when a poll goes out on it, then the harness answers from a new socket, every time', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      expect((await sys.api('GET', '/healthz')).status).toBe(200);
      sys.closeIdleConnections();
      expect((await sys.api('GET', '/healthz')).status).toBe(200);
    }
  });

  test('when plain fetch sends on it, then some requests fail (positive control: the race is real here)', async () => {
    let failed = 0;
    for (let i = 0; i < ROUNDS; i++) {
      await (await fetch(`${sys.baseUrl}/healthz`)).text();
      sys.closeIdleConnections();
      try {
        await (await fetch(`${sys.baseUrl}/healthz`)).text();
      } catch {
        failed++;
      }
    }
    expect(failed).toBeGreaterThan(0);
  });
});
