import { describe, expect, it, vi } from 'vitest';
import { loginSession } from '../helpers/gateway';
import { consoleSuite, screenshot } from './browser';

/**
 * Issue 16's cosmetics seen in the last review's screenshots, in Chromium: the call form's
 * small map names its zones; a toast sits in the top bar, never over the board or a form's
 * buttons; the order form shows every premises at once instead of scrolling them in a box.
 */
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
const suite = consoleSuite();

describe('what the review saw', () => {
  it('the call map names its zones, and the toast for a new incident covers nothing in the panels', async () => {
    const s = await suite.session('controller');
    await s.page.goto(`${suite.base}/incidents`);
    await s.page.locator('#connection[data-state="live"]').waitFor();
    const labels = s.page.locator('#call-map .call-zone-label');
    await expect.poll(() => labels.count()).toBe(suite.gw.config.zones.length);
    expect((await labels.allTextContents()).sort()).toEqual(suite.gw.config.zones.map((z) => z.name).sort());

    await s.page.getByLabel('What happened').fill('Bike stolen from the rack');
    await s.page.locator('#call-zone').selectOption('market-square');
    await s.page.getByRole('button', { name: 'Open incident' }).click();
    const toast = s.page.locator('#toast');
    await expect.poll(() => toast.textContent()).toMatch(/^Incident TW-\d{4}-\d{6} opened$/);
    const t = (await toast.boundingBox())!;
    const main = (await s.page.locator('main').boundingBox())!;
    // Entirely above the panels (in the top bar), so it hides no card and no button.
    expect(t.y + t.height).toBeLessThanOrEqual(main.y);
    await screenshot(s.page, 'layout-call-map-toast');
    expect(s.errors).toEqual([]);
  });

  it('the order form shows every premises without scrolling inside its box', async () => {
    const { cookie, csrf } = await loginSession(suite.gw.httpPort, 'controller');
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${suite.base}${path}`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBeLessThan(300);
      return ((await res.json()) as { data: { id: string } }).data;
    };
    const { id } = await post('/api/subjects', { status: 'known', name: 'Lee Carver', description: 'Grey tracksuit' });
    await post(`/api/subjects/${id}/watch`, { reason: 'Shoplifting at the market' });

    const s = await suite.session('controller');
    await s.page.goto(`${suite.base}/subjects`);
    await s.page.locator('#watch-list button', { hasText: 'Lee Carver' }).click();
    const box = s.page.locator('#order-form .order-premises');
    await box.waitFor();
    expect(await box.locator('input[type=checkbox]').count()).toBe(suite.gw.config.premises.length);
    expect(await box.evaluate((el) => el.scrollHeight - el.clientHeight)).toBeLessThanOrEqual(1);
    await box.scrollIntoViewIfNeeded();
    await screenshot(s.page, 'layout-order-premises');
    expect(s.errors).toEqual([]);
  });
});
