import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { JournalEvent } from '../../gateway/journal/types';
import { DockSimulator } from '../../simulators/dock/dock-sim';
import type { PtyPair } from '../../simulators/dock/pty';
import { FAST, startDockGateway } from '../devices/dock/harness';
import type { IncidentRecord } from '../../gateway/contract/tracking';
import { eventually, login, withCsrf } from '../helpers/gateway';
import { launchChromium, loginAs, newSession, screenshot, type Session } from './browser';

/**
 * The evidence panel against a dock simulator on a pseudo-terminal: footage appears as it is
 * verified, its chain of custody is one click away, and a security manager marks, holds and
 * exports it, each journaled with the user. A controller may look but not handle.
 */
// A browser, a gateway and simulators share two cores with the rest of the suite: give them time.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
let gw: Gateway;
let pty: PtyPair;
let sim: DockSimulator;
let dir: string;
let browser: Browser;
const sessions: Session[] = [];

beforeAll(async () => {
  ({ gw, pty, dir } = await startDockGateway());
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  for (const s of sessions) await s.context.close().catch(() => undefined);
  await browser?.close();
  await sim?.stop();
  await gw?.stop();
  await pty?.close();
});

async function session(username: string): Promise<Session> {
  const s = await newSession(browser);
  sessions.push(s);
  await loginAs(s.page, `http://127.0.0.1:${gw.httpPort}`, username);
  return s;
}

const journal = (type: string, where: (e: JournalEvent) => boolean = () => true) => [...gw.journal.replay()].filter((e) => e.type === type && where(e));

describe('the evidence panel', () => {
  it('shows footage as a dock offloads it; a security manager reads its custody, marks, holds and exports it', async () => {
    const s = await session('secmgr');
    await s.page.getByRole('link', { name: /Evidence/ }).click();
    await s.page.locator('#docks [data-dock="dock-1"]').waitFor();

    sim = new DockSimulator({
      ...FAST,
      path: pty.dockPath,
      cable: pty,
      dockId: 'dock-1',
      bays: 6,
      seed: 5,
      cameras: [
        {
          serial: 'BWC-0001',
          bay: 1,
          files: [
            { name: 'shift-b-001.mp4', size: 120_000 },
            { name: 'shift-b-002.mp4', size: 80_000 },
          ],
        },
        // Docked by the alarm test below: its footage does not match its offer.
        { serial: 'BWC-0002', bay: 2, files: [{ name: 'tampered-b.mp4', size: 40_000 }], badHash: true, docked: false },
      ],
    });
    await sim.start();
    const rows = s.page.locator('#evidence-files tr[data-evidence]');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(2);
    await expect.poll(() => s.page.locator('#docks [data-dock="dock-1"]').textContent(), { timeout: 10_000 }).toMatch(/link up/);
    // The dock by the name people know it by, not its id.
    expect(await s.page.locator('#docks [data-dock="dock-1"] > strong').textContent()).toBe('Security Office Dock A');
    const row = s.page.locator('#evidence-files tr', { hasText: 'shift-b-001.mp4' });
    expect(await row.textContent()).toMatch(/BWC-0001.*SEC 7/);
    const id = (await row.getAttribute('data-evidence'))!;

    // Per bay: the camera in bay 1 and how far its files came.
    expect(await s.page.locator('#docks [data-dock="dock-1"] [data-bay="1"]').first().textContent()).toMatch(/Bay 1 · BWC-0001 .*% \(\d+ kB of \d+ kB\)/);

    // An incident to attach the footage to, picked by its TW number and title, never typed.
    const controller = await login(gw.httpPort, 'controller');
    const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/incidents`, {
      method: 'POST',
      headers: { ...withCsrf(controller), 'content-type': 'application/json' },
      body: JSON.stringify({ category: 'violence', description: 'Fight at the taxi rank', place: { zone: 'market-square' } }),
    });
    const created = (await res.json()) as { data: IncidentRecord; error?: unknown };
    expect(created.error).toBeUndefined();
    const incident = created.data;

    await row.click();
    await expect.poll(() => s.page.locator('#custody-log').textContent()).toMatch(/evidence\.verified[\s\S]*evidence\.viewed · secmgr/);
    expect(await s.page.locator('#custody-log').textContent()).toMatch(/evidence\.verified · Security Office Dock A/);
    expect(await s.page.locator('#evidence-detail').textContent()).toContain(id);
    expect(await s.page.locator('#evidence-detail').textContent()).toMatch(/DockSecurity Office Dock A bay 1/);
    // Exported under the name a player expects: the camera and the start in site time.
    expect(await s.page.locator('#evidence-detail [data-file-name]').textContent()).toMatch(/^BWC-0001_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d\.mp4$/);
    expect(await s.page.locator('#evidence-preview').getAttribute('src')).toBe(`/api/evidence/${id}/media`);

    const option = s.page.locator('#mark-incident option', { hasText: incident.reference! });
    await expect.poll(() => option.count(), { timeout: 10_000 }).toBe(1);
    expect(await option.textContent()).toMatch(/Fight at the taxi rank/);
    await s.page.locator('#mark-incident').selectOption(incident.incidentId);
    await s.page.getByRole('button', { name: 'Mark evidential' }).click();
    await eventually(() => journal('evidence.marked-evidential', (e) => e.ref === id).length === 1, 10_000, 'marked');
    await expect.poll(() => row.textContent()).toMatch(/evidential/);
    await s.page.locator('#hold-reason').fill('Complaint received');
    await s.page.getByRole('button', { name: 'Hold', exact: true }).click();
    await eventually(() => journal('evidence.hold', (e) => e.ref === id).length === 1, 10_000, 'held');
    await expect.poll(() => row.textContent()).toMatch(/on hold/);

    expect(await s.page.locator('#evidence-incidents').textContent()).toBe(incident.reference);
    await s.page.locator('#bundle-incident').selectOption(incident.incidentId);
    // One click exports and downloads: the browser fetches the archive through the API with its session.
    const [download] = await Promise.all([s.page.waitForEvent('download'), s.page.getByRole('button', { name: 'Export and download' }).click()]);
    await eventually(() => journal('evidence.exported', (e) => e.ref === id).length === 1, 10_000, 'exported');
    expect(download.suggestedFilename()).toMatch(new RegExp(`^${incident.reference}_[0-9A-Z]{26}\\.tar$`));
    const saved = join(dir, 'bundle-incident.tar');
    await download.saveAs(saved);
    expect(existsSync(saved)).toBe(true);
    await eventually(() => journal('evidence.bundle-downloaded', (e) => e.ref === id).length === 1, 10_000, 'downloaded');
    for (const type of ['evidence.marked-evidential', 'evidence.hold', 'evidence.exported', 'evidence.bundle-downloaded']) {
      expect(journal(type, (e) => e.ref === id).map((e) => e.actor)).toEqual(['secmgr']);
    }
    await screenshot(s.page, 'evidence');
    expect(s.errors).toEqual([]);
  });

  it('lets a controller see the footage and its custody, without the handling forms', async () => {
    const s = await session('controller');
    await s.page.getByRole('link', { name: /Evidence/ }).click();
    const row = s.page.locator('#evidence-files tr', { hasText: 'shift-b-002.mp4' });
    await row.click();
    await s.page.locator('#custody-log li').first().waitFor();
    expect(await s.page.locator('#mark-incident, #hold-reason, #bundle-incident').count()).toBe(0);
  });

  it('shows a hash-mismatch alarm on the evidence screen; a security manager acknowledges it, journaled with the user', async () => {
    const s = await session('secmgr');
    await s.page.getByRole('link', { name: /Evidence/ }).click();
    sim.dock('BWC-0002');
    const alarm = s.page.locator('#evidence-alarms li', { hasText: 'tampered-b.mp4' });
    await alarm.waitFor({ timeout: 20_000 });
    expect(await alarm.textContent()).toMatch(/BWC-0002 tampered-b\.mp4 via Security Office Dock A.*does not match/);
    expect(await s.page.locator('#evidence-alarms h2').textContent()).toMatch(/1 open/);
    await alarm.getByRole('textbox').fill('Camera withdrawn for inspection');
    await alarm.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => alarm.textContent(), { timeout: 10_000 }).toMatch(/acknowledged by secmgr: Camera withdrawn for inspection/);
    expect(journal('evidence.alarm-acknowledged').map((e) => [e.actor, (e.payload as { name: string }).name])).toEqual([['secmgr', 'tampered-b.mp4']]);
    // A controller sees the alarm but has no form to acknowledge it.
    const c = await session('controller');
    await c.page.getByRole('link', { name: /Evidence/ }).click();
    await c.page.locator('#evidence-alarms li', { hasText: 'tampered-b.mp4' }).waitFor();
    expect(await c.page.locator('#evidence-alarms button').count()).toBe(0);
  });
});
