import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { JournalEvent } from '../../gateway/journal/types';
import { ManualClock } from '../helpers/clock';
import { login, startGateway, testConfig, withCsrf } from '../helpers/gateway';
import { EXIF_GPS, realJpeg, withSegments } from '../helpers/photos';

/**
 * Issue 16, item 4: a subject is shared with members only by a controller's or officer's
 * decision, always until an expiry, and can be withdrawn before it; a subject can be put on the
 * watch list and taken off it. Each is role-checked at the gateway and journaled with its actor.
 */
let gw: Gateway;
let dataDir: string;
const clock = new ManualClock();
const cookies: Record<string, string> = {};
const USERS = ['controller', 'police', 'member', 'engineer', 'operator', 'secmgr'];

beforeAll(async () => {
  const cfg = testConfig();
  dataDir = cfg.dir;
  gw = await startGateway(cfg.config, { clock });
  for (const u of USERS) cookies[u] = await login(gw.httpPort, u);
});
afterAll(async () => {
  await gw.stop();
});

interface Reply<T = unknown> {
  status: number;
  body: { data?: T; error?: { code: string; message: string; details?: string[] } };
  text: string;
}

async function call<T = unknown>(user: string, method: string, path: string, body?: unknown): Promise<Reply<T>> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}${path}`, {
    method,
    headers: { ...withCsrf(cookies[user]!), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as Reply<T>['body'] };
}

const journal = (type: string, ref: string): JournalEvent[] => [...gw.journal.replay()].filter((e) => e.type === type && e.ref === ref);
const inMinutes = (m: number) => new Date(clock.now() + m * 60_000).toISOString();

async function newSubject(name: string): Promise<string> {
  const r = await call<{ id: string }>('controller', 'POST', '/api/subjects', {
    status: 'known',
    name,
    description: `${name}: tall, green parka`,
    markers: ['violence'],
  });
  expect(r.status, r.text).toBe(200);
  return r.body.data!.id;
}

describe('sharing a subject with members', () => {
  it('only a controller or officer may share or withdraw; the others are refused and nothing is journaled', async () => {
    const id = await newSubject('Refused Share');
    for (const user of ['member', 'engineer', 'operator', 'secmgr']) {
      expect((await call(user, 'POST', `/api/subjects/${id}/share`, { until: inMinutes(60) })).status, user).toBe(403);
      expect((await call(user, 'POST', `/api/subjects/${id}/withdraw`, { reason: 'x' })).status, user).toBe(403);
    }
    expect(journal('subject.shared', id)).toEqual([]);
    expect((await call('member', 'GET', `/api/subjects/${id}`)).status).toBe(404);
  });

  it('members see a shared subject until the expiry, and then he is gone for them (not for the control room)', async () => {
    const id = await newSubject('Dean Hollis');
    const shared = await call<{ sharedWithMembersUntil: string }>('police', 'POST', `/api/subjects/${id}/share`, {
      until: inMinutes(2),
      note: 'Shoplifting spree this week',
    });
    expect(shared.status, shared.text).toBe(200);
    expect(journal('subject.shared', id).map((e) => [e.actor, (e.payload as { note: string }).note])).toEqual([['police', 'Shoplifting spree this week']]);

    const seen = await call<{ description: string; access: string }>('member', 'GET', `/api/subjects/${id}`);
    expect(seen.status).toBe(200);
    expect(seen.body.data).toMatchObject({ access: 'shared', description: 'Dean Hollis: tall, green parka' });
    // A member sees what is shared, never the identity or the markers.
    expect(seen.text).not.toMatch(/violence|"name"/);
    expect((await call<Array<{ id: string }>>('member', 'GET', '/api/subjects?q=parka')).body.data!.map((s) => s.id)).toContain(id);
    const report = { kind: 'sighting', category: 'suspicious', occurredAt: new Date().toISOString(), description: 'Him again', subjectId: id };
    expect((await call('member', 'POST', '/api/reports', report)).status).toBe(200);

    await clock.advance(3 * 60_000);
    expect((await call('member', 'GET', `/api/subjects/${id}`)).status).toBe(404);
    expect((await call<Array<{ id: string }>>('member', 'GET', '/api/subjects?q=parka')).body.data!.map((s) => s.id)).not.toContain(id);
    const late = await call('member', 'POST', '/api/reports', report);
    expect(late.status).toBe(400);
    expect(late.body.error?.details).toEqual([`subjectId: unknown subject "${id}"`]);
    expect((await call<{ name: string }>('controller', 'GET', `/api/subjects/${id}`)).body.data?.name).toBe('Dean Hollis');
  });

  it('a share is withdrawn before its expiry, journaled with who withdrew it and why', async () => {
    const id = await newSubject('Withdrawn Share');
    expect((await call('controller', 'POST', `/api/subjects/${id}/share`, { until: inMinutes(24 * 60) })).status).toBe(200);
    expect((await call('member', 'GET', `/api/subjects/${id}`)).status).toBe(200);
    const w = await call<{ sharedWithMembers: boolean }>('police', 'POST', `/api/subjects/${id}/withdraw`, { reason: 'Identified: wrong man' });
    expect(w.status, w.text).toBe(200);
    expect(w.body.data?.sharedWithMembers).toBe(false);
    expect(journal('subject.withdrawn', id).map((e) => [e.actor, (e.payload as { reason: string }).reason])).toEqual([['police', 'Identified: wrong man']]);
    expect((await call('member', 'GET', `/api/subjects/${id}`)).status).toBe(404);
    expect((await call('police', 'POST', `/api/subjects/${id}/withdraw`, { reason: 'again' })).status).toBe(409);
  });

  it('every share ends: no share without an expiry through an edit, none in the past, none beyond a year', async () => {
    const id = await newSubject('No Endless Share');
    const patch = await call('controller', 'PATCH', `/api/subjects/${id}`, { sharedWithMembers: true });
    expect(patch.status).toBe(400);
    expect(patch.body.error?.details?.[0]).toMatch(/share with members through POST .*\/share, with an expiry/);
    expect((await call('controller', 'POST', `/api/subjects/${id}/share`, {})).status).toBe(400);
    const past = await call('controller', 'POST', `/api/subjects/${id}/share`, { until: inMinutes(-1) });
    expect(past.body.error?.details).toEqual(['until: the share must end in the future']);
    const far = await call('controller', 'POST', `/api/subjects/${id}/share`, { until: inMinutes(400 * 24 * 60) });
    expect(far.status).toBe(400);
    expect((await call('controller', 'POST', '/api/subjects/subj-nobody/share', { until: inMinutes(60) })).status).toBe(404);
    expect(journal('subject.shared', id)).toEqual([]);
    expect((await call('member', 'GET', `/api/subjects/${id}`)).status).toBe(404);
  });
});

describe('the watch list', () => {
  it('a controller or officer puts a subject on the watch list and takes him off, each journaled with the actor', async () => {
    const id = await newSubject('Watched Man');
    for (const user of ['member', 'engineer', 'operator', 'secmgr']) {
      expect((await call(user, 'POST', `/api/subjects/${id}/watch`, { reason: 'x' })).status, user).toBe(403);
    }
    expect((await call('police', 'POST', `/api/subjects/${id}/watch`, {})).status).toBe(400);
    const w = await call<{ watch: { by: string; reason: string } }>('police', 'POST', `/api/subjects/${id}/watch`, { reason: 'Seen with a knife' });
    expect(w.status, w.text).toBe(200);
    expect(w.body.data?.watch).toMatchObject({ by: 'police', reason: 'Seen with a knife' });
    expect((await call('police', 'POST', `/api/subjects/${id}/watch`, { reason: 'again' })).status).toBe(409);
    expect((await call<{ watch: unknown }>('operator', 'GET', `/api/subjects/${id}`)).body.data?.watch).toMatchObject({ by: 'police' });
    // The watch list, by name for the roles that read the gallery; its ids in the live state for the consoles.
    const listed = await call<Array<{ id: string }>>('controller', 'GET', '/api/subjects?watched=true');
    expect(listed.body.data!.map((s) => s.id)).toEqual([id]);
    expect(journal('subject.viewed', id).some((e) => e.actor === 'controller' && (e.payload as { via: string }).via === 'watch-list')).toBe(true);
    expect((await call<{ watched: string[] }>('operator', 'GET', '/api/state')).body.data?.watched).toEqual([id]);
    expect((await call<{ watched: string[] }>('engineer', 'GET', '/api/state')).body.data?.watched).toEqual([]);

    // Members never learn who is watched, even of a subject shared with them.
    expect((await call('controller', 'POST', `/api/subjects/${id}/share`, { until: inMinutes(60) })).status).toBe(200);
    const member = await call('member', 'GET', `/api/subjects/${id}`);
    expect(member.status).toBe(200);
    expect((await call<unknown[]>('member', 'GET', '/api/subjects?watched=true')).body.data).toEqual([]);
    expect(member.text).not.toMatch(/knife|"watch"/);

    const u = await call<{ watch: unknown }>('controller', 'POST', `/api/subjects/${id}/unwatch`, { note: 'Arrested' });
    expect(u.status, u.text).toBe(200);
    expect(u.body.data?.watch).toBeNull();
    expect((await call<{ watched: string[] }>('operator', 'GET', '/api/state')).body.data?.watched).toEqual([]);
    expect((await call('controller', 'POST', `/api/subjects/${id}/unwatch`, {})).status).toBe(409);
    expect(journal('subject.watched', id).map((e) => e.actor)).toEqual(['police']);
    expect(journal('subject.unwatched', id).map((e) => [e.actor, (e.payload as { note: string }).note])).toEqual([['controller', 'Arrested']]);
  });
});

describe('orders of each kind', () => {
  it('records a Community Protection Warning only as a warning, and a notice or exclusion notice with its kind', async () => {
    const subjectId = await newSubject('Order Kinds');
    const base = { subjectId, conditions: 'Not to enter', excludedZones: ['market-square'], startsAt: inMinutes(0), expiresAt: inMinutes(60 * 24 * 90) };
    const cpwIssued = await call('controller', 'POST', '/api/cbos', { ...base, kind: 'cpw', state: 'issued' });
    expect(cpwIssued.status).toBe(400);
    expect(cpwIssued.body.error?.details).toEqual(['state: a Community Protection Warning is recorded as a warning']);
    const cpw = await call<{ id: string; kind: string; state: string }>('controller', 'POST', '/api/cbos', { ...base, kind: 'cpw', state: 'warning' });
    expect(cpw.body.data).toMatchObject({ kind: 'cpw', state: 'warning' });
    const cpn = await call<{ id: string; kind: string; state: string }>('police', 'POST', '/api/cbos', {
      ...base,
      kind: 'cpn',
      excludedPremises: ['prem-013'],
    });
    expect(cpn.body.data).toMatchObject({ kind: 'cpn', state: 'issued', excludedPremises: ['prem-013'] });
    const view = await call<{ cbos: Array<{ id: string; kind: string }> }>('controller', 'GET', `/api/subjects/${subjectId}`);
    expect(view.body.data!.cbos.map((c) => c.kind).sort()).toEqual(['cpn', 'cpw']);
    expect(journal('cbo.issued', cpn.body.data!.id).map((e) => e.actor)).toEqual(['police']);
    expect((await call('controller', 'POST', '/api/cbos', { ...base, kind: 'asbo' })).status).toBe(400);
  });
});

describe('photos of subjects', () => {
  it('stores a photo content-addressed with its GPS and owner stripped, and serves it only to roles that may see the subject, each look journaled', async () => {
    const id = await newSubject('Photo Subject');
    const phone = withSegments(realJpeg(), EXIF_GPS);
    const image = phone.toString('base64');
    for (const user of ['member', 'engineer', 'operator', 'secmgr']) {
      expect((await call(user, 'POST', `/api/subjects/${id}/photo`, { image })).status, user).toBe(403);
    }
    const up = await call<{ photoRef: string }>('police', 'POST', `/api/subjects/${id}/photo`, { image });
    expect(up.status, up.text).toBe(200);
    const set = journal('subject.photo-set', id);
    expect(set.map((e) => [e.actor, (e.payload as { removed: string[] }).removed])).toEqual([['police', ['exif']]]);
    const sha256 = (set[0]!.payload as { sha256: string }).sha256;
    expect(up.body.data?.photoRef).toBe(`sha256:${sha256}`);

    // On disk under its own hash, without what the phone wrote.
    const stored = readFileSync(join(dataDir, 'photos', 'sha256', sha256.slice(0, 2), sha256));
    expect(createHash('sha256').update(stored).digest('hex')).toBe(sha256);
    expect(stored.toString('latin1')).not.toMatch(/GPSLatitude|Jane Member/);

    const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/subjects/${id}/photo`, { headers: withCsrf(cookies.operator!) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(Buffer.from(await res.arrayBuffer()).equals(stored)).toBe(true);
    expect(
      journal('subject.viewed', id)
        .filter((e) => (e.payload as { via: string }).via === 'photo')
        .map((e) => e.actor),
    ).toEqual(['operator']);

    // Members: only while the subject is shared with them.
    const photo = (user: string) =>
      fetch(`http://127.0.0.1:${gw.httpPort}/api/subjects/${id}/photo`, { headers: withCsrf(cookies[user]!) }).then((r) => r.status);
    expect(await photo('member')).toBe(404);
    expect(await photo('engineer')).toBe(403);
    expect((await call('controller', 'POST', `/api/subjects/${id}/share`, { until: inMinutes(60) })).status).toBe(200);
    expect(await photo('member')).toBe(200);

    // The same picture again is the same file; something that is not a photo is refused.
    const again = await call<{ photoRef: string }>('controller', 'POST', `/api/subjects/${id}/photo`, { image });
    expect(again.body.data?.photoRef).toBe(`sha256:${sha256}`);
    const bad = await call('controller', 'POST', `/api/subjects/${id}/photo`, { image: Buffer.from('<svg onload=alert(1)>').toString('base64') });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.details).toEqual(['image: a photo must be a JPEG or PNG image']);
    expect((await call('controller', 'POST', `/api/subjects/${id}/photo`, { image: 'not base64!' })).status).toBe(400);
    expect(journal('subject.photo-set', id)).toHaveLength(2);
  });

  it('a subject without a stored photo has none to serve', async () => {
    const id = await newSubject('No Photo');
    expect((await call('controller', 'GET', `/api/subjects/${id}/photo`)).status).toBe(404);
  });
});
