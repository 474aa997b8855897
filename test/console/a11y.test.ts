import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConsoleRole } from '../../gateway/contract/roles';
import { Handset } from '../../simulators/radio/handset';
import { demoPassword, eventually, loginSession } from '../helpers/gateway';
import { panelsFor } from '../../console/src/roles';
import { axeViolations, consoleSuite, describeViolations, keyboardUnreachable, screenshot, type Session } from './browser';

/**
 * Issue 16, item 16: every screen of every role passes axe-core with no serious or critical
 * violation (names of fields and buttons, contrast, landmarks), with live data on it: an open
 * incident, an emergency banner, a subject on the watch list, a text from a radio, a member's
 * report. The screens are the ones each role's navigation shows (console/src/roles.ts).
 */
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });
const suite = consoleSuite();
let handset: Handset | undefined;

const apiSessions = new Map<string, { cookie: string; csrf: string }>();

async function api(username: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  if (!apiSessions.has(username)) apiSessions.set(username, await loginSession(suite.gw.httpPort, username));
  const { cookie, csrf } = apiSessions.get(username)!;
  const res = await fetch(`${suite.base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { data: Record<string, unknown> };
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

/** The live picture a control room has on a busy afternoon, made through the real API and radio. */
async function busyAfternoon(): Promise<void> {
  const gw = suite.gw;
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
  await handset.move(5);
  const subject = await api('controller', '/api/subjects', {
    status: 'known',
    name: 'Dean Hollis',
    description: 'Tall male, shaved head, green parka',
    markers: ['violence'],
  });
  const subjectId = String(subject.id);
  await api('controller', `/api/subjects/${subjectId}/watch`, { reason: 'Threatened staff at the pharmacy' });
  await api('controller', '/api/incidents', {
    channel: '101',
    category: 'theft',
    description: 'Shoplifter detained by store staff',
    place: { zone: 'market-square' },
  });
  await api('member', '/api/reports', {
    kind: 'incident',
    category: 'abuse',
    occurredAt: new Date().toISOString(),
    description: 'Customer shouting at staff',
  });
  await handset.text(9999, 'Outside the bank, all quiet');
  await handset.emergency('pressed');
  await eventually(() => gw.projections.emergencies.openFor('unit-04') !== undefined, 10_000, 'an open emergency');
}

/** The demo town's account of each role. */
const ACCOUNT: Record<ConsoleRole, string> = {
  controller: 'controller',
  'cctv-operator': 'operator',
  'security-manager': 'secmgr',
  police: 'police',
  engineer: 'engineer',
  member: 'member',
};
const ROLES = Object.keys(ACCOUNT) as ConsoleRole[];

/**
 * Extra states of a screen worth checking on their own: a subject opened, a conversation opened,
 * the alert's confirmation (a modal: the keyboard is checked inside it, and it is closed unsent).
 * Each returns where the keyboard walk looks, when not the whole main.
 */
const DEEPER: Partial<Record<string, (s: Session) => Promise<string | void>>> = {
  alerts: async (s) => {
    // Only for roles that may send alerts.
    if (!(await s.page.locator('#alert-text').count())) return;
    await s.page.locator('#alert-text').fill('Male, red jacket, heading to Market Square');
    await s.page.getByLabel('Town Net').check();
    await s.page.getByRole('button', { name: 'Send alert' }).click();
    await s.page.locator('#alert-confirm[open]').waitFor();
    return '#alert-confirm';
  },
  subjects: async (s) => {
    await s.page.locator('#watch-list button', { hasText: 'Dean Hollis' }).click();
    await expect.poll(() => s.page.locator('#subject-title').textContent()).toBe('Dean Hollis');
  },
  messages: async (s) => {
    await s.page.locator('.conversation-unit[data-unit="unit-04"]').click();
    await expect.poll(() => s.page.locator('#conversation-title').textContent()).toBe('Conversation with PCSO 5120');
  },
};

async function audit(s: Session, where: string, scope = 'main'): Promise<string[]> {
  const found = describeViolations(await axeViolations(s.page)).map((v) => `${where}: ${v}`);
  found.push(...(await keyboardUnreachable(s.page, scope)).map((c) => `${where}: not reachable by Tab: ${c}`));
  return found;
}

describe('accessibility (axe-core, serious and critical) and the keyboard', () => {
  beforeAll(busyAfternoon, 60_000);
  afterAll(async () => handset?.close().catch(() => undefined));

  it('the login form passes axe and logs in by keyboard alone', async () => {
    const s = await suite.session();
    await s.page.goto(`${suite.base}/`);
    await s.page.locator('#username').waitFor();
    expect(await audit(s, 'login')).toEqual([]);
    await s.page.locator('#username').focus();
    await s.page.keyboard.type('member');
    await s.page.keyboard.press('Tab');
    await s.page.keyboard.type(demoPassword('member'));
    await s.page.keyboard.press('Enter');
    await s.page.locator('#user').waitFor();
    expect(s.errors).toEqual([]);
  });

  it('every screen of every role, with live data, has no serious or critical violation and every control is reached by Tab', async () => {
    const found: string[] = [];
    for (const role of ROLES) {
      const s = await suite.session(ACCOUNT[role]);
      for (const panel of panelsFor(role)) {
        await s.page.goto(`${suite.base}${panel.path}`);
        if (role !== 'member') await s.page.locator('#connection[data-state="live"]').waitFor();
        await s.page.locator('main > *').first().waitFor();
        await screenshot(s.page, `a11y-${role}-${panel.id}`);
        found.push(...(await audit(s, `${role} ${panel.path}`)));
        const deeper = DEEPER[panel.id];
        if (deeper) {
          const scope = await deeper(s);
          await screenshot(s.page, `a11y-${role}-${panel.id}-opened`);
          found.push(...(await audit(s, `${role} ${panel.path} (opened)`, scope ?? 'main')));
          // Closes the alert's confirmation unsent.
          if (scope) await s.page.keyboard.press('Escape');
        }
      }
      found.push(...s.errors.map((e) => `${role}: page error ${e}`));
    }
    expect(found).toEqual([]);
    // Looking sent nothing.
    expect([...suite.gw.journal.replay()].filter((e) => e.type === 'alert.sent')).toEqual([]);
  });

  it('a member reports by keyboard alone, and the report is journaled as hers', async () => {
    const s = await suite.session('member');
    await s.page.locator('#report-kind').waitFor();
    await s.page.locator('#report-kind').focus();
    await s.page.keyboard.press('ArrowDown'); // Incident → Sighting of someone
    await s.page.keyboard.press('Tab');
    await s.page.keyboard.press('Tab');
    expect(await s.page.evaluate(() => document.activeElement?.id)).toBe('report-description');
    await s.page.keyboard.type('Same man as yesterday, by the tills');
    // Past "Same person as" and the optional photo, to Send.
    for (let i = 0; i < 3; i++) await s.page.keyboard.press('Tab');
    expect(await s.page.evaluate(() => document.activeElement?.textContent)).toBe('Send report');
    await s.page.keyboard.press('Enter');
    const reported = await eventually(
      () =>
        [...suite.gw.journal.replay()].find(
          (e) => e.type === 'shop.report' && (e.payload as { description?: string }).description === 'Same man as yesterday, by the tills',
        ),
      10_000,
      'the report',
    );
    expect(reported.actor).toBe('member');
    expect(reported.payload).toMatchObject({ kind: 'sighting' });
    expect(s.errors).toEqual([]);
  });
});
