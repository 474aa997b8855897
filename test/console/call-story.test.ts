import type { MqttClient } from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { JournalEvent } from '../../gateway/journal/types';
import { connectMqtt, eventually, startGateway, testConfig } from '../helpers/gateway';
import { launchChromium, loginAs, newSession, screenshot, type Session } from './browser';

/**
 * Issue 16's story in a real Chromium: a call becomes an incident that is dispatched, reached
 * (by the unit's own status) and closed with an outcome and a response time. The controller
 * works the keyboard first (Alt+N), clicks the place on the map, sees why units are left out
 * of the ranking and the radio's receipt of the dispatch; each step is journaled with its actor.
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

describe('a call becomes an incident', () => {
  it('is taken, dispatched, reached by status and closed with an outcome and a response time', async () => {
    // PC 2781's handset, available near the Market Square: a raw MQTT client, so the test decides when it answers.
    radio = await connectMqtt(gw.broker.port, 'radio-2002');
    const downlinks: Array<{ msgId: string; kind: string; text: string }> = [];
    await radio.subscribeAsync('tw/v1/radio/2002/down', { qos: 1 });
    radio.on('message', (_t, m) => downlinks.push(JSON.parse(m.toString()) as { msgId: string; kind: string; text: string }));
    const [lon, lat] = gw.config.premises.find((p) => p.id === 'prem-003')!.position;
    await radio.publishAsync('tw/v1/radio/2002/status', JSON.stringify({ value: 32768 }), { qos: 1 });
    await radio.publishAsync('tw/v1/radio/2002/position', JSON.stringify({ lat, lon, accuracyM: 5, fixTime: new Date().toISOString() }), { qos: 1 });
    await eventually(() => gw.projections.units.get('unit-02')?.fix !== null, 10_000, 'a fix');

    const s = await newSession(browser);
    sessions.push(s);
    const page = s.page;
    await loginAs(page, base, 'controller');
    await page.goto(`${base}/map`);
    await page.locator('#connection[data-state="live"]').waitFor();

    // Keyboard first: Alt+N from anywhere lands on the first field of a new incident.
    await page.keyboard.press('Alt+KeyN');
    await expect.poll(() => page.evaluate(() => location.pathname)).toBe('/incidents');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('call-channel');
    await page.keyboard.press('ArrowDown'); // 101 call → 999 transfer
    expect(await page.locator('#call-channel').inputValue()).toBe('999');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Sam Carter');
    await page.keyboard.press('Tab');
    await page.keyboard.type('07700 900123');
    await page.getByLabel('Category', { exact: true }).selectOption('violence');
    await page.getByLabel('What happened').fill('Two men fighting outside the bakery, one has a bottle');
    // The place the caller describes, clicked on the map: the form says which zone it fell in.
    const map = page.locator('#call-map');
    await map.waitFor();
    const box = (await map.boundingBox())!;
    await map.click({ position: { x: box.width / 2, y: box.height / 2 } });
    const said = (await page.locator('#call-point').textContent())!;
    expect(said).toMatch(/^Point on the map, (in .+|outside every zone)$/);
    await page.getByLabel('Grade', { exact: true }).selectOption('immediate');
    await screenshot(page, 'call-new-incident');
    await page.getByRole('button', { name: 'Open incident' }).click();

    const card = page.locator('.incident-card', { hasText: 'Two men fighting' });
    await card.waitFor();
    await expect.poll(() => card.getAttribute('data-state')).toBe('graded');
    const id = (await card.getAttribute('data-incident'))!;
    const incident = gw.projections.incidents.get(id)!;
    const reference = incident.reference!;
    expect(reference).toMatch(/^TW-\d{4}-\d{6}$/);
    const reported = journal('incident.reported', (e) => e.ref === id)[0]!;
    expect(reported.actor).toBe('controller');
    expect(reported.payload).toMatchObject({ channel: '999', caller: { name: 'Sam Carter', phone: '07700 900123' } });
    // The zone the form named is the one the gateway filed it in.
    const zoneName = gw.config.zones.find((z) => z.id === incident.zone)?.name;
    expect(said).toBe(zoneName ? `Point on the map, in ${zoneName}` : 'Point on the map, outside every zone');
    expect(await page.locator('#toast').textContent()).toBe(`Incident ${reference} opened`);
    expect(await card.locator('header').textContent()).toBe(`${reference} violence Grade 1 - Immediate · 999 transfer`);
    // Who called is not in the live picture: the controller asks the incident's record for it.
    expect(await card.locator('.caller').textContent()).toBe('Caller on file Show caller');
    expect(await page.evaluate(() => document.body.innerHTML.includes('900123'))).toBe(false);
    await card.locator('[data-action="show-caller"]').click();
    await expect.poll(() => card.locator('.caller').textContent()).toBe('Caller: Sam Carter, 07700 900123');
    expect(journal('incident.caller-viewed', (e) => e.ref === id).map((e) => e.actor)).toEqual(['controller']); // the look is on the record
    await expect.poll(() => card.locator('.response-clock').textContent()).toMatch(/^Response clock \d+ s of 10 min$/);
    // The form is ready for the next call.
    expect(await page.locator('#call-caller-name').inputValue()).toBe('');
    expect(await page.locator('#call-point').textContent()).toBe('or click the map');

    // The units that could go, and why the others cannot, in words.
    await card.locator('[data-action="candidates"]').click();
    const send = card.locator('[data-action="dispatch"][data-unit="unit-02"]');
    await send.waitFor();
    expect(await card.locator('.excluded [data-unit="unit-09"]').textContent()).toBe('WARDEN 3: no fix yet');
    await send.click();

    // Dispatched: the radio got the text with the reference; the card says it has not answered yet.
    await expect.poll(() => card.getAttribute('data-state')).toBe('dispatched');
    const chip = card.locator('[data-unit="unit-02"]');
    await expect.poll(() => chip.textContent()).toBe('PC 2781 (dispatch not yet acknowledged)');
    const dispatch = await eventually(() => downlinks.find((d) => d.kind === 'dispatch'), 10_000, 'the dispatch downlink');
    expect(dispatch.text).toMatch(new RegExp(`Ref ${reference}$`));
    expect(journal('incident.dispatched', (e) => e.ref === id).map((e) => e.actor)).toEqual(['controller']);
    await radio.publishAsync('tw/v1/radio/2002/receipt', JSON.stringify({ msgId: dispatch.msgId, status: 'delivered' }), { qos: 1 });
    await expect.poll(() => chip.textContent()).toBe('PC 2781 (dispatch received)');

    // Reached: the officer's own "on scene" status.
    await radio.publishAsync('tw/v1/radio/2002/status', JSON.stringify({ value: 32770 }), { qos: 1 });
    const onScene = page.locator(`ol[data-column="on-scene"] .incident-card[data-incident="${id}"]`);
    await onScene.waitFor();
    const arrival = journal('incident.on-scene', (e) => e.ref === id)[0]!;
    expect(arrival.payload).toMatchObject({ unitId: 'unit-02', by: 'status' });
    const dispatchedAt = journal('incident.dispatched', (e) => e.ref === id)[0]!.ts;
    const responseSeconds = Math.round((arrival.ts - dispatchedAt) / 1000);
    expect(gw.projections.incidents.get(id)!.responseSeconds).toBe(responseSeconds);
    const responseText = new RegExp(`^On scene \\d+ s after the report, ${responseSeconds} s after dispatch: within the 10 min target$`);
    expect(await onScene.locator('.response-clock').textContent()).toMatch(responseText);
    expect(await onScene.locator('[data-unit="unit-02"]').textContent()).toBe('PC 2781 on scene');

    // Closed with an outcome and a note: the card keeps the outcome and the response time; the unit is free again.
    await onScene.getByLabel(`Outcome of ${reference}`).selectOption('arrest');
    await onScene.getByLabel(`Closing note for ${reference}`).fill('One man arrested for affray, the other left before we arrived');
    await onScene.locator('[data-action="close-incident"]').click();
    const closed = page.locator(`ol[data-column="closed"] .incident-card[data-incident="${id}"]`);
    await closed.waitFor();
    expect(await closed.textContent()).toMatch(/Outcome: Arrest/);
    expect(await closed.locator('.response-clock').textContent()).toMatch(responseText);
    const close = journal('incident.closed', (e) => e.ref === id)[0]!;
    expect(close.actor).toBe('controller');
    expect(close.payload).toMatchObject({ outcome: 'arrest', note: 'One man arrested for affray, the other left before we arrived' });
    expect(gw.projections.units.get('unit-02')!.state).toBe('available');
    await screenshot(page, 'call-closed');
    // The Live log names it by its number too.
    await page.goto(`${base}/log`);
    const logged = page.locator('#event-log li[data-type="incident.closed"]');
    await expect
      .poll(() => logged.locator('.detail').textContent())
      .toBe(`${reference} · Arrest · “One man arrested for affray, the other left before we arrived”`);
    expect(s.errors).toEqual([]);
  });
});
