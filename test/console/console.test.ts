import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { JournalEvent } from '../../gateway/journal/types';
import { Fleet } from '../../simulators/radio/fleet';
import { Handset } from '../../simulators/radio/handset';
import { connectMqtt, demoPassword, eventually, startGateway, testConfig } from '../helpers/gateway';
import { launchChromium, loginAs, newSession, recordTones, screenshot, tonesPlayed, type Session } from './browser';

/**
 * The console in a real Chromium against a real gateway, with simulated MQTT handsets walking
 * the demo town: what each role sees, units moving on the map, an emergency taken from the
 * banner, alerts with live delivery, and a dropped connection that resumes without a gap.
 */
// A browser, a gateway and simulators share two cores with the rest of the suite: give them time.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
let gw: Gateway;
let base: string;
let browser: Browser;
let fleet: Fleet;
const handsets: Handset[] = [];
const mqttClients: MqttClient[] = [];
const sessions: Session[] = [];

beforeAll(async () => {
  gw = await startGateway(testConfig().config);
  base = `http://127.0.0.1:${gw.httpPort}`;
  // unit-01…03 walk the town at two fixes a second; they confirm alerts as real handsets do.
  fleet = new Fleet({ url: `mqtt://127.0.0.1:${gw.broker.port}`, config: gw.config, units: 3, rateHz: 2, passwordFor: demoPassword, seed: 7 });
  await fleet.start();
  browser = await launchChromium();
}, 60_000);

// Each test's browsers close after it: live maps in idle tabs would load the machine for the next.
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.context.close().catch(() => undefined)));
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(handsets.map((h) => h.close().catch(() => undefined)));
  await Promise.all(mqttClients.map((c) => c.endAsync(true)));
  await fleet?.stop();
  await gw?.stop();
});

async function session(username: string, viewport?: { width: number; height: number }): Promise<Session> {
  const s = await newSession(browser, viewport);
  sessions.push(s);
  await loginAs(s.page, base, username);
  return s;
}

async function handset(issi: number): Promise<Handset> {
  const unit = gw.config.units.find((u) => u.issi === issi)!;
  const talkgroups = unit.talkgroups.map((id) => gw.config.talkgroups.find((t) => t.id === id)!.gssi);
  const h = new Handset({
    url: `mqtt://127.0.0.1:${gw.broker.port}`,
    issi,
    username: `radio-${issi}`,
    password: demoPassword(`radio-${issi}`),
    config: gw.config,
    startZone: 'market-square',
    seed: issi,
    talkgroups,
  });
  await h.connect();
  handsets.push(h);
  return h;
}

const journal = (type: string, where: (e: JournalEvent) => boolean = () => true) => [...gw.journal.replay()].filter((e) => e.type === type && where(e));
const navLabels = (page: Page) => page.locator('nav.nav a').evaluateAll((as) => as.map((a) => a.firstChild?.textContent ?? ''));
/** What the page gets from the API with its own cookie (and CSRF token for a POST). */
const apiStatus = (page: Page, path: string, body?: unknown) =>
  page.evaluate(
    async ({ path, body }) => {
      if (body === undefined) return (await fetch(path)).status;
      const me = (await (await fetch('/api/me')).json()) as { data: { csrfToken: string } };
      return (
        await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': me.data.csrfToken }, body: JSON.stringify(body) })
      ).status;
    },
    { path, body },
  );

describe('login and roles', () => {
  const PANELS: Record<string, string[]> = {
    controller: ['Map', 'Incidents', 'Tracking', 'Cameras', 'Alerts', 'Messages', 'Evidence', 'Hotspots', 'Subjects', 'Live log', 'To members'],
    operator: ['Map', 'Cameras', 'Tracking', 'Incidents', 'Live log'],
    secmgr: ['Map', 'Evidence', 'Incidents', 'Live log', 'People'],
    police: ['Map', 'Incidents', 'Tracking', 'Alerts', 'Messages', 'Evidence', 'Hotspots', 'Subjects', 'Live log', 'To members'],
    engineer: ['Map', 'Cameras', 'Live log'],
    member: ['My premises'],
  };

  for (const [username, panels] of Object.entries(PANELS)) {
    it(`${username} logs in and sees only the panels of the role`, async () => {
      const s = await session(username);
      expect(await navLabels(s.page)).toEqual(panels);
      await expect.poll(() => s.page.locator('#session').textContent()).toMatch(/^Idle logout in \d+:\d\d$/);
      await screenshot(s.page, `role-${username}`);
      expect(s.errors).toEqual([]);
    });
  }

  it('is usable from the keyboard: Alt+n opens the n-th panel, Tab reaches the navigation', async () => {
    const s = await session('controller');
    await s.page.keyboard.press('Alt+5');
    await expect.poll(() => s.page.url()).toBe(`${base}/alerts`);
    await s.page.locator('#alert-form').waitFor();
    await s.page.keyboard.press('Alt+1');
    await expect.poll(() => s.page.url()).toBe(`${base}/map`);
    // Tab from the top of the page reaches the panel links; Enter opens one.
    await s.page.locator('body').focus();
    const focusedPanel = () => s.page.evaluate(() => document.activeElement?.getAttribute('data-panel') ?? null);
    for (let i = 0; i < 15 && (await focusedPanel()) !== 'incidents'; i++) await s.page.keyboard.press('Tab');
    expect(await focusedPanel()).toBe('incidents');
    await s.page.keyboard.press('Enter');
    await expect.poll(() => s.page.url()).toBe(`${base}/incidents`);
  });

  it('refuses a wrong password on the form', async () => {
    const s = await newSession(browser);
    sessions.push(s);
    await s.page.goto(`${base}/`);
    await s.page.locator('#username').fill('controller');
    await s.page.locator('#password').fill('not-the-password');
    await s.page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => s.page.locator('#login-error').textContent()).toMatch(/wrong username or password/);
    expect(await s.page.locator('#user').count()).toBe(0);
  });

  it('keeps a member out of controller pages and data, in the UI and at the API', async () => {
    const s = await session('member');
    await s.page.goto(`${base}/map`);
    await s.page.getByTestId('forbidden').waitFor();
    expect(await s.page.getByTestId('forbidden').textContent()).toMatch(/Map is not available to your role/);
    expect(await s.page.locator('.leaflet-container, #unit-table, #event-log').count()).toBe(0);
    await s.page.goto(`${base}/log`);
    await s.page.getByTestId('forbidden').waitFor();
    expect(await s.page.locator('#connection').textContent()).toMatch(/Reports only/);
    // The gateway refuses regardless of what the page shows.
    expect(await apiStatus(s.page, '/api/state')).toBe(403);
    expect(await apiStatus(s.page, '/api/journal')).toBe(403);
    expect(await apiStatus(s.page, '/api/emergencies')).toBe(403);
    expect(await apiStatus(s.page, '/api/alerts', { text: 'not mine to send', talkgroups: ['tg-town'] })).toBe(403);
    const site = await s.page.evaluate(async () => ((await (await fetch('/api/site')).json()) as { data: { units: unknown[]; cameras: unknown[] } }).data);
    expect(site).toMatchObject({ units: [], cameras: [] });
    await screenshot(s.page, 'member-forbidden');
  });

  it('logs out: the session is gone for the browser and the gateway', async () => {
    const s = await session('police');
    await s.page.locator('#logout').click();
    await s.page.locator('#login-title').waitFor();
    expect(await apiStatus(s.page, '/api/me')).toBe(401);
    expect(journal('auth.logout', (e) => e.actor === 'police').length).toBeGreaterThan(0);
  });
});

describe('the map', () => {
  it('moves units as the simulator walks them, coloured by state, with the age of their fix', async () => {
    const s = await session('controller');
    const marker = s.page.locator('.unit-marker[data-unit="unit-01"]');
    await marker.waitFor();
    const first = (await marker.boundingBox())!;
    const lat0 = await marker.getAttribute('data-lat');
    await expect
      .poll(
        async () => {
          const box = (await marker.boundingBox())!;
          return Math.hypot(box.x - first.x, box.y - first.y);
        },
        { timeout: 20_000 },
      )
      .toBeGreaterThan(3);
    expect(await marker.getAttribute('data-lat')).not.toBe(lat0);
    expect(await s.page.locator('#unit-table tr[data-unit="unit-01"] .fix-age').textContent()).toMatch(/^\d+ s$/);
    // A status from the radio recolours the unit.
    await fleet.handsets[0]!.status(32770);
    await expect.poll(() => marker.getAttribute('data-state')).toBe('on-scene');
    expect(await s.page.locator('.leaflet-overlay-pane path.zone').count()).toBe(gw.config.zones.length);
    expect(await s.page.locator('.leaflet-overlay-pane path.camera-fov').count()).toBe(gw.config.cameras.length);
    await screenshot(s.page, 'map');
    expect(s.errors).toEqual([]);
  });

  it('fits a laptop screen without sideways scrolling', async () => {
    const s = await session('controller', { width: 1366, height: 768 });
    for (const path of ['/map', '/alerts', '/log', '/incidents']) {
      await s.page.goto(`${base}${path}`);
      await s.page.locator('#user').waitFor();
      expect(await s.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    }
    await s.page.goto(`${base}/map`);
    await s.page.locator('.unit-marker').first().waitFor();
    await screenshot(s.page, 'laptop-map');
  });
});

describe('emergencies', () => {
  it('shows the banner with a tone; the controller acknowledges by keyboard and resolves; both journaled with the user', async () => {
    const controller = await newSession(browser);
    sessions.push(controller);
    await recordTones(controller.context);
    await loginAs(controller.page, base, 'controller');
    const operator = await session('operator');
    await controller.page.locator('#connection[data-state="live"]').waitFor();
    await operator.page.locator('#connection[data-state="live"]').waitFor();

    const h = await handset(2005);
    await h.emergency('pressed');
    const banner = controller.page.locator('[data-emergency]');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/EMERGENCY — PCSO 5188/);
    await expect.poll(async () => (await tonesPlayed(controller.page)).length).toBeGreaterThan(0);
    // The operator sees it too, but only a controller may take it.
    await operator.page.locator('[data-emergency]').waitFor();
    expect(await operator.page.locator('[data-emergency] [data-action="acknowledge"]').count()).toBe(0);
    await screenshot(controller.page, 'emergency-open');

    // The banner shows as the press arrives; the emergency on record follows within a commit.
    const em = await eventually(() => gw.projections.emergencies.openFor('unit-05'), 10_000, 'the emergency on record');
    // The banner does not take the focus; the controller turns to it by Tab (or Alt+A).
    expect(await controller.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.action ?? null)).toBeNull();
    await controller.page.locator('[data-emergency] [data-action="acknowledge"]').focus();
    await controller.page.keyboard.press('Enter');
    await eventually(() => journal('emergency.acknowledged', (e) => e.ref === em.id).length === 1, 10_000, 'acknowledged');
    expect(journal('emergency.acknowledged', (e) => e.ref === em.id)[0]!.actor).toBe('controller');
    await expect.poll(() => controller.page.locator('[data-emergency]').getAttribute('data-state')).toBe('acknowledged');
    // Resolve is the next key, not 27 Shift+Tabs away.
    await expect.poll(() => controller.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.action ?? null)).toBe('resolve-genuine');
    await expect.poll(() => operator.page.locator('[data-emergency] .emergency-state').textContent()).toMatch(/owned by controller/);

    // Resolve asks for the note first: the click alone resolves nothing.
    await controller.page.locator('[data-emergency] [data-action="resolve-false"]').click();
    await expect.poll(() => controller.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.field ?? null)).toBe('resolve-note');
    expect(await controller.page.locator('[data-emergency] .resolve-hint').textContent()).toMatch(/Write a note, then Enter resolves as a false alarm/);
    expect(journal('emergency.resolved', (e) => e.ref === em.id)).toEqual([]);
    await controller.page.keyboard.type('Pocket press, confirmed with PCSO 5188 by phone');
    await controller.page.keyboard.press('Enter');
    await eventually(() => journal('emergency.resolved', (e) => e.ref === em.id).length === 1, 10_000, 'resolved');
    const resolved = journal('emergency.resolved', (e) => e.ref === em.id)[0]!;
    expect(resolved.actor).toBe('controller');
    expect(resolved.payload).toMatchObject({ outcome: 'false', note: 'Pocket press, confirmed with PCSO 5188 by phone' });
    await controller.page.locator('[data-emergency]').waitFor({ state: 'detached' });
    await screenshot(controller.page, 'emergency-resolved');
    expect(controller.errors).toEqual([]);
  });
});

describe('an emergency before its commit', () => {
  it('sounds and shows while the press is being recorded, offers Acknowledge once on record, and says so when the journal refuses one', async () => {
    const controller = await newSession(browser);
    sessions.push(controller);
    await recordTones(controller.context);
    await loginAs(controller.page, base, 'controller');
    await controller.page.locator('#connection[data-state="live"]').waitFor();
    const card = controller.page.locator('[data-emergency]');

    const h = await handset(2007);
    const release = gw.journal.holdCommits();
    let pressed: Promise<void>;
    try {
      pressed = h.emergency('pressed');
      await expect.poll(() => card.getAttribute('data-state')).toBe('recording');
      expect(await card.textContent()).toMatch(/EMERGENCY — SEC 12.*being recorded/);
      expect(await card.locator('[data-action="acknowledge"]').count()).toBe(0);
      await expect.poll(async () => (await tonesPlayed(controller.page)).length).toBeGreaterThan(0);
      // Alt+A takes an emergency on record only: nothing to acknowledge yet, and nothing is sent.
      await controller.page.keyboard.press('Alt+A');
      expect(await card.getAttribute('data-state')).toBe('recording');
      // The unit's row and marker on the map say so already, as the card does.
      const row = controller.page.locator('tr[data-unit="unit-07"]');
      await expect.poll(() => row.locator('td:nth-child(2)').textContent()).toBe('EMERGENCY');
      expect(await row.getAttribute('class')).toMatch(/in-emergency/);
      await screenshot(controller.page, 'emergency-recording');
      expect(gw.projections.emergencies.openFor('unit-07')).toBeUndefined();
    } finally {
      release();
    }
    await pressed;
    const em = await eventually(() => gw.projections.emergencies.openFor('unit-07'), 10_000, 'the emergency on record');
    // The same card, now on record: the controller may take it, from the keyboard.
    await expect.poll(() => card.getAttribute('data-state')).toBe('open');
    expect(await card.getAttribute('data-emergency')).toBe(em.id);
    expect(journal('emergency.acknowledged', (e) => e.ref === em.id)).toEqual([]);
    await card.locator('[data-action="acknowledge"]').waitFor();
    await controller.page.keyboard.press('Alt+A');
    await eventually(() => journal('emergency.acknowledged', (e) => e.ref === em.id).length === 1, 10_000, 'acknowledged');
    await card.locator('[data-field="resolve-note"]').fill('Test press');
    await card.locator('[data-action="resolve-false"]').click();
    await card.waitFor({ state: 'detached' });
    // The unit's row on the map says so too: the emergency is over.
    await expect.poll(() => controller.page.locator('tr[data-unit="unit-07"] td:nth-child(2)').textContent()).toBe('Unknown');

    // The journal refuses the next press (a full disk, say): the card says so and stays until dismissed.
    const side = new Database(gw.journal.database.name);
    side.exec("CREATE TRIGGER refuse_emergency BEFORE INSERT ON events WHEN NEW.type = 'emergency.raised' BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    try {
      const radio = await connectMqtt(gw.broker.port, 'radio-2008');
      mqttClients.push(radio);
      void radio.publishAsync('tw/v1/radio/2008/emergency', JSON.stringify({ state: 'pressed' }), { qos: 1 }).catch(() => undefined);
      await expect.poll(() => card.getAttribute('data-state')).toBe('unrecorded');
    } finally {
      side.exec('DROP TRIGGER refuse_emergency');
      side.close();
    }
    expect(await card.textContent()).toMatch(/EMERGENCY — SEC 15.*NOT RECORDED.*disk full.*the handset sends it again/);
    // Not on record, so the unit's row does not claim an emergency: the card is where it is told.
    await expect.poll(() => controller.page.locator('tr[data-unit="unit-08"] td:nth-child(2)').textContent()).not.toBe('EMERGENCY');
    await screenshot(controller.page, 'emergency-unrecorded');
    await card.locator('[data-action="dismiss"]').click();
    await card.waitFor({ state: 'detached' });
    expect(controller.errors).toEqual([]);
  });
});

describe('emergencies while a controller is typing', () => {
  it('never takes the focus from a field being typed in: announced, acknowledged with Alt+A, then Resolve, then back', async () => {
    const s = await session('controller');
    await s.page.goto(`${base}/alerts`);
    await s.page.locator('#connection[data-state="live"]').waitFor();
    const text = s.page.locator('#alert-text');
    await text.click();
    await s.page.keyboard.type('Male, red jacket,');

    const h = await handset(2006);
    await h.emergency('pressed');
    await s.page.locator('[data-emergency]').waitFor();
    // Announced to a screen reader, once, with how to take it.
    await expect.poll(() => s.page.locator('#emergency-announcer').textContent()).toMatch(/Emergency: .*Press Alt\+A to acknowledge/);
    expect(await s.page.locator('#emergency-announcer').getAttribute('aria-live')).toBe('assertive');

    // The sentence goes on: spaces and Enter land in the text, not on an Acknowledge button.
    await s.page.keyboard.type(' heading to the Market Square');
    await s.page.keyboard.press('Enter');
    await s.page.keyboard.type('Approach with care');
    expect(await text.inputValue()).toBe('Male, red jacket, heading to the Market Square\nApproach with care');
    expect(await s.page.evaluate(() => document.activeElement?.id)).toBe('alert-text');
    const em = await eventually(() => gw.projections.emergencies.openFor('unit-06'), 10_000, 'the emergency on record');
    expect(em.state).toBe('open');
    expect(journal('emergency.acknowledged', (e) => e.ref === em.id)).toEqual([]);
    expect(journal('alert.sent', (e) => (e.payload as { text: string }).text.includes('red jacket'))).toEqual([]);
    await screenshot(s.page, 'emergency-while-typing');

    // Alt+A takes it on purpose; the focus goes to its Resolve button.
    await s.page.keyboard.press('Alt+A');
    await eventually(() => journal('emergency.acknowledged', (e) => e.ref === em.id).length === 1, 10_000, 'acknowledged');
    expect(journal('emergency.acknowledged', (e) => e.ref === em.id)[0]!.actor).toBe('controller');
    const focused = () =>
      s.page.evaluate(() => {
        const a = document.activeElement as HTMLElement | null;
        return a?.dataset.action ? `${a.closest<HTMLElement>('[data-emergency]')?.dataset.emergency ?? ''}/${a.dataset.action}` : (a?.id ?? null);
      });
    await expect.poll(focused).toBe(`${em.id}/resolve-genuine`);
    // One key to Resolve, which asks for the note; Enter after the note resolves it, and the
    // controller is back in the half-written alert.
    await s.page.keyboard.press('Enter');
    await expect.poll(() => s.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.field ?? null)).toBe('resolve-note');
    expect(journal('emergency.resolved', (e) => e.ref === em.id)).toEqual([]);
    await s.page.keyboard.type('Officer safe, assisted by SEC 7');
    await s.page.keyboard.press('Enter');
    await eventually(() => journal('emergency.resolved', (e) => e.ref === em.id).length === 1, 10_000, 'resolved');
    expect(journal('emergency.resolved', (e) => e.ref === em.id)[0]!.payload).toMatchObject({ outcome: 'genuine', note: 'Officer safe, assisted by SEC 7' });
    await s.page.locator(`[data-emergency="${em.id}"]`).waitFor({ state: 'detached' });
    await expect.poll(focused).toBe('alert-text');
    expect(await text.inputValue()).toBe('Male, red jacket, heading to the Market Square\nApproach with care');
    expect(s.errors).toEqual([]);
  });
});

describe('alerts', () => {
  it('sends an alert to a talkgroup and shows each radio confirming it, live', async () => {
    const s = await session('controller');
    await s.page.goto(`${base}/alerts`);
    await s.page.locator('#alert-text').fill('Male, red jacket, towards the Market Square');
    await s.page.getByLabel('Police Ops').check();
    await s.page.getByRole('button', { name: 'Send alert' }).click();
    // A talkgroup is many radios: a second look first, naming how many and which group.
    await s.page.locator('#alert-confirm[open]').waitFor();
    expect(await s.page.locator('#alert-confirm-text').textContent()).toMatch(/URGENT alert to 5 radios \(talkgroups: Police Ops\)/);
    await s.page.getByRole('button', { name: 'Send to 5 radios' }).click();
    const card = s.page.locator('.alert-card', { hasText: 'red jacket' });
    await card.waitFor();
    // unit-01 is a walking handset of the fleet: it confirms on receipt.
    await expect.poll(() => card.locator('[data-unit="unit-01"]').getAttribute('data-status'), { timeout: 15_000 }).toBe('delivered');
    const sent = journal('alert.sent', (e) => (e.payload as { text: string }).text.includes('red jacket'));
    expect(sent.map((e) => e.actor)).toEqual(['controller']);
    await screenshot(s.page, 'alerts');
  });

  it('never sends on Enter from a recipient, and asks before a town-wide send, keeping the text', async () => {
    const s = await session('controller');
    await s.page.goto(`${base}/alerts`);
    const text = s.page.locator('#alert-text');
    const sentence = 'Two males, one in a grey hoodie, last seen';
    await text.fill(sentence);
    const town = s.page.getByLabel('Town Net');
    await town.focus();
    await s.page.keyboard.press('Space');
    expect(await town.isChecked()).toBe(true);
    // Enter on the checkbox: nothing is sent, nothing asked, the text stays.
    await s.page.keyboard.press('Enter');
    expect(await s.page.locator('#alert-confirm[open]').count()).toBe(0);
    expect(await text.inputValue()).toBe(sentence);

    // The Send button asks first, with the number of radios and the group; the safe choice has the focus.
    await s.page.getByRole('button', { name: 'Send alert' }).click();
    await s.page.locator('#alert-confirm[open]').waitFor();
    expect(await s.page.locator('#alert-confirm-text').textContent()).toMatch(/URGENT alert to 10 radios \(talkgroups: Town Net\)/);
    await screenshot(s.page, 'alert-confirm');
    expect(await s.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.action)).toBe('cancel-send');
    await s.page.keyboard.press('Enter');
    await s.page.locator('#alert-confirm[open]').waitFor({ state: 'detached' });
    expect(await text.inputValue()).toBe(sentence);
    // The dialog's close event, a task after it shuts, puts the focus back in the text.
    await expect.poll(() => s.page.evaluate(() => document.activeElement?.id)).toBe('alert-text');

    // Finished and confirmed: sent once, to the ten radios.
    await s.page.keyboard.type(' by the fountain');
    await s.page.getByRole('button', { name: 'Send alert' }).click();
    await s.page.getByRole('button', { name: 'Send to 10 radios' }).click();
    await s.page.locator('.alert-card', { hasText: 'grey hoodie' }).waitFor();
    const sent = journal('alert.sent', (e) => (e.payload as { text: string }).text.includes('grey hoodie'));
    expect(sent.map((e) => [e.actor, (e.payload as { text: string }).text, (e.payload as { recipients: unknown[] }).recipients.length])).toEqual([
      ['controller', `${sentence} by the fountain`, 10],
    ]);
    expect(await text.inputValue()).toBe('');
    expect(s.errors).toEqual([]);
  });

  it('does not offer the form to a role that may not send, and the gateway refuses it anyway', async () => {
    const s = await session('police');
    await s.page.goto(`${base}/alerts`);
    await s.page.locator('#alert-list').waitFor();
    expect(await s.page.locator('#alert-form').count()).toBe(0);
    expect(await apiStatus(s.page, '/api/alerts', { text: 'police try', talkgroups: ['tg-town'] })).toBe(403);
  });
});

describe('the live connection', () => {
  it('resumes after a dropped connection with no missed and no doubled event', async () => {
    const s = await session('controller');
    await s.page.goto(`${base}/log`);
    await s.page.locator('#connection[data-state="live"]').waitFor();
    const h = await handset(2004);
    await h.status(32768);
    const from = gw.journal.head.seq;
    await expect.poll(() => s.page.locator(`#event-log li[data-seq]`).count()).toBeGreaterThan(0);

    await s.context.setOffline(true);
    await expect.poll(() => s.page.locator('#connection').getAttribute('data-state')).not.toBe('live');
    // Meanwhile the town goes on: statuses and talk that the console must not miss.
    await h.status(32769);
    await h.ptt('start', 9001);
    await h.ptt('stop', 9001);
    await h.status(32770);
    await eventually(() => gw.projections.units.get('unit-04')!.state === 'on-scene', 10_000, 'events journaled');
    const to = gw.journal.head.seq;
    await screenshot(s.page, 'connection-dropped');

    await s.context.setOffline(false);
    await s.page.locator('#connection[data-state="live"]').waitFor({ timeout: 30_000 });
    const hidden = new Set(['radio.position', 'mqtt.connected', 'mqtt.disconnected', 'quarantine.message', 'dock.progress']);
    const expected = gw.journal
      .read(from, to - from)
      .filter((e) => !hidden.has(e.type))
      .map((e) => e.seq);
    expect(expected.length).toBeGreaterThanOrEqual(4);
    await expect.poll(() => s.page.locator(`#event-log li[data-seq="${expected.at(-1)!}"]`).count(), { timeout: 15_000 }).toBe(1);
    const shown = await s.page.locator('#event-log li[data-seq]').evaluateAll((lis) => lis.map((li) => Number((li as HTMLElement).dataset.seq)));
    expect(new Set(shown).size).toBe(shown.length); // nothing doubled
    expect(expected.filter((seq) => !shown.includes(seq))).toEqual([]); // nothing missed
    await screenshot(s.page, 'connection-resumed');
    // Only the refused reconnects while offline may have been logged.
    expect(s.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e))).toEqual([]);
  });
});
