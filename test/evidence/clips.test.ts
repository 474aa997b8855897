import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { EvidenceRecord } from '../../gateway/contract/views';
import type { IncidentRecord } from '../../gateway/contract/tracking';
import type { RtspCameraSim } from '../../simulators/cctv/rtsp-sim';
import { startSim } from '../devices/cctv/sim-helper';
import { login, startGateway, testConfig, withCsrf } from '../helpers/gateway';

/**
 * Clips from live cameras as evidence, against the real relay: an H.264 RTSP test camera
 * (rtsp-server-perl fed by ffmpeg), the gateway's ffmpeg stream copy into the evidence store,
 * a player's range requests, and the incident's bundle unpacked and checked with `sha256sum -c`.
 */
vi.setConfig({ testTimeout: 60_000, hookTimeout: 90_000 });
const run = promisify(execFile);
let sim: RtspCameraSim;
let gw: Gateway;
let dir: string;
const cookies: Record<string, string> = {};
let incident: IncidentRecord;
let clip: EvidenceRecord;

const NAME = /^cam-01_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d\.mp4$/;

async function call(who: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}${path}`, {
    method,
    headers: { ...withCsrf(cookies[who]!), ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  return res;
}

async function json<T>(res: Response): Promise<T> {
  return ((await res.json()) as { data: T }).data;
}

const events = (type: string) => [...gw.journal.replay()].filter((e) => e.type === type);

beforeAll(async () => {
  sim = await startSim(['cam-01'], 'h264');
  const t = testConfig((doc) => {
    const cams = doc.cameras as Array<Record<string, unknown>>;
    // cam-02 points at a mount nobody publishes: a camera that is down.
    doc.cameras = cams.slice(0, 2).map((c) => ({ ...c, rtspUrl: sim.url(c.id as string) }));
    doc.cctv = { rtspTransport: 'udp', ioTimeoutSeconds: 3, idleStopSeconds: 0.5, probeIntervalSeconds: 60, frigateCameras: {} };
  });
  dir = t.dir;
  gw = await startGateway(t.config, { baseDir: t.dir });
  for (const who of ['operator', 'police', 'secmgr', 'member', 'controller']) cookies[who] = await login(gw.httpPort, who);
  incident = await json<IncidentRecord>(
    await call('controller', 'POST', '/api/incidents', { category: 'theft', description: 'Phone snatched outside the bank', place: { zone: 'market-square' } }),
  );
}, 90_000);

afterAll(async () => {
  await gw?.stop();
  await sim?.stop();
});

describe('a clip from a live camera', () => {
  it('is a stream copy of the camera stored by its SHA-256, journaled with the operator and attached to the incident', async () => {
    const res = await call('operator', 'POST', '/api/cameras/cam-01/clips', { seconds: 3, incidentId: incident.incidentId });
    expect(res.status).toBe(201);
    clip = await json<EvidenceRecord>(res);
    expect(clip).toMatchObject({ origin: 'cctv', cam: 'cam-01', recordedBy: 'operator', category: 'evidential', incidents: [incident.incidentId] });
    expect(clip.name).toMatch(NAME);

    const path = gw.evidence.store.pathOf(clip.receivedSha256);
    const bytes = readFileSync(path);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(clip.receivedSha256);
    expect(bytes.length).toBe(clip.size);
    // The camera's own H.264, not re-encoded, about as long as asked for.
    const probe = JSON.parse(
      (await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name:format=duration,format_name', '-of', 'json', path])).stdout,
    ) as { streams: Array<{ codec_name: string }>; format: { duration: string; format_name: string } };
    expect(probe.streams.map((s) => s.codec_name)).toEqual(['h264']);
    expect(probe.format.format_name).toMatch(/mp4/);
    expect(Number(probe.format.duration)).toBeGreaterThan(2);
    expect(Number(probe.format.duration)).toBeLessThan(4.5);
    // Nothing is left behind in the store's scratch folder.
    expect(readdirSync(join(gw.evidence.store.dir, 'partial'))).toEqual([]);

    const recorded = events('evidence.clip-recorded');
    expect(recorded.map((e) => [e.actor, e.ref, (e.payload as { sha256: string }).sha256])).toEqual([['operator', clip.id, clip.receivedSha256]]);
    expect(events('evidence.marked-evidential').map((e) => [e.actor, e.ref])).toEqual([['operator', clip.id]]);
    expect(gw.projections.evidence.forIncident(incident.incidentId).map((r) => r.id)).toEqual([clip.id]);
  });

  it('is refused to roles without cctv.record, for unknown cameras or incidents, bad lengths, and a camera that is down', async () => {
    for (const who of ['secmgr', 'member']) expect((await call(who, 'POST', '/api/cameras/cam-01/clips', { seconds: 2 })).status).toBe(403);
    expect((await call('operator', 'POST', '/api/cameras/nope/clips', { seconds: 2 })).status).toBe(404);
    expect((await call('operator', 'POST', '/api/cameras/cam-01/clips', { seconds: 2, incidentId: 'inc-nope' })).status).toBe(404);
    for (const seconds of [0, 601, 2.5, '3']) expect((await call('operator', 'POST', '/api/cameras/cam-01/clips', { seconds })).status).toBe(400);
    const down = await call('operator', 'POST', '/api/cameras/cam-02/clips', { seconds: 2 });
    expect(down.status).toBe(502);
    expect(((await down.json()) as { error: { message: string } }).error.message).toMatch(/cam-02|failed|no video/i);
    expect(events('evidence.clip-recorded')).toHaveLength(1);
    expect(readdirSync(join(gw.evidence.store.dir, 'partial'))).toEqual([]);
  });
});

describe('a preview of the footage', () => {
  it('serves byte ranges to a player, journals each play (not each range), and refuses a role without evidence.view', async () => {
    const file = readFileSync(gw.evidence.store.pathOf(clip.receivedSha256));
    const media = `/api/evidence/${clip.id}/media`;
    const whole = await call('police', 'GET', media);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('content-disposition')).toBe(`inline; filename="${clip.name}"`);
    expect(Buffer.from(await whole.arrayBuffer()).equals(file)).toBe(true);

    const first = await call('police', 'GET', media, undefined, { range: 'bytes=0-99' });
    expect(first.status).toBe(206);
    expect(first.headers.get('content-range')).toBe(`bytes 0-99/${file.length}`);
    expect(Buffer.from(await first.arrayBuffer()).equals(file.subarray(0, 100))).toBe(true);
    const later = await call('police', 'GET', media, undefined, { range: 'bytes=100-' });
    expect(later.status).toBe(206);
    expect(Buffer.from(await later.arrayBuffer()).equals(file.subarray(100))).toBe(true);
    expect((await call('police', 'GET', media, undefined, { range: `bytes=${file.length}-` })).status).toBe(416);
    expect((await call('police', 'GET', media, undefined, { range: 'lines=1-2' })).status).toBe(416);

    expect(events('evidence.previewed').map((e) => [e.actor, e.ref])).toEqual([
      ['police', clip.id],
      ['police', clip.id],
    ]);
    for (const who of ['operator', 'member']) expect((await call(who, 'GET', media)).status).toBe(403);
    expect((await call('police', 'GET', '/api/evidence/ev-nope/media')).status).toBe(404);
  });
});

describe("the incident's bundle", () => {
  it('holds the clip as <camera>_<start>.mp4, the incident, its reports, bookmarks and track, all in SHA256SUMS', async () => {
    const mark = await call('operator', 'POST', '/api/cameras/cam-01/bookmarks', {
      note: 'Suspect runs towards the bus station',
      incidentId: incident.incidentId,
    });
    expect(mark.status).toBe(201);
    const created = await call('police', 'POST', '/api/evidence/bundles', { incidentId: incident.incidentId });
    expect(created.status).toBe(200);
    const b = await json<{ bundleId: string; files: number; download: string }>(created);
    expect(b.files).toBe(1);
    const archive = await call('police', 'GET', b.download);
    expect(archive.status).toBe(200);
    writeFileSync(join(dir, 'bundle.tar'), Buffer.from(await archive.arrayBuffer()));
    const listing = (await run('tar', ['-tf', 'bundle.tar'], { cwd: dir })).stdout.trim().split('\n').sort();
    const root = `${b.bundleId}/`;
    expect(listing).toEqual(
      [
        `${root}files/${clip.name}`,
        `${root}documents/incident.json`,
        `${root}documents/reports.json`,
        `${root}documents/bookmarks.json`,
        `${root}documents/track.geojson`,
        `${root}manifest.json`,
        `${root}SHA256SUMS`,
      ].sort(),
    );
    await run('tar', ['-xf', 'bundle.tar'], { cwd: dir });
    const out = join(dir, b.bundleId);
    expect((await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out })).stdout.match(/: OK$/gm)).toHaveLength(5);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      incident: { id: string; reference: string };
      files: Array<{ file: string; sha256: string; exhibit: string; origin: string; custody: Array<{ type: string; actor: string | null }> }>;
      documents: Array<{ file: string; kind: string }>;
    };
    expect(manifest.incident).toEqual({ id: incident.incidentId, reference: incident.reference });
    expect(manifest.files).toEqual([expect.objectContaining({ file: `files/${clip.name}`, sha256: clip.receivedSha256, exhibit: clip.id, origin: 'cctv' })]);
    expect(manifest.files[0]!.custody.map((c) => c.type)).toEqual(
      expect.arrayContaining(['evidence.clip-recorded', 'evidence.marked-evidential', 'evidence.previewed', 'evidence.exported']),
    );
    const bookmarks = JSON.parse(readFileSync(join(out, 'documents/bookmarks.json'), 'utf8')) as Array<{ note: string; operator: string; cameraId: string }>;
    expect(bookmarks).toEqual([expect.objectContaining({ note: 'Suspect runs towards the bus station', operator: 'operator', cameraId: 'cam-01' })]);
    const inc = JSON.parse(readFileSync(join(out, 'documents/incident.json'), 'utf8')) as IncidentRecord;
    expect(inc).toMatchObject({ incidentId: incident.incidentId, reference: incident.reference, description: 'Phone snatched outside the bank' });
    const reports = JSON.parse(readFileSync(join(out, 'documents/reports.json'), 'utf8')) as Array<{ type: string; actor: string }>;
    expect(reports[0]).toMatchObject({ type: 'incident.reported', actor: 'controller' });
    const geo = JSON.parse(readFileSync(join(out, 'documents/track.geojson'), 'utf8')) as { type: string; features: Array<{ properties: { kind: string } }> };
    expect(geo.type).toBe('FeatureCollection');
    expect(geo.features.map((f) => f.properties.kind)).toContain('incident');
  });

  it("holds only the footage and its custody for the security manager, whose role reads no incidents' subjects or tracks", async () => {
    const created = await call('secmgr', 'POST', '/api/evidence/bundles', { incidentId: incident.incidentId });
    expect(created.status).toBe(200);
    const b = await json<{ bundleId: string; download: string }>(created);
    const archive = await call('secmgr', 'GET', b.download);
    writeFileSync(join(dir, 'bundle-secmgr.tar'), Buffer.from(await archive.arrayBuffer()));
    const listing = (await run('tar', ['-tf', 'bundle-secmgr.tar'], { cwd: dir })).stdout.trim().split('\n').sort();
    expect(listing).toEqual([`${b.bundleId}/SHA256SUMS`, `${b.bundleId}/files/${clip.name}`, `${b.bundleId}/manifest.json`]);
    expect((await call('secmgr', 'GET', `/api/incidents/${incident.incidentId}/export`)).status).toBe(403);
  });
});
