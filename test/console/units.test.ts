import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { JournalEvent } from '../../gateway/journal/types';
import { Handset } from '../../simulators/radio/handset';
import { connectMqtt, demoPassword, eventually, login, startGateway, testConfig, withCsrf } from '../helpers/gateway';
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
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...withCsrf(cookie), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
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
  const h = new Handset({
    url: `mqtt://127.0.0.1:${gw.broker.port}`,
    issi,
    username: `radio-${issi}`,
    password: demoPassword(`radio-${issi}`),
    config: gw.config,
    startZone,
    seed: issi,
  });
  await h.connect();
  handsets.push(h);
  return h;
}

const journal = (type: string, where: (e: JournalEvent) => boolean = () => true) => [...gw.journal.replay()].filter((e) => e.type === type && where(e));
const shownState = (page: Page, unitId: string) => page.locator(`#unit-table tr[data-unit="${unitId}"] td:nth-child(2)`).textContent();

beforeAll(async () => {
  // Arrival by position needs the fixes held near the incident for a second here (30 s by default).
  gw = await startGateway(testConfig((doc) => ((doc.incidents as Record<string, unknown>).arrivalHoldSeconds = 1)).config);
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

describe("the units table is the gateway's units projection", () => {
  it('follows dispatch, arrival, close and emergency without a reload, as the gateway ranks them', async () => {
    const h = await handset(2002, 'market-square');
    await h.status(32768);
    await h.move(1);
    const s = await session('controller');
    await s.page.goto(`${base}/map`);
    await s.page.locator('#connection[data-state="live"]').waitFor();
    await expect.poll(() => shownState(s.page, 'unit-02')).toBe('Available');

    const incident = await call<{ incidentId: string }>('controller', 'POST', '/api/incidents', {
      category: 'theft',
      description: 'Bottles taken',
      place: { premisesId: 'prem-004' },
    });
    await call('controller', 'POST', `/api/incidents/${incident.incidentId}/grade`, { grade: 'priority' });
    await call('controller', 'POST', `/api/incidents/${incident.incidentId}/dispatch`, { unitId: 'unit-02' });
    // Sent: en route at the gateway, and on the screen.
    expect(gw.projections.units.get('unit-02')!.state).toBe('en-route');
    await expect.poll(() => shownState(s.page, 'unit-02')).toBe('En route');

    await h.status(32770);
    await eventually(() => gw.projections.units.get('unit-02')!.state === 'on-scene', 10_000, 'on scene');
    await expect.poll(() => shownState(s.page, 'unit-02')).toBe('On scene');

    // Closing the incident releases its unit: available again, and in the next ranking.
    await call('controller', 'POST', `/api/incidents/${incident.incidentId}/close`, { outcome: 'resolved', note: 'Dealt with on scene' });
    expect(journal('incident.closed', (e) => e.ref === incident.incidentId).map((e) => e.actor)).toEqual(['controller']);
    expect(gw.projections.units.get('unit-02')!.state).toBe('available');
    await expect.poll(() => shownState(s.page, 'unit-02')).toBe('Available');
    const next = await call<{ incidentId: string }>('controller', 'POST', '/api/incidents', {
      category: 'theft',
      description: 'Again',
      place: { premisesId: 'prem-003' },
    });
    await call('controller', 'POST', `/api/incidents/${next.incidentId}/grade`, { grade: 'priority' });
    const ranking = await call<{ ranked: Array<{ unitId: string }>; excluded: Array<{ unitId: string; reason: string }> }>(
      'controller',
      'GET',
      `/api/incidents/${next.incidentId}/candidates`,
    );
    expect(ranking.ranked.map((r) => r.unitId)).toContain('unit-02');

    // An emergency shows as EMERGENCY, not as the status before it, and takes the unit out of the ranking.
    await h.emergency('pressed');
    await eventually(() => gw.projections.emergencies.openFor('unit-02') !== undefined, 10_000, 'emergency raised');
    await expect.poll(() => shownState(s.page, 'unit-02')).toBe('EMERGENCY');
    expect(await s.page.locator('#unit-table tr[data-unit="unit-02"]').getAttribute('class')).toMatch(/in-emergency/);
    const during = await call<{ excluded: Array<{ unitId: string; reason: string }> }>('controller', 'GET', `/api/incidents/${next.incidentId}/candidates`);
    expect(during.excluded).toContainEqual(expect.objectContaining({ unitId: 'unit-02', reason: 'emergency' }));
    await screenshot(s.page, 'units-emergency');
    const em = gw.projections.emergencies.openFor('unit-02')!;
    await call('controller', 'POST', `/api/emergencies/${em.id}/acknowledge`, {});
    await call('controller', 'POST', `/api/emergencies/${em.id}/resolve`, { outcome: 'false', note: 'Pocket press' });
    await expect.poll(() => shownState(s.page, 'unit-02')).toBe('Available');

    // A fresh console (a reload) shows exactly what the live one came to.
    const fresh = await session('controller');
    await fresh.page.goto(`${base}/map`);
    await expect.poll(() => shownState(fresh.page, 'unit-02')).toBe('Available');
    expect(s.errors).toEqual([]);
  });
});

describe('arrival that means arrival', () => {
  it("is not on scene at the incident's point until the radio acknowledged the dispatch and the unit stayed there", async () => {
    // PC 3340's radio: a raw MQTT client, so the test decides when it acknowledges and where it is.
    const radio = await connectMqtt(gw.broker.port, 'radio-2003');
    const [lon, lat] = gw.config.premises.find((p) => p.id === 'prem-004')!.position;
    const fixAt = (dLat = 0) =>
      radio.publishAsync('tw/v1/radio/2003/position', JSON.stringify({ lat: lat + dLat, lon, accuracyM: 5, fixTime: new Date().toISOString() }), { qos: 1 });
    await radio.publishAsync('tw/v1/radio/2003/status', JSON.stringify({ value: 32768 }), { qos: 1 });
    await fixAt(0.0001);
    await eventually(() => gw.projections.units.get('unit-03')!.fix !== null, 10_000, 'first fix');

    const s = await session('controller');
    await s.page.goto(`${base}/incidents`);
    const incident = await call<{ incidentId: string }>('controller', 'POST', '/api/incidents', {
      category: 'theft',
      description: 'Whisky taken at Northgate',
      place: { premisesId: 'prem-004' },
    });
    const id = incident.incidentId;
    await call('controller', 'POST', `/api/incidents/${id}/grade`, { grade: 'priority' });
    await call('controller', 'POST', `/api/incidents/${id}/dispatch`, { unitId: 'unit-03' });
    const card = s.page.locator(`.incident-card[data-incident="${id}"]`);
    await expect.poll(() => card.getAttribute('data-state')).toBe('dispatched');
    await expect.poll(() => card.locator('[data-unit="unit-03"]').textContent()).toMatch(/PC 3340 \(dispatch not yet acknowledged\)/);
    await expect.poll(() => card.locator('.response-clock').textContent()).toMatch(/^Response clock \d+ s of 30 min$/);

    // Standing at the shop's door for over the hold time, the dispatch never acknowledged: not arrival.
    await fixAt();
    await new Promise((r) => setTimeout(r, 1200));
    await fixAt();
    await radio.publishAsync('tw/v1/radio/2003/status', JSON.stringify({ value: 32769 }), { qos: 1 });
    await eventually(() => gw.projections.units.get('unit-03')!.statusValue === 32769, 10_000, 'status journaled after the fixes');
    expect(journal('incident.on-scene', (e) => e.ref === id)).toEqual([]);
    expect(await card.getAttribute('data-state')).toBe('dispatched');
    await screenshot(s.page, 'incident-dispatched-unacknowledged');

    // The radio acknowledges; the receipt shows; fixes held near the point are arrival.
    const msgId = gw.projections.incidents.get(id)!.units[0]!.msgId;
    await radio.publishAsync('tw/v1/radio/2003/receipt', JSON.stringify({ msgId, status: 'delivered' }), { qos: 1 });
    await expect.poll(() => card.locator('[data-unit="unit-03"]').textContent()).toMatch(/PC 3340 \(dispatch received\)/);
    await fixAt();
    await new Promise((r) => setTimeout(r, 1200));
    await fixAt();
    await eventually(() => gw.projections.incidents.get(id)!.state === 'on-scene', 10_000, 'on scene by position');
    const arrival = journal('incident.on-scene', (e) => e.ref === id)[0]!;
    expect(arrival.payload).toMatchObject({ unitId: 'unit-03', by: 'position' });
    const dispatchedAt = journal('incident.dispatched', (e) => e.ref === id)[0]!.ts;
    const record = gw.projections.incidents.get(id)!;
    // Measured from the dispatch to the held arrival: not the 0-2 s of a fix already in the zone.
    expect(record.responseSeconds).toBe(Math.round((arrival.ts - dispatchedAt) / 1000));
    expect(record.responseSeconds).toBeGreaterThanOrEqual(2);
    const onScene = s.page.locator(`ol[data-column="on-scene"] .incident-card[data-incident="${id}"]`);
    await onScene.waitFor();
    expect(await onScene.locator('.response-clock').textContent()).toMatch(/^On scene \d+ s after the report, \d+ s after dispatch: within the 30 min target$/);
    await screenshot(s.page, 'incident-on-scene');
    await radio.endAsync();
    expect(s.errors).toEqual([]);
  });
});

describe('taking a call', () => {
  it('turns a 101 call into a graded incident with a reference number and a running response clock', async () => {
    const s = await session('controller');
    await s.page.goto(`${base}/incidents`);
    await s.page.locator('#connection[data-state="live"]').waitFor();
    await s.page.getByLabel('Came in by').selectOption('101');
    await s.page.getByLabel('Category', { exact: true }).selectOption('violence');
    await s.page.getByLabel('What happened').fill('Caller reports two men fighting outside the bank');
    await s.page.getByLabel('or zone').selectOption('market-square');
    await s.page.getByLabel('Grade', { exact: true }).selectOption('immediate');
    await s.page.getByRole('button', { name: 'Open incident' }).click();

    const card = s.page.locator('.incident-card', { hasText: 'two men fighting' });
    await card.waitFor();
    await expect.poll(() => card.getAttribute('data-state')).toBe('graded');
    const id = (await card.getAttribute('data-incident'))!;
    const reported = journal('incident.reported', (e) => e.ref === id);
    expect(reported.map((e) => [e.actor, (e.payload as { channel?: string }).channel])).toEqual([['controller', '101']]);
    expect(journal('incident.graded', (e) => e.ref === id).map((e) => e.actor)).toEqual(['controller']);
    const reference = gw.projections.incidents.get(id)!.reference!;
    expect(reference).toMatch(/^TW-\d{4}-\d{6}$/);
    expect(await card.locator('header').textContent()).toMatch(new RegExp(`^${reference} violence Grade 1 - Immediate · 101 call$`));
    await expect.poll(() => card.locator('.response-clock').textContent()).toMatch(/^Response clock \d+ s of 10 min$/);
    expect(await s.page.locator('#toast').textContent()).toBe(`Incident ${reference} opened`);
    expect(await s.page.locator('#call-description').inputValue()).toBe('');
    await screenshot(s.page, 'call-taking');
    expect(s.errors).toEqual([]);
  });
});

describe('subjects and orders from the console', () => {
  it('adds a subject with markers, edits him, and records, issues, extends and revokes his exclusion order', async () => {
    const s = await session('police');
    await s.page.goto(`${base}/subjects`);
    await s.page.getByLabel('Name', { exact: true }).fill('Dean Hollis');
    await s.page.locator('#subject-description').fill('Tall male, shaved head, green parka');
    await s.page.getByLabel('violence').check();
    await s.page.getByRole('button', { name: 'Add subject' }).click();
    await expect.poll(() => s.page.locator('#subject-title').textContent()).toBe('Dean Hollis');
    expect(await s.page.locator('#subject-detail').textContent()).toMatch(/Known · markers: violence/);
    const created = journal('subject.created', (e) => (e.payload as { name?: string }).name === 'Dean Hollis');
    expect(created.map((e) => e.actor)).toEqual(['police']);
    const subjectId = (created[0]!.payload as { subjectId: string }).subjectId;

    await s.page.locator('#subject-edit-description').fill('Tall male, shaved head, green parka, limps');
    await s.page.getByRole('button', { name: 'Save changes' }).click();
    await eventually(() => journal('subject.updated', (e) => e.ref === subjectId).length === 1, 10_000, 'subject updated');
    expect(journal('subject.updated', (e) => e.ref === subjectId)[0]!.actor).toBe('police');

    // A warning first, then issued, extended and revoked, each by this officer.
    await s.page.locator('#order-reference').fill('DT/0099');
    await s.page.locator('#order-conditions').fill('Must not enter the Market Square.');
    await s.page.getByLabel('Market Square', { exact: true }).check();
    await s.page.locator('#order-state').selectOption('warning');
    await s.page.getByRole('button', { name: 'Record order' }).click();
    const order = s.page.locator('#subject-orders li[data-order]');
    await expect.poll(() => order.getAttribute('data-state')).toBe('warning');
    expect(await order.textContent()).toMatch(/DT\/0099 warning · Market Square · until/);
    const cboId = (await order.getAttribute('data-order'))!;
    await order.locator('[data-action="issue"]').click();
    await expect.poll(() => order.getAttribute('data-state')).toBe('issued');
    await order.locator('[data-action="extend"]').click();
    await expect.poll(() => order.getAttribute('data-state')).toBe('extended');
    await screenshot(s.page, 'subjects-orders');
    await order.getByLabel('Reason to revoke DT/0099').fill('Order varied by the court');
    await order.locator('[data-action="revoke"]').click();
    await expect.poll(() => order.getAttribute('data-state')).toBe('revoked');
    for (const type of ['cbo.warning', 'cbo.issued', 'cbo.extended', 'cbo.revoked']) {
      expect(
        journal(type, (e) => e.ref === cboId).map((e) => e.actor),
        type,
      ).toEqual(['police']);
    }
    expect([...gw.projections.cbos.all()].find((c) => c.id === cboId)?.state).toBe('revoked');
    expect(s.errors).toEqual([]);
  });
});
