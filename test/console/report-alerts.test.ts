import { describe, expect, it, vi } from 'vitest';
import { login, withCsrf } from '../helpers/gateway';
import { consoleSuite, loginAs, recordTones, screenshot, tonesPlayed } from './browser';

/**
 * Issue 16, item 14: a shop's report reaches the control room with a chime, a toast naming the
 * shop, and a count on the Incidents link until someone looks, wherever the controller is, and
 * never takes the keyboard from what they are typing. A reload does not announce it again.
 */
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
const suite = consoleSuite();

async function memberReports(description: string): Promise<void> {
  const cookie = await login(suite.gw.httpPort, 'member');
  const res = await fetch(`${suite.base}/api/reports`, {
    method: 'POST',
    headers: { ...withCsrf(cookie), 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'incident', category: 'theft', description, occurredAt: new Date().toISOString() }),
  });
  expect(res.status).toBe(200);
}

describe('a shop report arriving', () => {
  it('chimes, names the shop, counts on the Incidents link until looked at, and leaves the typing alone', async () => {
    const s = await suite.session();
    await recordTones(s.context);
    await loginAs(s.page, suite.base, 'controller');
    await s.page.goto(`${suite.base}/alerts`);
    await s.page.locator('#connection[data-state="live"]').waitFor();
    const link = s.page.locator('nav a[data-panel="incidents"]');
    // (A click first: until a person touches the page, the browser lets it play no sound.)
    await s.page.locator('#alert-text').click();
    await s.page.keyboard.type('All units: road closed at');

    await memberReports('Two men took a crate of spirits and ran towards the station');
    await expect.poll(() => s.page.locator('#toast').textContent()).toMatch(/^Report from Market Square Pharmacy: theft \(TW-\d{4}-\d{6}\)$/);
    await expect.poll(() => tonesPlayed(s.page)).toContain('sine');
    expect(await s.page.locator('#incidents-new').textContent()).toBe('1');
    expect(await s.page.getByRole('link', { name: 'Incidents, 1 new report', exact: true }).count()).toBe(1);
    await screenshot(s.page, 'report-alert');
    // The typing goes on where it was.
    expect(await s.page.evaluate(() => document.activeElement?.id)).toBe('alert-text');
    await s.page.keyboard.type(' the bridge');
    expect(await s.page.locator('#alert-text').inputValue()).toBe('All units: road closed at the bridge');

    // Looking at the Incidents panel clears the count; a reload does not announce the report again.
    await link.click();
    await expect.poll(() => s.page.locator('#incidents-new').isHidden()).toBe(true);
    expect(await s.page.getByRole('link', { name: 'Incidents', exact: true }).count()).toBe(1);
    await s.page.goto(`${suite.base}/alerts`);
    await s.page.locator('#connection[data-state="live"]').waitFor();
    await s.page.waitForTimeout(500);
    expect(await s.page.locator('#incidents-new').isHidden()).toBe(true);
    expect(s.errors).toEqual([]);
  });
});
