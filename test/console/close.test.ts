import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { JournalEvent } from '../../gateway/journal/types';
import { eventually, startGateway, testConfig } from '../helpers/gateway';
import { launchChromium, loginAs, newSession, screenshot, type Session } from './browser';

/**
 * Issue 16, item 6's close rule in the console: an incident closes with an outcome (arrest,
 * diverted or referred, no further action…) and a note, and the console asks for both before
 * it sends; choosing in the list alone closes nothing.
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

const journal = (type: string, where: (e: JournalEvent) => boolean = () => true) => [...gw.journal.replay()].filter((e) => e.type === type && where(e));

describe('closing an incident', () => {
  it('needs an outcome and a note: the console asks for both, and the close is journaled with them and the actor', async () => {
    const s = await newSession(browser);
    sessions.push(s);
    await loginAs(s.page, base, 'controller');
    await s.page.goto(`${base}/incidents`);
    await s.page.locator('#connection[data-state="live"]').waitFor();
    const id = await s.page.evaluate(async () => {
      const me = (await (await fetch('/api/me')).json()) as { data: { csrfToken: string } };
      const res = await fetch('/api/incidents', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.data.csrfToken },
        body: JSON.stringify({ channel: '101', category: 'theft', description: 'Shoplifter detained by store staff', place: { zone: 'market-square' } }),
      });
      return ((await res.json()) as { data: { incidentId: string } }).data.incidentId;
    });
    const card = s.page.locator(`[data-incident="${id}"]`);
    await card.waitFor();
    const reference = gw.projections.incidents.get(id)!.reference!;
    const outcome = card.getByLabel(`Outcome of ${reference}`);
    // The outcomes a partnership counts, in words.
    const offered = await outcome.locator('option').allTextContents();
    expect(offered).toEqual(expect.arrayContaining(['Arrest', 'Referred: Open to Recovery', 'Diverted: youth diversion', 'No further action']));

    // Choosing with the keyboard in the list closes nothing (arrow keys change a select).
    await outcome.focus();
    await s.page.keyboard.press('ArrowDown');
    await s.page.keyboard.press('ArrowDown');
    expect(await outcome.inputValue()).toBe('referred-open-to-recovery');
    // Close without a note: asked for it, the note field gets the focus, nothing is sent.
    await card.locator('[data-action="close-incident"]').click();
    await expect.poll(() => s.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.field ?? null)).toBe('note');
    expect(await s.page.locator('#toast').textContent()).toMatch(new RegExp(`To close ${reference}, choose an outcome and write a note`));
    expect(journal('incident.closed', (e) => e.ref === id)).toEqual([]);

    await s.page.keyboard.type('Referred to Open to Recovery, agreed to attend on Monday');
    await card.locator('[data-action="close-incident"]').click();
    await eventually(() => journal('incident.closed', (e) => e.ref === id).length === 1, 10_000, 'closed');
    const closed = journal('incident.closed', (e) => e.ref === id)[0]!;
    expect(closed.actor).toBe('controller');
    expect(closed.payload).toMatchObject({ outcome: 'referred-open-to-recovery', note: 'Referred to Open to Recovery, agreed to attend on Monday' });
    await expect.poll(() => card.textContent()).toMatch(/Outcome: Referred: Open to Recovery/);
    await screenshot(s.page, 'incident-closed');
    expect(s.errors).toEqual([]);
  });
});
