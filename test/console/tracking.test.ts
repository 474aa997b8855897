import type { MqttClient } from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { JournalEvent } from '../../gateway/journal/types';
import { Handset } from '../../simulators/radio/handset';
import { connectMqtt, demoPassword, eventually, login, startGateway, testConfig, withCsrf } from '../helpers/gateway';
import { launchChromium, loginAs, newSession, screenshot, type Session } from './browser';

/**
 * The tracking and dispatch panels in a real Chromium: shop reports on the incidents board,
 * grading and dispatching from it, a subject's track with predictions and camera handover,
 * an operator marking a sighting that breaches a CBO, the breach alarm, a member's report.
 */
// A browser, a gateway and simulators share two cores with the rest of the suite: give them time.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
let gw: Gateway;
let base: string;
let browser: Browser;
const sessions: Session[] = [];
const closers: Array<() => Promise<unknown>> = [];
let subjectId: string;

async function call<T>(user: string, method: string, path: string, body?: unknown): Promise<T> {
  const cookie = await login(gw.httpPort, user);
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...withCsrf(cookie), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { data?: T; error?: { message: string } };
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${json.error?.message ?? ''}`);
  return json.data!;
}

async function device(username: string): Promise<MqttClient> {
  const c = await connectMqtt(gw.broker.port, username);
  closers.push(() => c.endAsync());
  return c;
}

async function session(username: string): Promise<Session> {
  const s = await newSession(browser);
  sessions.push(s);
  await loginAs(s.page, base, username);
  return s;
}

const journal = (type: string, where: (e: JournalEvent) => boolean = () => true) => [...gw.journal.replay()].filter((e) => e.type === type && where(e));

beforeAll(async () => {
  gw = await startGateway(testConfig().config);
  base = `http://127.0.0.1:${gw.httpPort}`;
  browser = await launchChromium();
  // The police record a known shoplifter and his order: not to enter the Bus Station.
  subjectId = (
    await call<{ id: string }>('police', 'POST', '/api/subjects', {
      status: 'known',
      name: 'Jordan Reece',
      description: 'Slim male, grey hoodie, black cap',
      features: ['build:slim'],
      sharedWithMembers: true,
    })
  ).id;
  await call('police', 'POST', '/api/cbos', {
    subjectId,
    conditions: 'Must not enter the Bus Station.',
    excludedZones: ['bus-station'],
    reference: 'DT/0042',
    startsAt: new Date(Date.now() - 86_400_000).toISOString(),
    expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
  });
}, 60_000);

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.context.close().catch(() => undefined)));
});

afterAll(async () => {
  await browser?.close();
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await gw?.stop();
});

describe('the incidents board', () => {
  it('shows a shop report; the controller grades, ranks units by walking time and dispatches from the board', async () => {
    const h = new Handset({
      url: `mqtt://127.0.0.1:${gw.broker.port}`,
      issi: 2002,
      username: 'radio-2002',
      password: demoPassword('radio-2002'),
      config: gw.config,
      startZone: 'market-square',
      seed: 2,
    });
    await h.connect();
    closers.push(() => h.close());
    await h.status(32768);
    await h.move(1);
    const s = await session('controller');
    await s.page.goto(`${base}/incidents`);
    const shop = await device('shop-prem-013');
    await shop.publishAsync(
      'tw/v1/shop/prem-013/report',
      JSON.stringify({ kind: 'incident', category: 'theft', occurredAt: new Date().toISOString(), description: 'Six packs of razor blades taken' }),
      { qos: 1 },
    );

    const card = s.page.locator('.incident-card', { hasText: 'razor blades' });
    await card.waitFor();
    expect(await card.evaluate((el) => el.closest('ol')?.dataset.column)).toBe('new');
    expect(await card.textContent()).toMatch(/FreshWay Supermarket, Victoria Centre/);
    const id = (await card.getAttribute('data-incident'))!;

    // Named by its TW number, not its id.
    await card.getByLabel(/^Grade of TW-\d{4}-\d{6}$/).selectOption('priority');
    await eventually(() => journal('incident.graded', (e) => (e.payload as { incidentId: string }).incidentId === id).length === 1, 10_000, 'graded');
    await expect.poll(() => card.getAttribute('data-state')).toBe('graded');
    await card.locator('[data-action="candidates"]').click();
    const send = card.locator('[data-action="dispatch"][data-unit="unit-02"]');
    await send.waitFor();
    await send.click();
    await eventually(() => journal('incident.dispatched', (e) => (e.payload as { incidentId: string }).incidentId === id).length === 1, 10_000, 'dispatched');
    const dispatched = journal('incident.dispatched', (e) => (e.payload as { incidentId: string }).incidentId === id)[0]!;
    expect([dispatched.actor, (dispatched.payload as { unitId: string }).unitId]).toEqual(['controller', 'unit-02']);
    const moved = s.page.locator('ol[data-column="dispatched"] .incident-card', { hasText: 'razor blades' });
    await moved.waitFor();
    expect(await moved.textContent()).toMatch(/PC 2781/);
    await screenshot(s.page, 'incidents');
    expect(s.errors).toEqual([]);
  });
});

describe('tracking a subject', () => {
  it('builds the track with predictions and handover, draws it with the exclusion zone, and alarms a breach an operator marks', async () => {
    const shop = await device('shop-prem-007');
    await shop.publishAsync(
      'tw/v1/shop/prem-007/report',
      JSON.stringify({ kind: 'sighting', category: 'suspicious', occurredAt: new Date().toISOString(), description: 'Came in, left heading east', subjectId }),
      { qos: 1 },
    );
    const controller = await session('controller');
    await controller.page.goto(`${base}/tracking`);
    const entry = controller.page.locator(`#track-list button[data-subject="${subjectId}"]`);
    await entry.waitFor();
    await entry.click();
    await expect.poll(() => controller.page.locator('#track-timeline').textContent()).toMatch(/Bridge Street/);
    await expect.poll(() => controller.page.locator('#predicted-zones li').count()).toBeGreaterThan(0);
    expect(await controller.page.locator('#handover li').count()).toBeGreaterThan(0);
    expect(await controller.page.locator('#track-detail').textContent()).toMatch(/CBO DT\/0042/);
    await screenshot(controller.page, 'tracking');

    await controller.page.locator('[data-action="show-on-map"]').click();
    const head = controller.page.locator('.leaflet-overlay-pane path.track-head');
    await head.waitFor();
    // Names, not ids, on the map too.
    await head.dispatchEvent('mouseover');
    await expect.poll(() => controller.page.locator('.leaflet-tooltip', { hasText: 'last seen' }).textContent()).toBe('Jordan Reece, last seen');
    expect(await controller.page.locator('.leaflet-overlay-pane path.exclusion').count()).toBeGreaterThan(0);
    expect(await controller.page.locator('.leaflet-overlay-pane path.predicted').count()).toBeGreaterThan(0);
    await screenshot(controller.page, 'tracking-map');

    // A CCTV operator follows him into the Bus Station and marks him on its camera.
    const operator = await session('operator');
    await operator.page.goto(`${base}/tracking?subject=${subjectId}`);
    await operator.page.locator('#sighting-camera').selectOption('cam-06');
    await operator.page.locator('#sighting-note').fill('On the concourse');
    await operator.page.getByRole('button', { name: 'Mark sighting now' }).click();
    await eventually(() => journal('sighting.reported', (e) => e.actor === 'operator').length === 1, 10_000, 'sighting reported');

    const alarm = controller.page.locator('.alarms [data-breach]');
    await alarm.waitFor({ timeout: 15_000 });
    // Names, not ids: who, where and the order as written on it.
    await expect.poll(() => alarm.textContent()).toMatch(/CBO BREACH.*Jordan Reece seen in Bus Station at \d\d:\d\d:\d\d \(order DT\/0042\)/);
    expect(await alarm.textContent()).not.toMatch(/subj-|cbo-/);
    await screenshot(controller.page, 'breach');
    const breachId = (await alarm.getAttribute('data-breach'))!;
    await alarm.locator('[data-action="acknowledge-breach"]').click();
    await eventually(() => journal('breach.acknowledged', (e) => e.ref === breachId).length === 1, 10_000, 'breach acknowledged');
    expect(journal('breach.acknowledged', (e) => e.ref === breachId)[0]!.actor).toBe('controller');
    await alarm.waitFor({ state: 'detached' });
    expect(controller.errors).toEqual([]);
    expect(operator.errors).toEqual([]);
  });
});

describe('hotspots', () => {
  it('draws reports per zone and hour, and points to the replay on the map', async () => {
    const s = await session('controller');
    await s.page.goto(`${base}/hotspots`);
    // The theft at the FreshWay Supermarket (Victoria Centre) reported above is counted in its row.
    const counts = () => s.page.locator('#hotspots tr[data-zone="victoria-centre"] td').allTextContents();
    await expect.poll(async () => (await counts()).map(Number).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    await screenshot(s.page, 'hotspots');
    // Replay is on the map now (test/console/replay.test.ts): the link goes there.
    await s.page.locator('#replay-link').click();
    await expect.poll(() => s.page.evaluate(() => location.pathname)).toBe('/map');
    await s.page.locator('#replay-open').waitFor();
    expect(s.errors).toEqual([]);
  });
});

describe("a member's page", () => {
  it('sends a report journaled with the member, lists it, and shows the orders shared with members', async () => {
    const s = await session('member');
    expect(s.page.url()).toBe(`${base}/premises`);
    await s.page.locator('#report-kind').selectOption('sighting');
    await s.page.locator('#report-category').selectOption('suspicious');
    await s.page.locator('#report-description').fill('Man in a grey hoodie hanging around the counter');
    await s.page.getByRole('button', { name: 'Send report' }).click();
    await eventually(() => journal('shop.report', (e) => e.actor === 'member').length === 1, 10_000, 'member report');
    expect(journal('shop.report', (e) => e.actor === 'member')[0]!.payload).toMatchObject({ premisesId: 'prem-001', kind: 'sighting', category: 'suspicious' });
    await expect.poll(() => s.page.locator('#shared-subjects').textContent()).toMatch(/grey hoodie.*Bus Station/);
    expect(await s.page.locator('#shared-subjects').textContent()).not.toMatch(/Jordan|Reece/);
    await screenshot(s.page, 'member');
    expect(s.errors).toEqual([]);
  });
});
