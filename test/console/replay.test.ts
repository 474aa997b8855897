import type { MqttClient } from 'mqtt';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { siteDateTime, toSiteInput } from '../../console/src/site-time';
import type { Gateway } from '../../gateway/app';
import type { IncidentRecord } from '../../gateway/contract/tracking';
import type { JournalEvent } from '../../gateway/journal/types';
import { connectMqtt, eventually, login, ROOT, startGateway, testConfig, withCsrf } from '../helpers/gateway';
import { launchChromium, loginAs, newSession, screenshot, type Session } from './browser';

/**
 * Issue 16 item 9 in a real Chromium: replay on the map. PC 2781's radio moves across the town
 * with fixes at known times while an incident is opened and closed; the controller picks a
 * moment and the map shows the unit where it was then, with its name, and the incident open
 * then, by its TW number, marked REPLAY; stepping and playing move the clock; leaving replay is
 * the live map again. An engineer, who sees the live map, gets no replay control and a 403.
 */
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
let gw: Gateway;
let base: string;
let browser: Browser;
let radio: MqttClient;
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
  await radio?.endAsync(true);
  await browser?.close();
  await gw?.stop();
});

const journal = (type: string, where: (e: JournalEvent) => boolean = () => true) => [...gw.journal.replay()].filter((e) => e.type === type && where(e));
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function fix(lat: number, lon: number): Promise<JournalEvent> {
  const before = journal('radio.position').length;
  await radio.publishAsync('tw/v1/radio/2002/position', JSON.stringify({ lat, lon, accuracyM: 5, fixTime: new Date().toISOString() }), { qos: 1 });
  return eventually(() => journal('radio.position')[before], 10_000, 'the fix journaled');
}

async function api<T>(method: string, path: string, body: unknown): Promise<T> {
  const cookie = await login(gw.httpPort, 'controller');
  const res = await fetch(`${base}${path}`, { method, headers: { ...withCsrf(cookie), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as { data: T };
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json.data;
}

/** Where the map draws a unit: its marker's position, or null when it is not on the map. */
const markerAt = (page: Page, unitId: string) =>
  page.evaluate((id) => {
    const el = document.querySelector<HTMLElement>(`.unit-marker[data-unit="${id}"]`);
    return el ? { lat: Number(el.dataset.lat), lon: Number(el.dataset.lon), name: el.querySelector('b')?.textContent ?? '' } : null;
  }, unitId);

describe('replay on the map', () => {
  it('shows a unit where it was and the incident open then, steps and plays, and returns to live', async () => {
    const tz = gw.config.site.timezone;
    const place = (id: string) => gw.config.premises.find((p) => p.id === id)!.position;
    radio = await connectMqtt(gw.broker.port, 'radio-2002');
    // The story, each step at least 1.5 s after the last, so a moment to the second falls between them.
    const [aLon, aLat] = place('prem-003');
    const a = await fix(aLat, aLon);
    await pause(1500);
    const incident = await api<IncidentRecord>('POST', '/api/incidents', {
      channel: '101',
      category: 'theft',
      description: 'Razors taken from the chemist',
      place: { premisesId: 'prem-003' },
    });
    const opened = journal('incident.reported', (e) => e.ref === incident.incidentId)[0]!;
    await pause(1500);
    const [bLon, bLat] = place('prem-001');
    const b = await fix(bLat, bLon);
    await pause(1500);
    await api('POST', `/api/incidents/${incident.incidentId}/close`, { outcome: 'no-further-action', note: 'Gone before we arrived' });
    const closed = journal('incident.closed', (e) => e.ref === incident.incidentId)[0]!;
    await pause(1500);
    const [dLon, dLat] = place('prem-004');
    const d = await fix(dLat, dLon);
    expect(a.ts < opened.ts && opened.ts < b.ts && b.ts < closed.ts && closed.ts < d.ts).toBe(true);
    const reference = incident.reference!;

    const s = await newSession(browser);
    sessions.push(s);
    const page = s.page;
    await loginAs(page, base, 'controller');
    await page.goto(`${base}/map`);
    await page.locator('#connection[data-state="live"]').waitFor();
    await expect.poll(() => markerAt(page, 'unit-02')).toMatchObject({ lat: dLat, lon: dLon });

    // Keyboard first: the control is a button; opening replay puts the focus on the picker.
    await page.locator('#replay-open').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('replay-when');
    const banner = page.locator('#replay-banner');
    await banner.waitFor();
    const status = page.locator('#replay-status');

    // A moment to the second after the call was taken and before the unit moved on.
    const moment = Math.ceil((opened.ts + 1) / 1000) * 1000;
    expect(moment < b.ts).toBe(true);
    await page.locator('#replay-when').fill(toSiteInput(moment, tz));
    await expect.poll(() => status.getAttribute('data-state')).toBe('ready');
    await expect.poll(() => banner.textContent()).toBe(`REPLAY ${siteDateTime(moment, tz)}`);
    expect(await page.locator('.map-panel').getAttribute('class')).toMatch(/replaying/);
    // The unit where it was then, by name; the incident open then, by its number, on the map and in words.
    await expect.poll(() => markerAt(page, 'unit-02')).toEqual({ lat: aLat, lon: aLon, name: 'PC 2781' });
    await expect.poll(() => page.locator(`.leaflet-overlay-pane path.incident[data-reference="${reference}"]`).count()).toBe(1);
    expect(await page.locator('#replay-incidents').textContent()).toBe(`Open incidents: ${reference} theft (reported)`);
    await screenshot(page, 'replay-map');
    // No serious or critical accessibility violation in the replay controls (axe-core, run through
    // the DevTools protocol, which the console's Content-Security-Policy does not govern).
    await page.evaluate(readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8'));
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(ctx: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: unknown[] }> }> } })
        .axe;
      const r = await axe.run({ include: [['#replay-bar'], ['#replay-banner']] });
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.nodes.length})`);
    });
    expect(violations).toEqual([]);

    // Step forward by keyboard: 10 s later the call was closed and the unit had moved on.
    const later = moment + 10_000;
    while (Date.now() < later + 500) await pause(100); // replay never goes past now
    await page.locator('#replay-forward').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => banner.textContent()).toBe(`REPLAY ${siteDateTime(later, tz)}`);
    await expect.poll(() => status.getAttribute('data-state')).toBe('ready');
    const lastFix = journal('radio.position', (e) => e.ts <= later).at(-1)!.payload as { lat: number; lon: number };
    await expect.poll(() => markerAt(page, 'unit-02')).toMatchObject({ lat: lastFix.lat, lon: lastFix.lon });
    expect(await page.locator('.leaflet-overlay-pane path.incident').count()).toBe(0);

    // Back to the moment, then play at 1×: the clock runs, the unit moves to B and on, the incident closes, the trail grows.
    await page.locator('#replay-when').fill(toSiteInput(moment, tz));
    await expect.poll(() => banner.textContent()).toBe(`REPLAY ${siteDateTime(moment, tz)}`);
    await expect.poll(() => status.getAttribute('data-state')).toBe('ready');
    await expect.poll(() => markerAt(page, 'unit-02')).toMatchObject({ lat: aLat });
    const requestsBefore = journal('state.time-travel', (e) => e.actor === 'controller').length;
    await page.locator('.replay-speed[data-speed="1"]').focus();
    await page.keyboard.press('Space');
    await expect.poll(() => page.locator('.replay-speed[data-speed="1"]').getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => markerAt(page, 'unit-02'), { timeout: 20_000 }).toMatchObject({ lat: bLat, lon: bLon });
    await expect.poll(() => page.locator('.leaflet-overlay-pane path.unit-trail[data-unit="unit-02"]').count()).toBe(1);
    await expect.poll(() => markerAt(page, 'unit-02'), { timeout: 20_000 }).toMatchObject({ lat: dLat, lon: dLon });
    expect(await page.locator('.leaflet-overlay-pane path.incident').count()).toBe(0);
    expect(Number(await banner.getAttribute('data-at'))).toBeGreaterThanOrEqual(d.ts);
    await screenshot(page, 'replay-playing');
    // Playing asked for events, not a state per step: no new time travel.
    expect(journal('state.time-travel', (e) => e.actor === 'controller').length).toBe(requestsBefore);
    expect(journal('state.replay', (e) => e.actor === 'controller').length).toBeGreaterThanOrEqual(2);
    // Paused (by key), the state at that moment is asked for once: units' states as the gateway derives them.
    const playedTo = Number(await banner.getAttribute('data-at'));
    await page.locator('#replay-pause').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => journal('state.time-travel', (e) => e.actor === 'controller').length).toBe(requestsBefore + 1);
    await expect.poll(() => status.getAttribute('data-state')).toBe('ready');
    expect(Number(await banner.getAttribute('data-at'))).toBeGreaterThanOrEqual(playedTo);
    await expect.poll(() => markerAt(page, 'unit-02')).toMatchObject({ lat: dLat, lon: dLon });

    // Moving the slider step by step does not pile requests up: one state request at a time, the latest wins.
    await page.evaluate(() => {
      const w = window as unknown as { stateRequests: { now: number; max: number; total: number } };
      w.stateRequests = { now: 0, max: 0, total: 0 };
      const original = window.fetch.bind(window);
      window.fetch = async (input, init) => {
        const counted = String(input instanceof Request ? input.url : input).includes('/api/state?at=');
        const c = w.stateRequests;
        if (counted) Object.assign(c, { now: c.now + 1, max: Math.max(c.max, c.now + 1), total: c.total + 1 });
        try {
          return await original(input, init);
        } finally {
          if (counted) c.now--;
        }
      };
    });
    const slider = page.locator('#replay-slider');
    await slider.focus();
    const start = Number(await slider.inputValue());
    expect((start - 4) * 1000).toBeGreaterThan([...gw.journal.replay()][0]!.ts); // within the journal: no clamping
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowLeft');
    await expect.poll(() => status.getAttribute('data-state')).toBe('ready');
    await expect.poll(() => banner.getAttribute('data-at')).toBe(String((start - 4) * 1000));
    expect(await slider.getAttribute('aria-valuetext')).toBe(siteDateTime((start - 4) * 1000, tz));
    const counted = await page.evaluate(() => (window as unknown as { stateRequests: { max: number; total: number } }).stateRequests);
    expect(counted.max).toBe(1);
    expect(counted.total).toBeGreaterThanOrEqual(1);
    expect(counted.total).toBeLessThanOrEqual(4);

    // Escape (or "Back to live") is the live map again, and the focus goes back to the button.
    await page.keyboard.press('Escape');
    await banner.waitFor({ state: 'hidden' });
    expect(await page.locator('.map-panel').getAttribute('class')).not.toMatch(/replaying/);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('replay-open');
    await expect.poll(() => markerAt(page, 'unit-02')).toMatchObject({ lat: dLat, lon: dLon });
    expect(s.errors).toEqual([]);
  });

  it('gives a role that may not replay no control, and the gateway refuses it (403)', async () => {
    const s = await newSession(browser);
    sessions.push(s);
    const page = s.page;
    await loginAs(page, base, 'engineer');
    await page.goto(`${base}/map`);
    await page.locator('#connection[data-state="live"]').waitFor();
    await page.locator('#unit-table').waitFor();
    expect(await page.locator('#replay-open, #replay-bar').count()).toBe(0);
    const at = new Date(Date.now() - 60_000).toISOString();
    const statuses = await page.evaluate(async (t) => {
      const r1 = await fetch(`/api/replay?from=${encodeURIComponent(new Date(Date.parse(t) - 60_000).toISOString())}&to=${encodeURIComponent(t)}`);
      const r2 = await fetch(`/api/state?at=${encodeURIComponent(t)}`);
      return [r1.status, r2.status];
    }, at);
    expect(statuses).toEqual([403, 403]);
    expect(journal('state.replay', (e) => e.actor === 'engineer')).toEqual([]);
    expect(s.errors.filter((e) => !/status of 403/.test(e))).toEqual([]);
  });
});
