import { createServer } from 'node:net';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { parseJsmpHeader } from '../../devices/cctv/jsmp';
import type { Gateway } from '../../gateway/app';
import type { RtspCameraSim } from '../../simulators/cctv/rtsp-sim';
import { alive, startSim, transcoders } from '../devices/cctv/sim-helper';
import { connectMqtt, eventually, login, spawnGateway, startGateway, testConfig, withCsrf } from '../helpers/gateway';

let sim: RtspCameraSim;
let gw: Gateway;
let cctv: MqttClient;
const cookies: Record<string, string> = {};

/** The demo town with two cameras on the simulator, and CCTV timings short enough for a test. */
function cctvConfig(edit: (doc: Record<string, unknown>) => void = () => {}) {
  return testConfig((doc) => {
    doc.cameras = (doc.cameras as Array<Record<string, unknown>>).slice(0, 2).map((c) => ({ ...c, rtspUrl: sim.url(c.id as string) }));
    doc.cctv = {
      rtspTransport: 'udp',
      ioTimeoutSeconds: 2,
      idleStopSeconds: 0.5,
      stallSeconds: 15,
      restartBackoff: { initialMs: 200, maxMs: 1000 },
      probeIntervalSeconds: 1,
      probeTimeoutSeconds: 5,
      healthDebounce: 2,
      quality: 8,
      frigateCameras: { front_door: 'cam-01' },
    };
    edit(doc);
  });
}

beforeAll(async () => {
  sim = await startSim(['cam-01', 'cam-02']);
  gw = await startGateway(cctvConfig().config);
  for (const u of ['operator', 'police', 'member', 'engineer']) cookies[u] = await login(gw.httpPort, u);
  cctv = await connectMqtt(gw.broker.port, 'cctv', { clientId: 'cctv-test' });
}, 120_000);

afterAll(async () => {
  await cctv?.endAsync(true);
  await gw?.stop();
  await sim?.stop();
});

interface Video {
  ws: WebSocket;
  messages: Buffer[];
  bytes: () => number;
}

/** Opens /video/<id> as a browser would (session cookie); rejects with the HTTP status if refused. */
function openVideo(port: number, cameraId: string, cookie?: string, origin?: string): Promise<Video> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/video/${cameraId}`, { headers: cookie ? { cookie } : {}, ...(origin ? { origin } : {}) });
    const messages: Buffer[] = [];
    ws.on('message', (d: Buffer) => messages.push(d));
    ws.once('open', () => resolve({ ws, messages, bytes: () => messages.reduce((n, m) => n + m.length, 0) }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function close(v: Video): Promise<void> {
  return new Promise((resolve) => {
    if (v.ws.readyState === WebSocket.CLOSED) return resolve();
    v.ws.once('close', () => resolve());
    v.ws.close();
  });
}

interface Row {
  seq: number;
  type: string;
  actor: string | null;
  subject: string | null;
  source: string;
  ref: string | null;
  payload: Record<string, unknown>;
}

function journal(typePattern: string): Row[] {
  const rows = gw.journal.database
    .prepare('SELECT seq, type, actor, subject, source, ref, payload FROM events WHERE type LIKE ? ORDER BY seq')
    .all(typePattern) as Array<Omit<Row, 'payload'> & { payload: string }>;
  return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as Record<string, unknown> }));
}

async function api(method: string, path: string, user: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}${path}`, {
    method,
    headers: { ...withCsrf(cookies[user]!), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('live video', () => {
  it('refuses anonymous viewers (401), members (403) and unknown cameras (404), and starts no ffmpeg', async () => {
    await expect(openVideo(gw.httpPort, 'cam-01')).rejects.toThrow('HTTP 401');
    await expect(openVideo(gw.httpPort, 'cam-01', 'tw_session=forged')).rejects.toThrow('HTTP 401');
    await expect(openVideo(gw.httpPort, 'cam-01', cookies.member)).rejects.toThrow('HTTP 403');
    await expect(openVideo(gw.httpPort, 'cam-99', cookies.operator)).rejects.toThrow('HTTP 404');
    // Another site's page, with an operator's cookie (cross-site WebSocket hijacking).
    await expect(openVideo(gw.httpPort, 'cam-01', cookies.operator, 'http://evil.example')).rejects.toThrow('HTTP 403');
    expect(transcoders(sim.url('cam-01'))).toEqual([]);
    expect(journal('video.%').filter((e) => e.actor === 'member')).toEqual([]);
  });

  it('sends a viewer the jsmp header with the picture size, then MPEG-TS; viewers share one ffmpeg, which stops after the last leaves', async () => {
    const a = await openVideo(gw.httpPort, 'cam-01', cookies.operator);
    await eventually(() => a.messages.length >= 4, 20_000, 'video for the first viewer');
    expect(parseJsmpHeader(a.messages[0]!)).toEqual({ width: 320, height: 240 });
    expect(a.messages[0]!.length).toBe(8);
    for (const m of a.messages.slice(1)) {
      expect(m[0]).toBe(0x47); // MPEG-TS sync byte
      expect(m.length % 188).toBe(0);
    }
    const b = await openVideo(gw.httpPort, 'cam-01', cookies.police);
    await eventually(() => b.messages.length >= 2, 20_000, 'video for the second viewer');
    expect(parseJsmpHeader(b.messages[0]!)).toEqual({ width: 320, height: 240 });
    const pids = transcoders(sim.url('cam-01'));
    expect(pids).toHaveLength(1);
    expect(gw.cctv.ffmpegPids()).toEqual(pids);
    expect(gw.cctv.streamSummary('cam-01')).toMatchObject({ state: 'streaming', viewers: 2, width: 320, height: 240 });

    await close(a);
    await new Promise((r) => setTimeout(r, 1000)); // past idleStopSeconds: the other viewer still holds it
    expect(transcoders(sim.url('cam-01'))).toEqual(pids);
    const n = b.bytes();
    await eventually(() => b.bytes() > n, 10_000, 'the remaining viewer to keep receiving');
    await close(b);
    await eventually(() => !alive(pids[0]!) && transcoders(sim.url('cam-01')).length === 0, 10_000, 'ffmpeg to stop after the last viewer');

    const views = await eventually(
      () => {
        const v = journal('video.view-%').filter((e) => e.payload.cameraId === 'cam-01');
        return v.length === 4 ? v : undefined;
      },
      10_000,
      'four view events',
    );
    expect(views.map((v) => [v.type, v.actor])).toEqual([
      ['video.view-started', 'operator'],
      ['video.view-started', 'police'],
      ['video.view-ended', 'operator'],
      ['video.view-ended', 'police'],
    ]);
    const ended = views[2]!;
    expect(ended.subject).toBe('camera:cam-01');
    expect(ended.ref).toBe(views[0]!.ref);
    expect(ended.payload).toMatchObject({ cameraId: 'cam-01', from: views[0]!.payload.from, reason: 'viewer left' });
    expect(Date.parse(ended.payload.to as string)).toBeGreaterThanOrEqual(Date.parse(ended.payload.from as string));
    expect(ended.payload.bytes).toBeGreaterThan(0);
  }, 120_000);
});

describe('camera register', () => {
  it('lists cameras with health and stream state, without their RTSP URLs', async () => {
    await eventually(() => gw.projections.cameras.snapshot().every((c) => c.health === 'online'), 30_000, 'the first health rounds');
    const { status, json } = await api('GET', '/api/cameras', 'operator');
    expect(status).toBe(200);
    const list = json.data as Array<Record<string, unknown>>;
    expect(list.map((c) => c.id)).toEqual(['cam-01', 'cam-02']);
    expect(list[0]).toMatchObject({ zone: 'market-square', videoPath: '/video/cam-01', health: 'online' });
    expect(['idle', 'starting', 'streaming', 'backoff']).toContain((list[0]!.stream as { state: string }).state);
    expect(JSON.stringify(list)).not.toContain('rtsp://');
    expect((await api('GET', '/api/cameras', 'member')).status).toBe(403);
  });

  it('serves GeoJSON: [lon, lat] points and counterclockwise field-of-view sectors', async () => {
    const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/cameras.geojson`, { headers: { cookie: cookies.engineer! } });
    expect(res.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    const fc = (await res.json()) as {
      type: string;
      features: Array<{ geometry: { type: string; coordinates: unknown }; properties: Record<string, unknown> }>;
    };
    expect(fc.type).toBe('FeatureCollection');
    const point = fc.features.find((f) => f.properties.cameraId === 'cam-01' && f.properties.kind === 'camera')!;
    expect(point.geometry).toEqual({ type: 'Point', coordinates: [-1.15, 52.955404] });
    const fov = fc.features.find((f) => f.properties.cameraId === 'cam-01' && f.properties.kind === 'fov')!;
    const ring = (fov.geometry.coordinates as number[][][])[0]!;
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    // cam-01 looks south (180°): the sector lies south of the camera, within its 90 m range.
    for (const [lon, lat] of ring.slice(1, -1)) {
      expect(lat!).toBeLessThan(52.955404);
      expect(Math.abs(lon! + 1.15)).toBeLessThan(0.0015);
    }
    const area = ring.slice(0, -1).reduce((s, [x1, y1], i) => s + x1! * ring[i + 1]![1]! - ring[i + 1]![0]! * y1!, 0);
    expect(area).toBeGreaterThan(0); // shoelace: positive = counterclockwise (RFC 7946 §3.1.6)
  });
});

describe('operator events', () => {
  it('journals sightings, bookmarks and faults from the API with the operator as actor', async () => {
    const s = await api('POST', '/api/cameras/cam-02/sightings', 'operator', { subjectId: 'subj-1', description: 'red jacket, heading north' });
    expect(s.status).toBe(201);
    expect(s.json.data).toMatchObject({ type: 'cctv.sighting', payload: { cameraId: 'cam-02', operator: 'operator', subjectId: 'subj-1' } });
    expect((await api('POST', '/api/cameras/cam-02/bookmarks', 'operator', { note: 'shoplifting at 14:02' })).status).toBe(201);
    expect((await api('POST', '/api/cameras/cam-02/faults', 'engineer', { fault: 'lens obscured' })).status).toBe(201);
    expect((await api('POST', '/api/cameras/cam-02/sightings', 'member', { description: 'x' })).status).toBe(403);
    expect((await api('POST', '/api/cameras/cam-99/sightings', 'operator', { description: 'x' })).status).toBe(404);
    expect((await api('POST', '/api/cameras/cam-02/sightings', 'operator', { description: 'x', colour: 'red' })).status).toBe(400);
    const rows = journal('cctv.%').filter((e) => e.source === 'api');
    expect(rows.map((r) => [r.type, r.actor, r.subject])).toEqual([
      ['cctv.sighting', 'operator', 'camera:cam-02'],
      ['cctv.bookmark', 'operator', 'camera:cam-02'],
      ['cctv.fault', 'engineer', 'camera:cam-02'],
    ]);
    expect(Date.parse(rows[0]!.payload.seenAt as string)).not.toBeNaN();
    await eventually(() => gw.projections.cameras.snapshot().find((c) => c.id === 'cam-02')?.lastFault === 'lens obscured', 5000, 'the fault on the camera');
  });

  it('journals MQTT operator events for configured cameras, and quarantines those for unknown ones', async () => {
    const seenAt = new Date().toISOString();
    await cctv.publishAsync('tw/v1/cctv/cam-01/sighting', JSON.stringify({ seenAt, operator: 'op-7', subjectId: 'subj-2' }), { qos: 1 });
    await cctv.publishAsync('tw/v1/cctv/cam-77/sighting', JSON.stringify({ seenAt, operator: 'op-7' }), { qos: 1 });
    const rows = journal('cctv.sighting').filter((e) => e.source === 'mqtt:cctv-test');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ subject: 'camera:cam-01', payload: { cameraId: 'cam-01', seenAt, operator: 'op-7', subjectId: 'subj-2' } });
    const q = journal('quarantine.message').filter((e) => e.payload.topic === 'tw/v1/cctv/cam-77/sighting');
    expect(q).toHaveLength(1);
    expect(q[0]!.payload).toMatchObject({ kind: 'unknown-id', reason: 'camera "cam-77" is not configured' });
    expect(cctv.connected).toBe(true);
  });
});

describe('Frigate', () => {
  const base = {
    id: '1700000000.1-abc',
    camera: 'front_door',
    label: 'person',
    sub_label: null,
    start_time: 1_700_000_000.1,
    end_time: null,
    frame_time: 1_700_000_001,
    top_score: 0.91,
    score: 0.88,
    false_positive: false,
    box: [1, 2, 3, 4],
    region: [0, 0, 10, 10],
    has_snapshot: true,
    has_clip: false,
    stationary: false,
    motionless_count: 0,
    position_changes: 1,
  };
  const msg = (type: string, before: object, after: object) => JSON.stringify({ type, before: { ...base, ...before }, after: { ...base, ...after } });

  it('journals new and end, and updates only when the zones entered change, as sightings on the mapped camera', async () => {
    const none = { current_zones: [], entered_zones: [] };
    const yard = { current_zones: ['yard'], entered_zones: ['yard'], frame_time: 1_700_000_003 };
    await cctv.publishAsync('frigate/events', msg('new', none, none), { qos: 1 });
    await cctv.publishAsync('frigate/events', msg('update', none, { ...none, score: 0.95 }), { qos: 1 }); // better snapshot only
    await cctv.publishAsync('frigate/events', msg('update', none, yard), { qos: 1 });
    await cctv.publishAsync('frigate/events', msg('update', yard, { ...yard, top_score: 0.97 }), { qos: 1 });
    await cctv.publishAsync('frigate/events', msg('end', yard, { ...yard, current_zones: [], end_time: 1_700_000_009 }), { qos: 1 });
    await cctv.publishAsync('frigate/events', msg('new', none, { ...none, id: 'other', camera: 'garden' }), { qos: 1 }); // not mapped
    const sightings = await eventually(
      () => {
        const s = journal('cctv.sighting').filter((e) => e.source === 'frigate');
        return s.length >= 3 ? s : undefined;
      },
      10_000,
      'Frigate sightings',
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(journal('cctv.sighting').filter((e) => e.source === 'frigate')).toHaveLength(3);
    expect(journal('frigate.event')).toHaveLength(6); // each message as it came, validated
    expect(sightings.map((s) => [s.subject, s.ref, (s.payload.frigate as { phase: string }).phase])).toEqual([
      ['camera:cam-01', 'frigate:1700000000.1-abc', 'new'],
      ['camera:cam-01', 'frigate:1700000000.1-abc', 'update'],
      ['camera:cam-01', 'frigate:1700000000.1-abc', 'end'],
    ]);
    expect(sightings[1]!.payload).toMatchObject({
      cameraId: 'cam-01',
      operator: 'frigate',
      seenAt: new Date(1_700_000_003_000).toISOString(),
      description: 'person entered yard',
      frigate: { eventId: '1700000000.1-abc', label: 'person', enteredZones: ['yard'], currentZones: ['yard'], topScore: 0.91 },
    });
    expect(sightings[2]!.payload.seenAt).toBe(new Date(1_700_000_009_000).toISOString());
  });

  it('quarantines a malformed Frigate message, and refuses frigate/events from other accounts', async () => {
    await cctv.publishAsync('frigate/events', JSON.stringify({ type: 'start', before: {}, after: {} }), { qos: 1 });
    const q = journal('quarantine.message').filter((e) => e.payload.topic === 'frigate/events');
    expect(q).toHaveLength(1);
    expect(q[0]!.payload.kind).toBe('schema');
    const shop = await connectMqtt(gw.broker.port, 'shop-prem-001', { clientId: 'shop-prem-001-frigate' });
    const closed = new Promise<void>((r) => shop.once('close', () => r()));
    shop.publish('frigate/events', msg('new', {}, {}), { qos: 1 });
    await closed; // MQTT 3.1.1 refuses a publish by closing the connection
    await shop.endAsync(true);
    await eventually(() => journal('security.publish-denied').some((e) => e.payload.topic === 'frigate/events'), 5000, 'the refusal on record');
  });
});

describe('camera health', () => {
  it('journals a camera offline once after the debounce, online when it returns, and the stream restarts by itself', async () => {
    await eventually(() => gw.projections.cameras.snapshot().every((c) => c.health === 'online'), 20_000, 'both cameras online');
    const viewer = await openVideo(gw.httpPort, 'cam-02', cookies.operator);
    await eventually(() => viewer.messages.length > 3, 20_000, 'video');
    await sim.down('cam-02');
    await eventually(() => journal('camera.offline').length === 1, 30_000, 'cam-02 offline');
    const offline = journal('camera.offline')[0]!;
    expect(offline).toMatchObject({ subject: 'camera:cam-02', payload: { cameraId: 'cam-02' } });
    expect(offline.payload.reason).toMatch(/Connection timed out|404 Not Found/);
    expect(viewer.ws.readyState).toBe(WebSocket.OPEN); // the viewer waits through the outage
    await new Promise((r) => setTimeout(r, 3000)); // more failed rounds: still one event
    expect(journal('camera.offline')).toHaveLength(1);

    await sim.up('cam-02');
    const before = viewer.bytes();
    await eventually(() => viewer.bytes() > before + 188 * 20, 30_000, 'the stream to come back by itself');
    await eventually(() => journal('camera.online').some((e) => e.seq > offline.seq && e.payload.cameraId === 'cam-02'), 30_000, 'cam-02 online');
    expect(gw.cctv.streamSummary('cam-02')!.restarts).toBeGreaterThan(0);
    await close(viewer);

    const metrics = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/tw_cctv_cameras\{health="online"\} 2/);
    expect(metrics).toMatch(/tw_cctv_stream_restarts_total\{cause="input"\} [1-9]/);
  }, 120_000);
});

describe('a gateway killed with SIGKILL', () => {
  it('leaves no ffmpeg behind, neither a streaming one nor one stuck on a silent camera', async () => {
    // A camera that accepts the connection and never answers: its ffmpeg writes nothing, so
    // nothing but the death guard can end it (a streaming one would also die of a broken pipe).
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentUrl = `rtsp://127.0.0.1:${(silent.address() as { port: number }).port}/silent`;
    const child = await spawnGateway(
      cctvConfig((doc) => {
        const cams = doc.cameras as Array<Record<string, unknown>>;
        cams.push({ ...(cams[1] as object), id: 'cam-03', rtspUrl: silentUrl });
        Object.assign(doc.cctv as object, { ioTimeoutSeconds: 120, stallSeconds: 120, probeTimeoutSeconds: 120 });
      }).file,
    );
    try {
      const cookie = await login(child.httpPort, 'operator');
      const v = await openVideo(child.httpPort, 'cam-01', cookie);
      await openVideo(child.httpPort, 'cam-03', cookie);
      await eventually(() => v.messages.length > 2, 30_000, 'video from the child gateway');
      const pids = [
        ...transcoders(sim.url('cam-01')),
        ...(await eventually(() => (transcoders(silentUrl).length ? transcoders(silentUrl) : undefined), 10_000, 'the stuck ffmpeg')),
      ];
      expect(pids).toHaveLength(2);
      child.child.kill('SIGKILL');
      await child.exited;
      await eventually(() => pids.every((p) => !alive(p)), 10_000, 'its ffmpeg to die with it');
      expect([...transcoders(sim.url('cam-01')), ...transcoders(silentUrl)]).toEqual([]);
    } finally {
      if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
      silent.close();
    }
  }, 120_000);
});
