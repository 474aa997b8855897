import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { ManualClock } from '../helpers/clock';
import { journaled, login, startGateway, testConfig, withCsrf } from '../helpers/gateway';

/**
 * The tracking watch keeps time on the gateway's clock: a track nobody has seen for
 * `tracking.trackEndMinutes` ends, and an exclusion order past its expiry expires, each
 * journaled once. The clock is moved on by the hour instead of waited for.
 */
const clock = new ManualClock();
let gw: Gateway;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  gw = await startGateway(testConfig().config, { clock });
  for (const u of ['police', 'operator', 'member']) cookies[u] = await login(gw.httpPort, u);
});
afterAll(async () => {
  await gw.stop();
});

async function post<T>(user: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}${path}`, {
    method: 'POST',
    headers: { ...withCsrf(cookies[user]!), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return (JSON.parse(text) as { data: T }).data;
}

const TICK_MS = 5000;

describe('the tracking watch on the gateway clock', () => {
  it('expires an order at its expiry and ends a track after the silence, not before, each once', async () => {
    const { id: subjectId } = await post<{ id: string }>('police', '/api/subjects', { status: 'sought', description: 'Tall male, red jacket' });
    const expiresAt = Date.now() + 30 * 60_000;
    const { id: cboId } = await post<{ id: string }>('police', '/api/cbos', {
      subjectId,
      conditions: 'Not to enter the market',
      startsAt: new Date(Date.now() - 60_000).toISOString(),
      expiresAt: new Date(expiresAt).toISOString(),
      excludedZones: [gw.config.zones[0]!.id],
    });
    await post('operator', '/api/sightings', { subjectId, place: { cameraId: 'cam-04' }, at: new Date(Date.now() - 60_000).toISOString() });
    await clock.advance(TICK_MS); // the derivations queued before this tick are done with it
    const track = gw.projections.tracks.get(subjectId)!;
    expect(track.state).toBe('active');
    const endsAt = track.sightings[track.sightings.length - 1]!.atMs + gw.config.tracking.trackEndMinutes * 60_000;
    const cbo = () => [...gw.projections.cbos.all()].find((c) => c.id === cboId)!;
    const ended = () => journaled(gw, 'track.ended').filter((p) => p.subjectId === subjectId);
    const expired = () => journaled(gw, 'cbo.expired').filter((p) => p.cboId === cboId);

    await clock.advance(expiresAt - TICK_MS - clock.now());
    expect(cbo().state).toBe('issued');
    expect(expired()).toEqual([]);
    await clock.advance(2 * TICK_MS);
    expect(expired()).toHaveLength(1);
    expect(cbo().state).toBe('expired');

    await clock.advance(endsAt - TICK_MS - clock.now());
    expect(gw.projections.tracks.get(subjectId)!.state).toBe('active');
    expect(ended()).toEqual([]);
    await clock.advance(2 * TICK_MS);
    expect(ended()).toHaveLength(1);
    expect(gw.projections.tracks.get(subjectId)!.state).toBe('ended');

    await clock.advance(60 * 60_000); // an hour of further ticks journals neither again
    expect(expired()).toHaveLength(1);
    expect(ended()).toHaveLength(1);
  });

  it('ends a share with members at its expiry, on the record once, and members no longer see the subject', async () => {
    const { id: subjectId } = await post<{ id: string }>('police', '/api/subjects', { status: 'sought', description: 'Short male, green cap' });
    const until = clock.now() + 45 * 60_000;
    await post('police', `/api/subjects/${subjectId}/share`, { until: new Date(until).toISOString() });
    const expired = () => journaled(gw, 'subject.share-expired').filter((p) => p.subjectId === subjectId);
    const memberSees = async () => (await fetch(`http://127.0.0.1:${gw.httpPort}/api/subjects/${subjectId}`, { headers: { cookie: cookies.member! } })).status;
    expect(await memberSees()).toBe(200);

    await clock.advance(until - TICK_MS - clock.now());
    expect(expired()).toEqual([]);
    expect(gw.projections.subjects.get(subjectId)!.sharedWithMembers).toBe(true);
    await clock.advance(2 * TICK_MS);
    expect(expired()).toEqual([{ subjectId, until: new Date(until).toISOString() }]);
    expect(gw.projections.subjects.get(subjectId)).toMatchObject({ sharedWithMembers: false, sharedWithMembersUntil: null });
    expect(await memberSees()).toBe(404);
    await clock.advance(60 * 60_000);
    expect(expired()).toHaveLength(1);
  });
});
