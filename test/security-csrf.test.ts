import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { startTestSystem, type TestSystem } from './harness';

// Issue 12, attack 3, in a real browser: the owner is signed in to the console; a page served
// from another port of the same host (another origin, but the same "site", so the SameSite=Strict
// cookie goes along) auto-submits a form that posts text/plain to the stock import, a
// urlencoded form, and a credentialed fetch that rotates a webhook secret. Nothing may change.
// The positive control makes the same requests from the console's own page, and they work.

describe('attack 3: cross-site request forgery from a neighbouring origin, in a real browser', () => {
  let sys: TestSystem;
  let browser: ConsoleBrowser;
  let hostile: http.Server;
  let hostileUrl: string;
  const owner = { email: '', password: '' };

  const state = async () => ({
    batches: Number((await sys.db('stock_batches').count<{ c: number }[]>('* as c'))[0].c),
    codes: Number((await sys.db('codes').count<{ c: number }[]>('* as c'))[0].c),
    secret: (await sys.db('storefronts').where({ id: sys.merchant.storefrontId }).first('webhook_secret'))?.webhook_secret?.toString('base64'),
    audit: Number((await sys.db('audit_log').whereNot({ action: 'session.signed_in' }).count<{ c: number }[]>('* as c'))[0].c),
  });

  beforeAll(async () => {
    sys = await startTestSystem({ worker: false });
    await sys.addSku('CSRF-CARD', { codes: 1 });
    const user = await sys.addUser('owner');
    Object.assign(owner, user);
    const api = sys.baseUrl;
    const page = `<!doctype html><html><body>
      <iframe name="sink1"></iframe><iframe name="sink2"></iframe>
      <form id="plain" target="sink1" method="POST" enctype="text/plain" action="${api}/admin/skus/CSRF-CARD/codes?format=txt">
        <input name="FORGED-CODE-1&#10;FORGED-CODE-2&#10;x" value="y">
      </form>
      <form id="urlencoded" target="sink2" method="POST" action="${api}/admin/storefronts/${sys.merchant.storefrontId}/webhook-secret">
        <input name="a" value="b">
      </form>
      <script>
        const loaded = (name) => new Promise((resolve) => document.querySelector('iframe[name=' + name + ']').addEventListener('load', resolve, { once: true }));
        window.attack = Promise.all([
          loaded('sink1'), loaded('sink2'),
          fetch('${api}/admin/storefronts/${sys.merchant.storefrontId}/webhook-secret', { method: 'POST', credentials: 'include', mode: 'no-cors' }).catch(() => 'blocked'),
          fetch('${api}/admin/codes/void', { method: 'POST', credentials: 'include', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"ids":[],"reason":"forged"}' }).catch(() => 'blocked'),
        ]).then(() => 'done');
        document.getElementById('plain').submit();
        document.getElementById('urlencoded').submit();
      </script></body></html>`;
    hostile = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}/`;
    browser = await openConsoleBrowser(sys);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => hostile.close(r));
    await sys.stop();
  });

  test('when the signed-in owner opens a page on another port, then its forms and fetches change nothing; the same requests from the console work', async () => {
    const { context, page } = await browser.signedIn(owner);
    const before = await state();

    const evil = await context.newPage();
    await evil.goto(hostileUrl);
    expect(await evil.evaluate('window.attack')).toBe('done');
    // The browser did send the requests with the session cookie; the api refused them.
    expect(await state()).toEqual(before);
    const sink = await evil.frame({ name: 'sink1' })!.content();
    expect(sink).toMatch(/form_content_type_refused|cross_origin_refused/);

    // Positive control: from the console's own origin, the body-less POST rotates the secret and
    // an import (as the console sends it) adds a batch.
    const fromConsole = await page.evaluate(
      async ({ storefrontId }) => {
        const rotate = await fetch(`/admin/storefronts/${storefrontId}/webhook-secret`, { method: 'POST', credentials: 'same-origin' });
        const imported = await fetch('/admin/skus/CSRF-CARD/codes?format=txt', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'text/csv' },
          body: 'OWN-CODE-1\nOWN-CODE-2\n',
        });
        return [rotate.status, imported.status];
      },
      { storefrontId: sys.merchant.storefrontId },
    );
    expect(fromConsole).toEqual([200, 201]);
    const after = await state();
    expect(after.secret).not.toEqual(before.secret);
    expect(after.batches).toBe(before.batches + 1);
    expect(after.codes).toBe(before.codes + 2);
    expect(browser.takePageErrors()).toEqual([]);
    await context.close();
  });
});
