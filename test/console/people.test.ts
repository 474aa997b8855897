import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { JournalEvent } from '../../gateway/journal/types';
import { startGateway, testConfig } from '../helpers/gateway';
import { launchChromium, loginAs, newSession, screenshot, type Session } from './browser';

/**
 * Issue 16 item 13 in a real Chromium: the security manager adds a person, who then logs in
 * with the temporary password and must choose their own before anything else; then the
 * security manager disables the account, the person is logged out and cannot log in again.
 * Each step journaled with its actor; no password on any screen but the one it was typed in.
 */
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
let gw: Gateway;
let base: string;
let browser: Browser;
const sessions: Session[] = [];

beforeAll(async () => {
  gw = await startGateway(testConfig().config);
  base = `http://127.0.0.1:${gw.httpPort}`;
  browser = await launchChromium();
}, 60_000);

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.context.close().catch(() => undefined)));
});

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

const journal = (type: string) => [...gw.journal.replay()].filter((e: JournalEvent) => e.type === type);
const focused = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

async function session(): Promise<Session> {
  const s = await newSession(browser);
  sessions.push(s);
  return s;
}

describe('people administration', () => {
  it('the security manager adds a person, who then logs in and chooses their own password; disabled, they are out', async () => {
    const mgr = await session();
    await loginAs(mgr.page, base, 'secmgr');
    await mgr.page.getByRole('link', { name: /^People/ }).click();
    await expect.poll(() => mgr.page.evaluate(() => location.pathname)).toBe('/people');
    const rows = mgr.page.locator('#people-rows tr');
    await expect.poll(() => rows.count()).toBe(6);
    // Names and words, not ids: the configured member shows her premises by name.
    expect(await mgr.page.locator('#people-rows tr[data-username="member"] td').allTextContents()).toEqual([
      'member',
      'member',
      'Member (a shop or premises)',
      'Market Square Pharmacy',
      'Active',
      'as set up',
      'Change',
    ]);
    await screenshot(mgr.page, 'people-list');

    // Keyboard first: name, Tab, username, Tab, role; the premises only once the role is member.
    await mgr.page.locator('#person-name').focus();
    await mgr.page.keyboard.type('Jo Bloggs');
    await mgr.page.keyboard.press('Tab');
    await mgr.page.keyboard.type('jo.bloggs');
    await mgr.page.keyboard.press('Tab');
    expect(await focused(mgr.page)).toBe('person-role');
    expect(await mgr.page.locator('#person-premises').isVisible()).toBe(false);
    await mgr.page.locator('#person-role').selectOption('member');
    await expect.poll(() => mgr.page.locator('#person-premises').isVisible()).toBe(true);
    await mgr.page.locator('#person-premises').selectOption({ label: 'The Red Lion' });
    await mgr.page.locator('#person-suggest').click();
    const temporary = await mgr.page.locator('#person-password').inputValue();
    expect(temporary).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    await screenshot(mgr.page, 'people-add');
    await mgr.page.getByRole('button', { name: 'Add person' }).click();

    const row = mgr.page.locator('#people-rows tr[data-username="jo.bloggs"]');
    await row.waitFor();
    expect(await row.locator('td').allTextContents()).toEqual([
      'Jo Bloggs',
      'jo.bloggs',
      'Member (a shop or premises)',
      'The Red Lion',
      'Temporary password',
      expect.stringMatching(/ by secmgr$/),
      'Change',
    ]);
    expect(await mgr.page.locator('#toast').textContent()).toBe(
      'Jo Bloggs added as Member (a shop or premises): they choose their password at their first login',
    );
    // The form is empty again, ready for the next person, and the password is nowhere on the page.
    expect(await mgr.page.locator('#person-password').inputValue()).toBe('');
    expect(await mgr.page.evaluate((t) => document.body.innerHTML.includes(t), temporary)).toBe(false);
    expect(journal('user.created').map((e) => [e.actor, (e.payload as { username: string }).username])).toEqual([['secmgr', 'jo.bloggs']]);

    // Jo's first login: the temporary password asks for a new one before anything else.
    const jo = await session();
    await jo.page.goto(`${base}/`);
    await jo.page.locator('#username').fill('jo.bloggs');
    await jo.page.locator('#password').fill(temporary);
    await jo.page.getByRole('button', { name: 'Log in' }).click();
    await jo.page.locator('#new-password-form').waitFor();
    expect(await focused(jo.page)).toBe('new-password');
    expect(await jo.page.locator('nav').count()).toBe(0);
    await screenshot(jo.page, 'people-first-login');
    await jo.page.keyboard.type('the red lion at noon');
    await jo.page.keyboard.press('Tab');
    await jo.page.keyboard.press('Tab');
    await jo.page.keyboard.type('the red lion at nine');
    await jo.page.keyboard.press('Enter');
    await expect.poll(() => jo.page.locator('#new-password-error').textContent()).toBe('The two passwords are not the same.');
    await jo.page.locator('#new-password-again').fill('the red lion at noon');
    await jo.page.keyboard.press('Enter');
    await jo.page.locator('#user').waitFor();
    expect(await jo.page.locator('#user').textContent()).toBe('Jo Bloggs (member)');
    expect(await jo.page.locator('nav a').allTextContents()).toEqual(['My premisesAlt+1']);
    await expect.poll(() => jo.page.locator('main h2').first().textContent()).toBe('The Red Lion');
    expect(journal('user.password-changed').map((e) => e.actor)).toEqual(['jo.bloggs']);
    expect(journal('auth.login').at(-1)?.actor).toBe('jo.bloggs');
    // The one 403 the browser logs is the login's "choose a new password" answer, by design.
    expect(jo.errors).toEqual(['Failed to load resource: the server responded with a status of 403 (Forbidden)']);

    // The list says Jo is active now (the manager's list reloads when the panel is shown again).
    await mgr.page.getByRole('link', { name: /^Map/ }).click();
    await mgr.page.getByRole('link', { name: /^People/ }).click();
    await expect.poll(() => row.locator('.person-status').textContent()).toBe('Active');

    // Disable, with a second look whose safe choice has the focus.
    await row.getByRole('button', { name: 'Change Jo Bloggs' }).click();
    expect(await focused(mgr.page)).toBe('edit-name');
    await mgr.page.getByRole('button', { name: 'Disable account' }).click();
    const dialog = mgr.page.locator('#person-dialog');
    await expect.poll(() => dialog.getAttribute('open')).toBe('');
    expect(await dialog.locator('#person-confirm-text').textContent()).toBe(
      'Jo Bloggs is logged out at once and cannot log in until the account is enabled again.',
    );
    expect(await focused(mgr.page)).toBe('person-cancel');
    await screenshot(mgr.page, 'people-disable-confirm');
    await mgr.page.keyboard.press('Escape');
    await expect.poll(() => focused(mgr.page)).toBe('disable-button');
    expect(journal('user.disabled')).toEqual([]);
    await mgr.page.getByRole('button', { name: 'Disable account' }).click();
    await mgr.page.locator('#person-confirm').click();
    await expect.poll(() => row.locator('.person-status').textContent()).toBe('Disabled');
    expect(await mgr.page.locator('#disable-button').textContent()).toBe('Enable account');
    expect(journal('user.disabled').map((e) => e.actor)).toEqual(['secmgr']);
    await screenshot(mgr.page, 'people-disabled');

    // Jo's console is out: the next request finds no session; logging in again is refused.
    await jo.page.reload();
    await jo.page.locator('#username').waitFor();
    await jo.page.locator('#username').fill('jo.bloggs');
    await jo.page.locator('#password').fill('the red lion at noon');
    await jo.page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => jo.page.locator('#login-error').textContent()).toBe('wrong username or password');

    // The manager cannot disable themselves: the button says why.
    await mgr.page.locator('#edit-close').click();
    // Closing the form returns to the person's row.
    expect(await mgr.page.evaluate(() => document.activeElement?.getAttribute('data-username'))).toBe('jo.bloggs');
    await mgr.page.locator('#people-rows tr[data-username="secmgr"] button').click();
    expect(await mgr.page.locator('#disable-button').isDisabled()).toBe(true);
    expect(await mgr.page.locator('#disable-button').getAttribute('title')).toBe('You cannot disable your own account');
    expect(mgr.errors).toEqual([]);
  });
});
