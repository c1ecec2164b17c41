import { openConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { startTestSystem, type TestSystem } from './harness';

// "My account" in a real browser (issue 12, attack 10 and the own-password gap): a user makes an
// admin token (shown once), sees it listed, revokes it, and it stops working; they change their
// own password, knowing the current one; the same screen in Chinese.

describe('my account in the console', () => {
  let sys: TestSystem;
  let ui: ConsoleBrowser;
  beforeAll(async () => {
    sys = await startTestSystem({ worker: false });
    ui = await openConsoleBrowser(sys);
  }, 60_000);
  afterAll(async () => {
    await ui?.close();
    await sys.stop();
  });

  test('when an operator makes an admin token, then it is shown once, listed by name and prefix, and after revoking it the API refuses it', async () => {
    const operator = await sys.addUser('operator');
    const { context, page } = await ui.signedIn(operator);
    await page.getByRole('button', { name: 'Profile' }).click();
    await page.getByTestId('account-menu-item').click();
    await page.getByTestId('account-page').waitFor();
    await page.getByTestId('no-tokens').waitFor();

    await page.getByRole('button', { name: 'New token' }).click();
    await page.getByLabel('Name').fill('nightly import');
    await page.getByRole('button', { name: 'Make token' }).click();
    const token = (await page.getByTestId('secret-value').textContent())!;
    expect(token).toMatch(/^cf_pat_/);
    expect((await sys.api('GET', '/admin/orders', { key: token })).status).toBe(200);
    await ui.shot(page, 'account-token-made');
    await page.getByRole('button', { name: 'Close' }).click();

    const row = page.getByTestId('token-row').filter({ hasText: 'nightly import' });
    await row.getByText('Active').waitFor();
    expect(await row.textContent()).toContain(token.slice(0, 12));
    expect(await page.content()).not.toContain(token);
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByText('Revoked').waitFor();
    expect((await sys.api('GET', '/admin/orders', { key: token })).status).toBe(401);
    await ui.shot(page, 'account-token-revoked');
    expect(ui.takePageErrors()).toEqual([]);
    await context.close();
  });

  test('when a user changes their own password in Chinese, then a wrong current password is named, the right one changes it, and the new password signs in', async () => {
    const viewer = await sys.addUser('viewer');
    const { context, page } = await ui.signedIn(viewer);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await ui.go(page, '/account');
    await page.getByText('管理令牌').first().waitFor();

    await page.getByLabel('当前密码').fill('not-my-password');
    await page.getByLabel('新密码', { exact: true }).fill('a-new-password-22');
    await page.getByLabel('再次输入新密码').fill('a-new-password-22');
    await page.getByRole('button', { name: '修改密码' }).click();
    await page.getByText('当前密码不正确。').waitFor();

    await page.getByLabel('当前密码').fill(viewer.password);
    await page.getByRole('button', { name: '修改密码' }).click();
    await page.getByText('密码已修改，你的其他会话已失效').waitFor();
    await ui.shot(page, 'account-password-zh');
    await sys.signIn(viewer.email, 'a-new-password-22');
    await expect(sys.signIn(viewer.email, viewer.password)).rejects.toThrow(/401/);
    expect(ui.takePageErrors()).toEqual([]);
    await context.close();
  });
});
