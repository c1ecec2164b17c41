import type { Activities } from '../activities';
import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { startTestSystem, type TestSystem } from './harness';

// The console's "Needs attention" queue in a real browser against the real API and worker:
// orders stopped because a step ran out of retries are listed with their step and what broke,
// in English and in Chinese, and a bulk refund asks for a reason first and then shows what
// happened to each order.

jest.setTimeout(120_000);

let sys: TestSystem;
let ui: ConsoleBrowser;
let owner: { email: string; password: string };
const broken = new Set<string>();

beforeAll(async () => {
  sys = await startTestSystem({ worker: false, stepAttempts: 2 });
  const real: Activities = sys.activities;
  await sys.startWorker({
    ...real,
    allocateCodes: async (orderId) => {
      if (broken.has(orderId)) throw new Error('connect ECONNREFUSED (the test broke this step)');
      return real.allocateCodes(orderId);
    },
  });
  owner = await sys.addUser('owner');
  ui = await openConsoleBrowser(sys);
});

afterAll(async () => {
  await ui?.close();
  await sys?.stop();
});

afterEach(() => expect(ui.takePageErrors()).toEqual([]));

async function stoppedOrder(ref: string): Promise<string> {
  const res = await sys.api('POST', '/v1/orders', { body: { externalRef: ref, items: [{ sku: 'QUEUE-CARD', quantity: 1 }] } });
  expect(res.status).toBe(202);
  broken.add(res.body.id);
  for (let i = 0; i < 200; i++) {
    const row = await sys.db('orders').where({ id: res.body.id }).first('status');
    if (row?.status === 'needs_attention') return res.body.id;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`order ${ref} did not stop`);
}

test('when orders stopped for a person, then the queue lists why in English and Chinese, and a bulk refund asks why first and reports each order', async () => {
  await sys.addSku('QUEUE-CARD', { codes: 3, price: 2500 });
  const ids = [await stoppedOrder('queue-1'), await stoppedOrder('queue-2')];

  const { context, page } = await ui.signedIn(owner);
  await ui.go(page, '/needs-attention');
  const grid = page.getByTestId('attention-grid');
  await grid.getByText('queue-1').waitFor();
  await grid.getByText('queue-2').waitFor();
  await grid.getByText('Allocating codes kept failing (Error) and ran out of retries').first().waitFor();
  await ui.shot(page, 'attention-queue');

  await page.getByRole('checkbox', { name: 'Select all' }).click();
  await page.getByTestId('attention-bulk-refund').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('Each order gives back what it holds and is refunded.').waitFor();
  // No reason, no refund: the button waits for one.
  expect(await dialog.getByRole('button', { name: 'Refund 2 orders' }).isDisabled()).toBe(true);
  await dialog.getByLabel('Reason').fill('supplier outage; refunding');
  await dialog.getByRole('button', { name: 'Refund 2 orders' }).click();
  const results = page.getByTestId('attention-bulk-results');
  await results.getByText('2 of 2 done').waitFor();
  expect(await results.getByTestId('attention-bulk-result').count()).toBe(2);
  await ui.shot(page, 'attention-bulk-results');
  await results.getByRole('button', { name: 'Close' }).click();
  await page.getByTestId('attention-empty').waitFor();
  for (const id of ids) {
    await sys.finished(id);
    expect((await sys.db('orders').where({ id }).first('status'))?.status).toBe('refunded');
  }

  // In Chinese, with a new stop to show.
  await stoppedOrder('queue-3');
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('menuitem', { name: '简体中文' }).click();
  await ui.go(page, '/needs-attention');
  await page.getByTestId('attention-grid').getByText('queue-3').waitFor();
  await page.getByText('待人工处理：停下来等人处理的订单').waitFor();
  await page.getByText('重试次数已用尽').first().waitFor();
  await ui.shot(page, 'attention-queue-zh');
  await context.close();
});
