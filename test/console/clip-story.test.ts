import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { IncidentRecord } from '../../gateway/contract/tracking';
import type { JournalEvent } from '../../gateway/journal/types';
import type { RtspCameraSim } from '../../simulators/cctv/rtsp-sim';
import { startSim } from '../devices/cctv/sim-helper';
import { eventually, login, startGateway, testConfig, withCsrf } from '../helpers/gateway';
import { launchChromium, loginAs, newSession, screenshot, type Session } from './browser';

/**
 * Issue 16's evidence story in a real Chromium, against a real H.264 RTSP camera: an operator
 * records a clip from the live camera and attaches it (and a bookmark) to an incident picked by
 * its TW number; police play it in the browser and download the incident's bundle, whose files,
 * names and hashes are checked as a recipient would (`sha256sum -c`).
 */
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
const run = promisify(execFile);
let sim: RtspCameraSim;
let gw: Gateway;
let dir: string;
let base: string;
let browser: Browser;
let incident: IncidentRecord;
const sessions: Session[] = [];

beforeAll(async () => {
  sim = await startSim(['cam-01'], 'h264');
  const t = testConfig((doc) => {
    doc.cameras = (doc.cameras as Array<Record<string, unknown>>).slice(0, 1).map((c) => ({ ...c, rtspUrl: sim.url(c.id as string) }));
    doc.cctv = { rtspTransport: 'udp', ioTimeoutSeconds: 3, idleStopSeconds: 0.5, probeIntervalSeconds: 60, frigateCameras: {} };
  });
  dir = t.dir;
  gw = await startGateway(t.config, { baseDir: t.dir });
  base = `http://127.0.0.1:${gw.httpPort}`;
  // The incident the footage is for: taken by the control room before the story starts.
  const controller = await login(gw.httpPort, 'controller');
  const res = await fetch(`${base}/api/incidents`, {
    method: 'POST',
    headers: { ...withCsrf(controller), 'content-type': 'application/json' },
    body: JSON.stringify({ category: 'theft', description: 'Bag taken from a bench', place: { zone: 'market-square' } }),
  });
  incident = ((await res.json()) as { data: IncidentRecord }).data;
  browser = await launchChromium();
}, 120_000);

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.context.close().catch(() => undefined)));
});

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  await sim?.stop();
});

async function session(username: string): Promise<Session> {
  const s = await newSession(browser);
  sessions.push(s);
  await loginAs(s.page, base, username);
  return s;
}

const journal = (type: string, where: (e: JournalEvent) => boolean = () => true) => [...gw.journal.replay()].filter((e) => e.type === type && where(e));

describe('a clip from a live camera, as evidence', () => {
  it('is recorded by an operator for an incident, played by police in the browser, and downloaded in its bundle', async () => {
    // The operator, at the camera wall: camera, incident by its TW number, length; Record.
    const op = await session('operator');
    await op.page.getByRole('link', { name: /Cameras/ }).click();
    await op.page.locator('#clip-form').waitFor();
    // One tile, so the camera's live picture is what the operator records from.
    await op.page.locator('.cameras-panel button[data-layout="1"]').click();
    await op.page.locator('#clip-camera').selectOption({ label: 'Market Square' });
    const option = op.page.locator('#clip-incident option', { hasText: incident.reference! });
    await expect.poll(() => option.count(), { timeout: 10_000 }).toBe(1);
    expect(await option.textContent()).toMatch(/Bag taken from a bench/);
    await op.page.locator('#clip-incident').selectOption(incident.incidentId);
    await op.page.locator('#clip-seconds').fill('3');
    await op.page.locator('#clip-seconds').press('Enter');
    const status = op.page.locator('#clip-status');
    await expect
      .poll(() => status.textContent(), { timeout: 30_000 })
      .toMatch(/^Recorded cam-01_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d\.mp4 \(\d+ kB, SHA-256 [0-9a-f]{12}…\)$/);
    const recordedText = await status.textContent();
    await op.page.locator('#bookmark-note').fill('Man in a grey hoodie lifts the bag');
    await op.page.getByRole('button', { name: 'Bookmark now' }).click();
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('Bookmarked Market Square');
    await expect.poll(() => op.page.locator('#camera-wall .tile[data-camera="cam-01"]').getAttribute('data-video'), { timeout: 45_000 }).toBe('live');
    await screenshot(op.page, 'clip-record');
    expect(op.errors).toEqual([]);

    const [recorded] = journal('evidence.clip-recorded');
    expect(recorded?.actor).toBe('operator');
    const clip = recorded!.payload as { evidenceId: string; sha256: string; size: number; name: string; incidentId: string };
    // The clip as journaled, its size read as everywhere else in the console (kB of 1,000 bytes).
    expect(recordedText).toBe(`Recorded ${clip.name} (${Math.round(clip.size / 1000)} kB, SHA-256 ${clip.sha256.slice(0, 12)}…)`);
    expect(clip.incidentId).toBe(incident.incidentId);
    expect(journal('cctv.bookmark').map((e) => [e.actor, (e.payload as { incidentId?: string }).incidentId])).toEqual([['operator', incident.incidentId]]);

    // Police, at the evidence screen: the clip is there by camera name, and plays.
    const police = await session('police');
    await police.page.getByRole('link', { name: /Evidence/ }).click();
    const row = police.page.locator(`#evidence-files tr[data-evidence="${clip.evidenceId}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toMatch(/Market Square.*CCTV clip by operator.*evidential/);
    await row.click();
    const video = police.page.locator('#evidence-preview');
    await video.waitFor();
    await video.evaluate((v: HTMLVideoElement) => v.play());
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => ({ playing: v.currentTime > 0.3, width: v.videoWidth, error: v.error?.code ?? null })), {
        timeout: 20_000,
      })
      .toEqual({ playing: true, width: 320, error: null });
    await eventually(() => journal('evidence.previewed', (e) => e.ref === clip.evidenceId && e.actor === 'police').length >= 1, 10_000, 'the play journaled');
    expect(await police.page.locator('#evidence-incidents').textContent()).toBe(incident.reference);
    await screenshot(police.page, 'clip-preview');

    // The incident's bundle, exported and downloaded in one click.
    await police.page.locator('#bundle-incident').selectOption(incident.incidentId);
    const [download] = await Promise.all([police.page.waitForEvent('download'), police.page.getByRole('button', { name: 'Export and download' }).click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^${incident.reference}_[0-9A-Z]{26}\\.tar$`));
    const saved = join(dir, download.suggestedFilename());
    await download.saveAs(saved);
    const bundleId = download.suggestedFilename().slice(-30, -4);
    const listing = (await run('tar', ['-tf', saved], { cwd: dir })).stdout.trim().split('\n').sort();
    expect(listing).toEqual(
      [
        `files/${clip.name}`,
        'documents/incident.json',
        'documents/reports.json',
        'documents/bookmarks.json',
        'documents/track.geojson',
        'manifest.json',
        'SHA256SUMS',
      ]
        .map((f) => `${bundleId}/${f}`)
        .sort(),
    );
    await run('tar', ['-xf', saved], { cwd: dir });
    const out = join(dir, bundleId);
    // The footage is the bytes recorded, by its hash; every line of SHA256SUMS holds.
    expect(
      createHash('sha256')
        .update(readFileSync(join(out, 'files', clip.name)))
        .digest('hex'),
    ).toBe(clip.sha256);
    expect((await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out })).stdout.match(/: OK$/gm)).toHaveLength(5);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      exportedBy: string;
      incident: { reference: string };
      files: Array<{ file: string; sha256: string; custody: Array<{ type: string; actor: string | null }> }>;
    };
    expect(manifest).toMatchObject({ exportedBy: 'police', incident: { reference: incident.reference } });
    expect(manifest.files.map((f) => [f.file, f.sha256])).toEqual([[`files/${clip.name}`, clip.sha256]]);
    expect(manifest.files[0]!.custody.map((c) => `${c.type} ${c.actor}`)).toEqual(
      expect.arrayContaining([
        'evidence.clip-recorded operator',
        'evidence.marked-evidential operator',
        'evidence.previewed police',
        'evidence.exported police',
      ]),
    );
    const bookmarks = JSON.parse(readFileSync(join(out, 'documents/bookmarks.json'), 'utf8')) as Array<{ note: string }>;
    expect(bookmarks.map((b) => b.note)).toEqual(['Man in a grey hoodie lifts the bag']);
    await eventually(() => journal('evidence.bundle-downloaded', (e) => e.ref === clip.evidenceId && e.actor === 'police').length === 1, 10_000, 'downloaded');
    expect(police.errors).toEqual([]);
  });
});
