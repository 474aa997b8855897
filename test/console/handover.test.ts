import { describe, expect, it, vi } from 'vitest';
import type { TrackView } from '../../gateway/contract/tracking-views';
import { eventually, loginSession } from '../helpers/gateway';
import { consoleSuite, screenshot } from './browser';

/**
 * Issue 16, item 12, in Chromium: a handover that helps. Each zone the subject may go next
 * says how likely it is, as a percent and in words; a likely zone no camera covers is flagged
 * above the handover; the cameras are listed by when he could first be in view; and "Open"
 * shows that camera on the wall, marked, playing.
 */
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
const suite = consoleSuite();

async function call<T>(username: string, method: string, path: string, body?: unknown): Promise<T> {
  const { cookie, csrf } = await loginSession(suite.gw.httpPort, username);
  const res = await fetch(`${suite.base}${path}`, {
    method,
    headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { data: T };
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

describe('camera handover', () => {
  it('shows each next zone’s likelihood, flags likely zones no camera covers, lists cameras by time and opens one on the wall', async () => {
    const gw = suite.gw;
    const subjectId = (await call<{ id: string }>('controller', 'POST', '/api/subjects', { status: 'known', name: 'Kyle Brand', description: 'Red jacket' }))
      .id;
    // Seen in the Victoria Centre, then in High Street North: heading on, to Castle Walk or to
    // Queen Street, which no camera covers.
    await call('controller', 'POST', '/api/sightings', {
      subjectId,
      source: 'patrol',
      at: new Date(Date.now() - 120_000).toISOString(),
      place: { zone: 'victoria-centre' },
    });
    await call('controller', 'POST', '/api/sightings', { subjectId, source: 'patrol', place: { zone: 'high-street-north' } });
    await eventually(
      async () => (await call<TrackView>('police', 'GET', `/api/subjects/${subjectId}/track`)).track.sightings.length === 2,
      10_000,
      'both sightings on the track',
    );

    const s = await suite.session('controller');
    // What the gateway told this page (predictions depend on the time they are asked at).
    const answer = s.page.waitForResponse((r) => r.url().endsWith(`/api/subjects/${subjectId}/track`));
    await s.page.goto(`${suite.base}/tracking?subject=${subjectId}`);
    const expected = ((await (await answer).json()) as { data: TrackView }).data;
    expect(expected.track.sightings.map((x) => x.zone)).toEqual(['victoria-centre', 'high-street-north']);
    expect(expected.predicted.length).toBeGreaterThan(1);
    // The live tracks name him (the controller may know who he is), not by his subject number.
    await expect.poll(() => s.page.locator(`#track-list button[data-subject="${subjectId}"]`).textContent()).toBe('Kyle Brand');
    const rows = s.page.locator('#predicted-zones li');
    await expect.poll(() => rows.count()).toBe(expected.predicted.length);
    const zoneName = (id: string) => gw.config.zones.find((z) => z.id === id)!.name;

    // Likelihood as a share of all the ways he may go, in whole percent, most likely first.
    // The words compare each with the likeliest: with many ways out, the likeliest may be 20 %.
    const total = expected.predicted.reduce((sum, p) => sum + p.likelihood, 0);
    const top = expected.predicted[0]!.likelihood;
    const wordsOf = (l: number) => (l / top >= 0.95 ? 'most likely' : l / top >= 0.6 ? 'likely' : l / top >= 0.3 ? 'possible' : 'unlikely');
    const texts = await rows.allTextContents();
    expected.predicted.forEach((p, i) => {
      const percent = Math.round((100 * p.likelihood) / total);
      const words = wordsOf(p.likelihood);
      expect(texts[i]).toMatch(new RegExp(`^${zoneName(p.zone)} ${percent} % \\(${words}\\) · \\d+ min walk`));
      expect(texts[i]!.includes('no camera covers it')).toBe(!p.covered);
    });

    // The likely zones without a camera are named above the handover.
    const blind = expected.predicted.filter((p) => !p.covered && p.likelihood / top >= 0.6);
    expect(blind.map((p) => p.zone)).toEqual(['queen-street']);
    const q = blind[0]!;
    expect(await s.page.locator('#handover-blind').textContent()).toBe(
      `No camera covers Queen Street, ${Math.round((100 * q.likelihood) / total)} % (${wordsOf(q.likelihood)}): send someone there.`,
    );

    // Cameras in the order to use them: where he is now, then by the earliest he could be in view.
    const handover = s.page.locator('#handover li');
    expect(await handover.count()).toBe(expected.handover.length);
    const times = expected.handover.map((c) => (c.reachableAt ? Date.parse(c.reachableAt) : 0));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const shown = await handover.locator('button[data-camera]').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.camera));
    expect(shown).toEqual(expected.handover.map((c) => c.cameraId));
    await screenshot(s.page, 'handover');

    // "Open" on a camera the wall does not show by default (it starts with the first four).
    const wallDefault = gw.config.cameras.slice(0, 4).map((c) => c.id);
    const target = expected.handover.find((c) => !wallDefault.includes(c.cameraId)) ?? expected.handover.at(-1)!;
    const cameraName = gw.config.cameras.find((c) => c.id === target.cameraId)!.name;
    const open = s.page.getByRole('button', { name: `Open ${cameraName} on the camera wall` });
    await open.focus();
    await s.page.keyboard.press('Enter');
    await expect.poll(() => s.page.evaluate(() => location.pathname + location.search)).toBe(`/cameras?camera=${target.cameraId}`);
    // Before, the wall ignored the camera asked for and showed its first four as always.
    await expect.poll(() => s.page.locator(`#camera-wall .tile[data-camera="${target.cameraId}"]`).count()).toBe(1);
    const tile = s.page.locator('#camera-wall .tile[data-asked]');
    await expect.poll(() => tile.getAttribute('data-camera')).toBe(target.cameraId);
    expect(await s.page.locator('#camera-wall .tile[data-asked]').count()).toBe(1);
    expect(await tile.locator('select').inputValue()).toBe(target.cameraId);
    // Its player asks the gateway for that camera's stream.
    expect(await tile.locator('canvas').getAttribute('aria-label')).toBe(`Live video of ${cameraName}`);
    await screenshot(s.page, 'handover-open');
    expect(s.errors).toEqual([]);
  });
});
