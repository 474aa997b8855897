import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { JournalEvent } from '../../gateway/journal/types';
import { Handset } from '../../simulators/radio/handset';
import { demoPassword, eventually, login, startGateway, testConfig, withCsrf } from '../helpers/gateway';
import { launchChromium, loginAs, newSession, screenshot, type Session } from './browser';

/**
 * The units table and the incident board against the gateway's own projections, in a real
 * Chromium: a unit's state follows dispatch, arrival, close and emergency exactly as the
 * gateway ranks and records it, with no reload; and arrival means arrival.
 */
// A browser, a gateway and simulators share two cores with the rest of the suite: give them time.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
let gw: Gateway;
let base: string;
let browser: Browser;
const sessions: Session[] = [];
const handsets: Handset[] = [];

async function call<T>(user: string, method: string, path: string, body?: unknown): Promise<T> {
  const cookie = await login(gw.httpPort, user);
  const res = await fetch(`${base}${path}`, { method, headers: { ...withCsrf(cookie), 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await res.json()) as { data?: T; error?: { message: string } };
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${json.error?.message ?? ''}`);
  return json.data!;
}

async function session(username: string): Promise<Session> {
  const s = await newSession(browser);
  sessions.push(s);
  await loginAs(s.page, base, username);
  return s;
}

async function handset(issi: number, startZone: string): Promise<Handset> {
  const h = new Handset({ url: `mqtt://127.0.0.1:${gw.broker.port}`, issi, username: `radio-${issi}`, password: demoPassword(`radio-${issi}`), config: gw.config, startZone, seed: issi });
  await h.connect();
  handsets.push(h);
  return h;
}

const journal = (type: string, where: (e: JournalEvent) => boolean = () => true) => [...gw.journal.replay()].filter((e) => e.type === type && where(e));
const shownState = (page: Page, unitId: string) => page.locator(`#unit-table tr[data-unit="${unitId}"] td:nth-child(2)`).textContent();

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
  await Promise.all(handsets.map((h) => h.close().catch(() => undefined)));
  await gw?.stop();
});

describe('the units table is the gateway\'s units projection', () => {
  it('follows dispatch, arrival, close and emergency without a reload, as the gateway ranks them', async () => {
    const h = await handset(2002, 'market-square');
    await h.status(32768);
    await h.move(1);
    const s = await session('controller');
    await s.page.goto(`${base}/map`);
    await s.page.locator('#connection[data-state="live"]').waitFor();
    await expect.poll(() => shownState(s.page, 'unit-02')).toBe('Available');

    const incident = await call<{ incidentId: string }>('controller', 'POST', '/api/incidents', { category: 'theft', description: 'Bottles taken', place: { premisesId: 'prem-004' } });
    await call('controller', 'POST', `/api/incidents/${incident.incidentId}/grade`, { grade: 'priority' });
    await call('controller', 'POST', `/api/incidents/${incident.incidentId}/dispatch`, { unitId: 'unit-02' });
    // Sent: en route at the gateway, and on the screen.
    expect(gw.projections.units.get('unit-02')!.state).toBe('en-route');
    await expect.poll(() => shownState(s.page, 'unit-02')).toBe('En route');

    await h.status(32770);
    await eventually(() => gw.projections.units.get('unit-02')!.state === 'on-scene', 10_000, 'on scene');
    await expect.poll(() => shownState(s.page, 'unit-02')).toBe('On scene');

    // Closing the incident releases its unit: available again, and in the next ranking.
    await call('controller', 'POST', `/api/incidents/${incident.incidentId}/close`, { outcome: 'resolved' });
    expect(journal('incident.closed', (e) => e.ref === incident.incidentId).map((e) => e.actor)).toEqual(['controller']);
    expect(gw.projections.units.get('unit-02')!.state).toBe('available');
    await expect.poll(() => shownState(s.page, 'unit-02')).toBe('Available');
    const next = await call<{ incidentId: string }>('controller', 'POST', '/api/incidents', { category: 'theft', description: 'Again', place: { premisesId: 'prem-003' } });
    await call('controller', 'POST', `/api/incidents/${next.incidentId}/grade`, { grade: 'priority' });
    const ranking = await call<{ ranked: Array<{ unitId: string }>; excluded: Array<{ unitId: string; reason: string }> }>('controller', 'GET', `/api/incidents/${next.incidentId}/candidates`);
    expect(ranking.ranked.map((r) => r.unitId)).toContain('unit-02');

    // An emergency shows as EMERGENCY, not as the status before it, and takes the unit out of the ranking.
    await h.emergency('pressed');
    await eventually(() => gw.projections.emergencies.openFor('unit-02') !== undefined, 10_000, 'emergency raised');
    await expect.poll(() => shownState(s.page, 'unit-02')).toBe('EMERGENCY');
    expect(await s.page.locator('#unit-table tr[data-unit="unit-02"]').getAttribute('class')).toMatch(/in-emergency/);
    const during = await call<{ excluded: Array<{ unitId: string; reason: string }> }>('controller', 'GET', `/api/incidents/${next.incidentId}/candidates`);
    expect(during.excluded).toContainEqual(expect.objectContaining({ unitId: 'unit-02', reason: 'not-available' }));
    await screenshot(s.page, 'units-emergency');
    const em = gw.projections.emergencies.openFor('unit-02')!;
    await call('controller', 'POST', `/api/emergencies/${em.id}/acknowledge`, {});
    await call('controller', 'POST', `/api/emergencies/${em.id}/resolve`, { outcome: 'false' });
    await expect.poll(() => shownState(s.page, 'unit-02')).toBe('Available');

    // A fresh console (a reload) shows exactly what the live one came to.
    const fresh = await session('controller');
    await fresh.page.goto(`${base}/map`);
    await expect.poll(() => shownState(fresh.page, 'unit-02')).toBe('Available');
    expect(s.errors).toEqual([]);
  });
});
