import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { JournalEvent } from '../../gateway/journal/types';
import { Handset } from '../../simulators/radio/handset';
import { PeiSimulator } from '../../simulators/radio/pei-sim';
import { demoPassword, eventually, startGateway, testConfig } from '../helpers/gateway';
import { launchChromium, loginAs, newSession, recordTones, screenshot, tonesPlayed, type Session } from './browser';

/**
 * Messages in a real Chromium against a real gateway: a conversation with an MQTT handset and
 * one with a TETRA radio behind a control station (the PEI simulator on a PTY). Texts arrive
 * with a tone and an unread count, are marked read by the person who opened them, and the reply
 * goes to that one radio with its delivery and read receipts shown as the radio reports them.
 */
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
let gw: Gateway;
let base: string;
let browser: Browser;
let sim: PeiSimulator;
let handset: Handset;
const sessions: Session[] = [];

beforeAll(async () => {
  const t = testConfig((doc) => {
    // PC 3340 carries a TETRA terminal; everyone else a handset app.
    for (const u of doc.units as Array<Record<string, unknown>>) if (u.id === 'unit-03') u.bearer = 'tetra';
  });
  const link = join(t.dir, 'pei-1');
  const config = {
    ...t.config,
    radio: {
      ...t.config.radio,
      controlStations: [{ id: 'pei-1', serialPath: link, baudRate: 115200, optionalCommands: [], talkgroups: ['tg-town'], issiRanges: [] }],
    },
  };
  sim = new PeiSimulator({ path: link, units: [], talkgroup: 9001 });
  await sim.start();
  gw = await startGateway(config, { baseDir: t.dir, peiTiming: { keepaliveIdleMs: 1000, keepaliveTimeoutMs: 1000 } });
  await eventually(() => gw.pei.stations[0]?.linkUp, 10_000, 'PEI link up');
  base = `http://127.0.0.1:${gw.httpPort}`;
  handset = new Handset({
    url: `mqtt://127.0.0.1:${gw.broker.port}`,
    issi: 2001,
    username: 'radio-2001',
    password: demoPassword('radio-2001'),
    config: gw.config,
    startZone: 'market-square',
    seed: 1,
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
  await sim?.stop();
});

async function session(username: string): Promise<Session> {
  const s = await newSession(browser);
  sessions.push(s);
  await recordTones(s.context);
  await loginAs(s.page, base, username);
  return s;
}

const journal = (type: string, where: (e: JournalEvent) => boolean = () => true) => [...gw.journal.replay()].filter((e) => e.type === type && where(e));
const tones = async (s: Session) => (await tonesPlayed(s.page)).length;
const apiStatus = (s: Session, path: string, body?: unknown) =>
  s.page.evaluate(
    async ({ path, body }) => {
      if (body === undefined) return (await fetch(path)).status;
      const me = (await (await fetch('/api/me')).json()) as { data: { csrfToken: string } };
      return (
        await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': me.data.csrfToken }, body: JSON.stringify(body) })
      ).status;
    },
    { path, body },
  );

describe('messages', () => {
  it('a conversation with an MQTT handset: the text arrives with a tone and a count, is read, and the reply is delivered and read', async () => {
    // Straight from the login (its click unlocks the audio): the first panel, the map.
    const s = await session('controller');
    await s.page.locator('#connection[data-state="live"]').waitFor();
    expect(s.page.url()).toBe(`${base}/map`);
    const before = await tones(s);

    await handset.text(9999, 'At the fountain, two males arguing');
    // Wherever the controller is, the Messages link counts it, a chime sounds and it is announced.
    const badge = s.page.locator('#messages-unread');
    await expect.poll(() => badge.textContent()).toBe('1');
    await expect.poll(() => tones(s)).toBeGreaterThan(before);
    await expect.poll(() => s.page.locator('#toast').textContent()).toMatch(/Text from PC 1234: At the fountain/);
    expect(await s.page.getByRole('link', { name: 'Messages, 1 unread' }).count()).toBe(1);
    // The count sits between the name and the shortcut hint, overlapping neither, inside the link.
    const boxes = await s.page.evaluate(() => {
      const a = document.querySelector('nav a[data-panel="messages"]')!;
      const box = (el: Element | null) => el!.getBoundingClientRect();
      return { link: box(a), label: box(a.firstElementChild), badge: box(a.querySelector('.badge')), hint: box(a.querySelector('kbd')) };
    });
    expect(boxes.badge.left).toBeGreaterThanOrEqual(boxes.label.right);
    expect(boxes.hint.left).toBeGreaterThanOrEqual(boxes.badge.right);
    expect(boxes.hint.right).toBeLessThanOrEqual(boxes.link.right);

    await s.page.getByRole('link', { name: /^Messages/ }).click();
    const unit = s.page.locator('.conversation-unit[data-unit="unit-01"]');
    expect(await unit.textContent()).toMatch(/PC 1234.*1 new.*At the fountain/);
    // The conversation opens from the keyboard.
    await unit.focus();
    await s.page.keyboard.press('Enter');
    await expect.poll(() => s.page.locator('#conversation-title').textContent()).toBe('Conversation with PC 1234');
    const incoming = s.page.locator('#conversation li[data-direction="in"]');
    expect(await incoming.textContent()).toMatch(/PC 1234.*At the fountain, two males arguing/);
    // Opened is read, by whom it was opened.
    await eventually(() => journal('message.read').length === 1, 10_000, 'read mark');
    expect(journal('message.read').map((e) => [e.actor, (e.payload as { unitId: string }).unitId])).toEqual([['controller', 'unit-01']]);
    await badge.waitFor({ state: 'hidden' });

    // The reply: Enter alone only breaks the line, Ctrl+Enter sends, to this one radio only.
    const box = s.page.locator('#message-text');
    await box.click();
    await s.page.keyboard.type('Received, PC 2781 on the way');
    await s.page.keyboard.press('Enter');
    expect(journal('alert.sent', (e) => (e.payload as { kind?: string }).kind === 'text')).toEqual([]);
    await s.page.keyboard.type('Stay with them');
    await s.page.keyboard.press('Control+Enter');
    const sent = await eventually(() => journal('alert.sent', (e) => (e.payload as { text: string }).text.startsWith('Received')).at(0), 10_000, 'text sent');
    expect(sent.actor).toBe('controller');
    expect(sent.payload).toMatchObject({
      kind: 'text',
      text: 'Received, PC 2781 on the way\nStay with them',
      units: ['unit-01'],
      talkgroups: [],
      recipients: [{ unitId: 'unit-01', issi: 2001 }],
    });
    await eventually(() => handset.received.some((d) => d.msgId === sent.ref && d.kind === 'text'), 10_000, 'handset got the text');
    await expect.poll(() => box.inputValue()).toBe('');

    // The handset confirms on display (delivered), then its user opens it (read).
    const out = s.page.locator(`#conversation li[data-id="${sent.ref!}"]`);
    await expect.poll(() => out.getAttribute('data-status'), { timeout: 15_000 }).toBe('delivered');
    await handset.read(sent.ref!);
    await expect.poll(() => out.getAttribute('data-status'), { timeout: 15_000 }).toBe('read');
    expect(await out.textContent()).toMatch(/Control \(controller\).*Stay with them.*read/s);
    // A text is not an alert: the Alerts panel does not list it.
    await s.page.goto(`${base}/alerts`);
    await s.page.locator('#alert-list').waitFor();
    expect(await s.page.locator('.alert-card', { hasText: 'Stay with them' }).count()).toBe(0);
    expect(s.errors).toEqual([]);
  });

  it('a conversation with a TETRA radio over SDS, and typing a reply is never interrupted by a new text', async () => {
    const s = await session('controller');
    await s.page.goto(`${base}/messages?unit=unit-03`);
    await s.page.locator('#connection[data-state="live"]').waitFor();
    await expect.poll(() => s.page.locator('#conversation-title').textContent()).toBe('Conversation with PC 3340');

    await sim.sendText(2003, 'Suspect gone into Boots');
    const incoming = s.page.locator('#conversation li[data-direction="in"]', { hasText: 'Boots' });
    await incoming.waitFor();
    expect(await incoming.textContent()).toMatch(/PC 3340/);
    await eventually(() => journal('message.read', (e) => (e.payload as { unitId: string }).unitId === 'unit-03').length === 1, 10_000, 'read mark');

    // Mid-sentence, another text comes in: the words and the focus stay where they are.
    const box = s.page.locator('#message-text');
    await box.click();
    await s.page.keyboard.type('Stay outside,');
    await sim.sendText(2003, 'He is at the tills');
    await s.page.locator('#conversation li[data-direction="in"]', { hasText: 'tills' }).waitFor();
    await s.page.keyboard.type(' PC 1234 is coming');
    expect(await box.inputValue()).toBe('Stay outside, PC 1234 is coming');
    expect(await s.page.evaluate(() => document.activeElement?.id)).toBe('message-text');

    await s.page.getByRole('button', { name: 'Send' }).click();
    // One SDS to that radio, through the control station; the radio reports it received.
    const cmgs = await sim.waitForCmgs((c) => c.to === 2003 && c.decoded.kind === 'tl-transfer', 15_000);
    expect(cmgs.decoded).toMatchObject({ text: 'Stay outside, PC 1234 is coming' });
    const sent = await eventually(() => journal('alert.sent', (e) => (e.payload as { text: string }).text.startsWith('Stay outside')).at(0), 10_000, 'sent');
    expect(sent.actor).toBe('controller');
    expect(sent.payload).toMatchObject({ kind: 'text', units: ['unit-03'] });
    const out = s.page.locator(`#conversation li[data-id="${sent.ref!}"]`);
    await expect.poll(() => out.getAttribute('data-status'), { timeout: 15_000 }).toBe('delivered');
    // The officer opens it: the terminal's "consumed" report for the same SDS message reference.
    if (cmgs.decoded.kind !== 'tl-transfer') throw new Error('not a text SDS');
    await sim.sendReport(2003, cmgs.decoded.msgRef, 0x02);
    await expect.poll(() => out.getAttribute('data-status'), { timeout: 15_000 }).toBe('read');
    await screenshot(s.page, 'messages');
    expect(s.errors).toEqual([]);
  });

  it('police read conversations but may not reply; members get nothing; the gateway refuses either way', async () => {
    const police = await session('police');
    await police.page.goto(`${base}/messages?unit=unit-01`);
    await expect.poll(() => police.page.locator('#conversation li[data-direction="in"]').count()).toBeGreaterThan(0);
    expect(await police.page.locator('#message-form').count()).toBe(0);
    expect(await apiStatus(police, '/api/units/unit-01/messages', { text: 'police try' })).toBe(403);
    expect(await apiStatus(police, '/api/messages')).toBe(200);

    const member = await session('member');
    expect(await apiStatus(member, '/api/messages')).toBe(403);
    expect(await apiStatus(member, '/api/units/unit-01/messages/read', { seq: 1 })).toBe(403);

    const controller = await session('controller');
    // Bad input is a clear refusal, not a crash: an empty text, an unknown unit, a seq that is not a text of that unit.
    expect(await apiStatus(controller, '/api/units/unit-01/messages', { text: '  ' })).toBe(400);
    expect(await apiStatus(controller, '/api/units/unit-99/messages', { text: 'hello' })).toBe(404);
    expect(await apiStatus(controller, '/api/units/unit-01/messages/read', { seq: 1 })).toBe(400);
    expect(journal('alert.sent', (e) => ['police try', 'hello'].includes((e.payload as { text: string }).text))).toEqual([]);
  });
});
