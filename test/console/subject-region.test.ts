import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { SubjectView } from '../../gateway/contract/tracking';
import { login, withCsrf } from '../helpers/gateway';
import { consoleSuite, screenshot, type Session } from './browser';

/**
 * Issue 16, item 4: sharing a subject with the region, from the console. The record leaves the
 * site, so the console asks first, says what goes and what stays, and Cancel (where the focus
 * starts) changes nothing. Confirmed, the change is journaled with who made it; stopping is
 * confirmed and journaled the same way. (Only the roles that may share have the Subjects panel;
 * the API refuses the others, as the role x surface matrix checks.)
 */
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
const suite = consoleSuite();
let subject: SubjectView;

beforeAll(async () => {
  const cookie = await login(suite.gw.httpPort, 'controller');
  const res = await fetch(`${suite.base}/api/subjects`, {
    method: 'POST',
    headers: { ...withCsrf(cookie), 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'known', name: 'Carl Benton', description: 'Grey hoodie, tall' }),
  });
  subject = ((await res.json()) as { data: SubjectView }).data;
});

async function open(username: string): Promise<Session> {
  const s = await suite.session(username);
  await s.page.goto(`${suite.base}/subjects`);
  await s.page.locator('#connection[data-state="live"]').waitFor();
  await s.page.locator('#subject-query').fill('Benton');
  await s.page.locator('#subject-query').press('Enter');
  await s.page.locator('#subject-results button', { hasText: 'Carl Benton' }).click();
  await s.page.locator('#subject-title', { hasText: 'Carl Benton' }).waitFor();
  return s;
}

const updates = () =>
  [...suite.gw.journal.replay()]
    .filter((e) => e.type === 'subject.updated' && e.ref === subject.id)
    .map((e) => [e.actor, (e.payload as { changes: { sharedRegionally?: boolean } }).changes.sharedRegionally]);

describe('sharing a subject with the region', () => {
  it('asks first, names what leaves the site, and journals the share and its end with the controller', async () => {
    const { page, errors } = await open('controller');
    const share = page.locator('#subject-region [data-action="region-share"]');
    await share.click();
    const dialog = page.locator('#region-dialog');
    await dialog.waitFor();
    expect(await page.locator('#region-question').textContent()).toBe(
      "Carl Benton's name, aliases, description and features go to the other partnerships in the region. His photo, markers and birth date stay here.",
    );
    await screenshot(page, 'subject-region-confirm');
    // The safe choice has the focus: Enter cancels, and the focus goes back to the button.
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-action'))).toBe('region-share');
    expect(updates()).toEqual([]);

    await share.click();
    await page.locator('[data-action="region-confirm"]').click();
    await page.locator('#subject-region', { hasText: 'Shared with the other partnerships in the region.' }).waitFor();
    expect(updates()).toEqual([['controller', true]]);
    expect(suite.gw.projections.subjects.get(subject.id)!.sharedRegionally).toBe(true);

    await page.locator('#subject-region [data-action="region-stop"]').click();
    expect(await page.locator('#region-question').textContent()).toBe("The region is told to withdraw Carl Benton's record from the other partnerships.");
    await page.locator('[data-action="region-confirm"]').click();
    await page.locator('#subject-region', { hasText: 'Not shared outside this town centre.' }).waitFor();
    expect(updates()).toEqual([
      ['controller', true],
      ['controller', false],
    ]);
    expect(errors).toEqual([]);
  });
});
