import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { Handset } from '../../simulators/radio/handset';
import { demoPassword, eventually, startGateway, testConfig } from '../helpers/gateway';
import { launchChromium, loginAs, newSession, screenshot, type Session } from './browser';

/**
 * Names, not ids, where a person reads (issue 16, item 14): the Live log in words (callsigns,
 * configured status labels), its history kept across a reload, and an "ago" that keeps counting.
 */
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
let gw: Gateway;
let base: string;
let browser: Browser;
let handset: Handset;
const sessions: Session[] = [];

beforeAll(async () => {
  gw = await startGateway(testConfig().config);
  base = `http://127.0.0.1:${gw.httpPort}`;
  handset = new Handset({
    url: `mqtt://127.0.0.1:${gw.broker.port}`,
    issi: 2004,
    username: 'radio-2004',
    password: demoPassword('radio-2004'),
    config: gw.config,
    startZone: 'market-square',
    seed: 4,
  });
  await handset.connect();
  browser = await launchChromium();
}, 60_000);

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.context.close().catch(() => undefined)));
});

afterAll(async () => {
  await browser?.close();
  await handset?.close().catch(() => undefined);
  await gw?.stop();
});

async function session(username: string): Promise<Session> {
  const s = await newSession(browser);
  sessions.push(s);
  await loginAs(s.page, base, username);
  return s;
}

describe('names, not ids', () => {
  it('the Live log says who and what in words, and keeps its history across a reload', async () => {
    const s = await session('controller');
    await s.page.goto(`${base}/log`);
    await s.page.locator('#connection[data-state="live"]').waitFor();
    await handset.status(32770);
    await handset.text(9999, 'Outside the bank');
    const status = await eventually(() => [...gw.journal.replay()].find((e) => e.type === 'radio.status' && e.subject === 'radio:2004'), 10_000, 'status');

    const row = s.page.locator(`#event-log li[data-seq="${status.seq}"]`);
    await row.waitFor();
    // The configured label and the callsign, not "value: 32770" or an ISSI.
    expect(await row.locator('.detail').textContent()).toBe('PCSO 5120: On scene');
    expect(await row.locator('.type').textContent()).toBe('Status');
    expect(await row.textContent()).not.toMatch(/32770|2004/);
    const text = s.page.locator('#event-log li[data-type="radio.text"]');
    await text.waitFor();
    expect(await text.textContent()).toMatch(/Text from radio.*PCSO 5120: “Outside the bank”/);

    // A reload starts a new page: the log is filled from the journal, as it was.
    await s.page.reload();
    await s.page.locator('#connection[data-state="live"]').waitFor();
    await row.waitFor();
    expect(await row.locator('.detail').textContent()).toBe('PCSO 5120: On scene');
    expect(await s.page.locator('#event-log li[data-type="radio.text"]').count()).toBe(1);
    // Each event once, history and live together.
    const seqs = await s.page.locator('#event-log li[data-seq]').evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.seq));
    expect(new Set(seqs).size).toBe(seqs.length);
    await screenshot(s.page, 'live-log-words');
    expect(s.errors).toEqual([]);
  });

  it('a member is refused the log history at the gateway', async () => {
    const s = await session('member');
    expect(await s.page.evaluate(async () => (await fetch('/api/log')).status)).toBe(403);
  });

  it('an incident card says how long ago it was reported, and keeps counting', async () => {
    const s = await session('controller');
    await s.page.goto(`${base}/incidents`);
    await s.page.locator('#connection[data-state="live"]').waitFor();
    const created = await s.page.evaluate(async () => {
      const me = (await (await fetch('/api/me')).json()) as { data: { csrfToken: string } };
      const res = await fetch('/api/incidents', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.data.csrfToken },
        body: JSON.stringify({ channel: 'walk-in', category: 'cbo-breach', description: 'Man back in the market', place: { zone: 'market-square' } }),
      });
      return ((await res.json()) as { data: { incidentId: string } }).data.incidentId;
    });
    const card = s.page.locator(`[data-incident="${created}"]`);
    await card.waitFor();
    expect(await card.textContent()).toMatch(/order breach/);
    const ago = card.locator('time.ago');
    const first = await ago.textContent();
    expect(first).toMatch(/^\d+ s ago$/);
    // Nothing else happens on the page, yet the age moves on.
    await expect.poll(() => ago.textContent(), { timeout: 10_000 }).not.toBe(first);
    expect(s.errors).toEqual([]);
  });
});
