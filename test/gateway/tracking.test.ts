import CoT from '@tak-ps/node-cot/dist/index.js';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { Journal } from '../../gateway/journal/journal';
import type { JournalEvent } from '../../gateway/journal/types';
import { Projections, type StateSnapshot } from '../../gateway/projections';
import { hotspots, type HotspotItem, type Hotspots } from '../../gateway/tracking/hotspots';
import type { Sighting } from '../../gateway/tracking/track';
import { Handset } from '../../simulators/radio/handset';
import { connectMqtt, demoPassword, eventually, login, startGateway, testConfig, withCsrf } from '../helpers/gateway';
import { geoJsonProblems } from '../tracking/geojson-check';

let gw: Gateway;
const cookies: Record<string, string> = {};
let shop: MqttClient;

beforeAll(async () => {
  gw = await startGateway(testConfig().config);
  for (const u of ['controller', 'police', 'member', 'engineer', 'operator']) cookies[u] = await login(gw.httpPort, u);
  shop = await connectMqtt(gw.broker.port, 'shop-prem-013');
});
afterAll(async () => {
  await shop.endAsync();
  await gw.stop();
});

interface Reply<T = unknown> {
  status: number;
  body: { data?: T; error?: { code: string; message: string } };
  text: string;
  type: string | null;
}

async function call<T = unknown>(user: string, method: string, path: string, body?: unknown): Promise<Reply<T>> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}${path}`, {
    method,
    headers: { ...withCsrf(cookies[user]!), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const type = res.headers.get('content-type');
  return { status: res.status, text, type, body: type?.includes('json') && !type.includes('geo+json') ? (JSON.parse(text) as Reply<T>['body']) : {} };
}

const journal = (type: string, where: (e: JournalEvent) => boolean = () => true) => [...gw.journal.replay()].filter((e) => e.type === type && where(e));
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

async function newSubject(extra: Record<string, unknown> = {}): Promise<string> {
  const r = await call<{ id: string }>('police', 'POST', '/api/subjects', {
    status: 'known',
    name: 'Jordan Reece',
    aliases: ['JJ'],
    dob: '1994-05-01',
    photoRef: 'photos/jr.jpg',
    description: 'Slim male, 30s, grey hoodie, black cap',
    features: ['build:slim'],
    markers: ['violent'],
    sharedWithMembers: true,
    ...extra,
  });
  expect(r.status, r.text).toBe(200);
  return r.body.data!.id;
}

describe('the gallery', () => {
  it('a member cannot read restricted fields; a controller can; each view is journaled with its actor', async () => {
    const id = await newSubject();
    const member = await call<Record<string, unknown>>('member', 'GET', `/api/subjects/${id}`);
    expect(member.status).toBe(200);
    expect(member.body.data).toMatchObject({ description: 'Slim male, 30s, grey hoodie, black cap', photoRef: 'photos/jr.jpg', access: 'shared' });
    expect(member.text).not.toMatch(/Jordan|Reece|"JJ"|1994|violent/);
    const controller = await call<Record<string, unknown>>('controller', 'GET', `/api/subjects/${id}`);
    expect(controller.body.data).toMatchObject({ name: 'Jordan Reece', aliases: ['JJ'], dob: '1994-05-01', markers: ['violent'], access: 'full' });
    const views = journal('subject.viewed', (e) => e.ref === id).map((e) => [e.actor, (e.payload as { fields: string }).fields]);
    expect(views).toEqual([
      ['member', 'shared'],
      ['controller', 'full'],
    ]);
  });

  it('a member searching by name finds nobody; an engineer sees no subject; an unshared subject does not exist for a member', async () => {
    const hidden = await newSubject({ name: 'Casey Unshared', sharedWithMembers: false, description: 'Tall, ginger beard' });
    expect((await call<unknown[]>('member', 'GET', '/api/subjects?q=reece')).body.data).toEqual([]);
    expect((await call<unknown[]>('member', 'GET', '/api/subjects?q=hoodie')).body.data!.length).toBeGreaterThan(0);
    expect((await call('member', 'GET', `/api/subjects/${hidden}`)).status).toBe(404);
    expect((await call('engineer', 'GET', `/api/subjects/${hidden}`)).status).toBe(403);
    expect((await call('member', 'POST', '/api/subjects', { status: 'sought', description: 'x' })).status).toBe(403);
    const found = await call<Array<{ id: string }>>('operator', 'GET', '/api/subjects?q=casey');
    expect(found.body.data!.map((s) => s.id)).toEqual([hidden]);
    expect(journal('subject.viewed', (e) => e.ref === hidden && e.actor === 'operator')).toHaveLength(1);
  });
});

describe('reports, the track and exports', () => {
  let subjectId: string;

  it('shop reports over REST (a member for their own premises) and MQTT join the subject’s track', async () => {
    subjectId = await newSubject();
    const own = await call<{ sightingId: string; incidentId: string }>('member', 'POST', '/api/reports', {
      kind: 'incident',
      category: 'theft',
      occurredAt: minutesAgo(6),
      description: 'Took two bottles of perfume',
      subjectId,
    });
    expect(own.status, own.text).toBe(200);
    expect(
      (
        await call('member', 'POST', '/api/reports', {
          premisesId: 'prem-007',
          kind: 'sighting',
          category: 'suspicious',
          occurredAt: minutesAgo(1),
          description: 'x',
        })
      ).status,
    ).toBe(403);
    await shop.publishAsync(
      'tw/v1/shop/prem-013/report',
      JSON.stringify({ kind: 'sighting', category: 'suspicious', occurredAt: minutesAgo(4), description: 'Same man, loitering by the razors', subjectId }),
      { qos: 1 },
    );
    const sighted = await call('operator', 'POST', '/api/sightings', { subjectId, place: { cameraId: 'cam-04' }, at: minutesAgo(2) });
    expect(sighted.status, sighted.text).toBe(200);
    const view = await eventually(
      async () => {
        const r = await call<{
          track: { sightings: Array<{ kind: string; zone: string; reporter: string }> };
          summary: { entered_zones: string[] };
          predicted: unknown[];
          handover: Array<{ cameraId: string }>;
        }>('controller', 'GET', `/api/subjects/${subjectId}/track`);
        return r.body.data?.track.sightings.length === 3 && r.body.data;
      },
      5000,
      'three sightings on the track',
    );
    expect(view.track.sightings.map((s) => [s.kind, s.zone])).toEqual([
      ['shop', 'market-square'],
      ['shop', 'victoria-centre'],
      ['cctv', 'bridge-street'],
    ]);
    expect(view.track.sightings[0]!.reporter).toBe('member');
    expect(view.summary.entered_zones).toEqual(['market-square', 'victoria-centre', 'bridge-street']);
    expect(view.predicted.length).toBeGreaterThan(0);
    expect(view.handover[0]).toMatchObject({ cameraId: 'cam-04' });
    // The incident report opened an incident the member can follow; the track events are Frigate-shaped.
    expect((await call<Array<{ incidentId: string }>>('member', 'GET', '/api/incidents')).body.data!.map((i) => i.incidentId)).toContain(
      own.body.data!.incidentId,
    );
    const updates = journal('track.sighting', (e) => e.ref === `trk-${subjectId}`).map(
      (e) => e.payload as { type: string; before: unknown; after: { current_zones: string[] } },
    );
    expect(updates.map((u) => u.type)).toEqual(['new', 'update', 'update']);
    expect(updates[2]!.after.current_zones).toEqual(['bridge-street']);
  });

  it('exports the track as GeoJSON and CoT that parse, journaled with the actor; members may not export', async () => {
    const geo = await call('police', 'GET', `/api/subjects/${subjectId}/track/export?format=geojson`);
    expect(geo.status).toBe(200);
    expect(geo.type).toContain('application/geo+json');
    expect(geoJsonProblems(JSON.parse(geo.text))).toEqual([]);
    const cot = await call('police', 'GET', `/api/subjects/${subjectId}/track/export?format=cot`);
    expect(cot.type).toContain('application/xml');
    const parsed = [...cot.text.matchAll(/<event [\s\S]*?<\/event>/g)].map((m) => new CoT(m[0]).to_geojson());
    expect(parsed.map((f) => f.properties.type)).toEqual(['a-h-G', 'a-h-G', 'a-h-G', 'u-d-f']);
    expect(parsed[0]!.properties.callsign).toBe('Jordan Reece');
    expect((await call('member', 'GET', `/api/subjects/${subjectId}/track/export?format=cot`)).status).toBe(403);
    expect(journal('export.created', (e) => e.ref === subjectId).map((e) => [e.actor, (e.payload as { format: string }).format])).toEqual([
      ['police', 'geojson'],
      ['police', 'cot'],
    ]);
  });

  it('time travel: the state at a past moment equals the state that was live then', async () => {
    // Background work (camera health rounds…) may commit at any time: capture again if anything
    // was committed between the live snapshot and the moment T it stands for.
    let live: StateSnapshot;
    let T: string;
    for (;;) {
      live = (await call<StateSnapshot>('controller', 'GET', '/api/state')).body.data!;
      T = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 20));
      if (gw.journal.read(live.seq, 100).every((e) => e.ts > Date.parse(T))) break;
    }
    await call('operator', 'POST', '/api/sightings', { subjectId, place: { zone: 'bus-station' } });
    const incidentId = live.incidents.find((i) => i.subjectId === subjectId)!.incidentId;
    expect((await call('controller', 'POST', `/api/incidents/${incidentId}/grade`, { grade: 'priority' })).status).toBe(200);
    await eventually(() => gw.projections.tracks.get(subjectId)?.sightings.length === 4, 5000, 'fourth sighting');
    const past = await call<StateSnapshot>('controller', 'GET', `/api/state?at=${encodeURIComponent(T)}`);
    expect(past.status).toBe(200);
    expect(past.body.data).toEqual(live);
    const now = (await call<StateSnapshot>('controller', 'GET', '/api/state')).body.data!;
    expect(now.tracks.tracks.find((t) => t.subjectId === subjectId)!.sightings).toHaveLength(4);
    expect(now.incidents.find((i) => i.incidentId === incidentId)!.state).toBe('graded');
    expect(now.subjects).toEqual([]); // the gallery only through journaled views
    expect(journal('state.time-travel').map((e) => [e.actor, (e.payload as { at: string }).at])).toEqual([['controller', T]]);
  });

  it('replaying the journal from zero rebuilds every tracking view exactly', () => {
    const rebuilt = new Projections(gw.config).replay(gw.journal.replay()).snapshot();
    expect(rebuilt).toEqual(gw.projections.snapshot());
    expect(rebuilt.subjects.length).toBeGreaterThan(0);
  });

  it('hotspots count the period’s incidents and sightings per zone, and name the prolific subjects', async () => {
    const h = await call<{ zones: Array<{ zone: string }>; prolific: Array<{ subjectId: string }> }>(
      'police',
      'GET',
      `/api/hotspots?from=${encodeURIComponent(minutesAgo(60))}`,
    );
    expect(h.status, h.text).toBe(200);
    expect(h.body.data!.zones.map((z) => z.zone)).toEqual(expect.arrayContaining(['market-square', 'victoria-centre', 'bridge-street', 'bus-station']));
    expect(h.body.data!.prolific[0]!.subjectId).toBe(subjectId);
    expect((await call('member', 'GET', '/api/hotspots')).status).toBe(403);
  });

  it('hotspots computed off the main thread equal the scan the gateway made on it before, for any period', async () => {
    // The main-thread scan as it was (issue 20 moved it into time travel's worker): incidents in
    // journal order, then each sighting as its latest record says.
    const before = (from: number, to: number): Hotspots => {
      const sightings = new Map<string, HotspotItem>();
      const items: HotspotItem[] = [];
      for (const r of gw.journal.reader.iterate({ types: ['track.sighting', 'incident.reported'], fromTs: from })) {
        if (r.payload === null) continue;
        if (r.type === 'track.sighting') {
          const s = (r.payload as { sighting: Sighting }).sighting;
          sightings.set(s.id, { kind: 'sighting', zone: s.zone, atMs: s.atMs, subjectId: s.subjectId, premisesId: s.premisesId });
        } else {
          const i = r.payload as { zone: string | null; reportedAt: string; subjectId: string | null; premisesId: string | null };
          items.push({ kind: 'incident', zone: i.zone, atMs: Date.parse(i.reportedAt), subjectId: i.subjectId, premisesId: i.premisesId });
        }
      }
      return hotspots([...items, ...sightings.values()], from, to, gw.config.site.timezone);
    };
    // A sighting described, then linked to a subject: journaled twice, counted once as linked.
    const described = await call<{ sightingId: string }>('controller', 'POST', '/api/sightings', {
      description: 'grey hoodie',
      place: { zone: 'market-square' },
    });
    expect(described.status, described.text).toBe(200);
    const linkTo = await newSubject();
    const linked = await call('controller', 'POST', `/api/sightings/${described.body.data!.sightingId}/link`, { subjectId: linkTo });
    expect(linked.status, linked.text).toBeLessThan(300);
    await eventually(
      () => journal('track.sighting', (e) => (e.payload as { sighting: Sighting }).sighting.subjectId === linkTo).length > 0,
      5000,
      'the link journaled',
    );
    const relinked = journal('track.sighting').length - new Set(journal('track.sighting').map((e) => (e.payload as { sighting: Sighting }).sighting.id)).size;
    expect(relinked).toBeGreaterThan(0); // a sighting linked later is journaled twice and counts once
    const to = Date.now() + 60_000;
    for (const from of [to - 28 * 86_400_000, Date.parse(minutesAgo(60)), Date.parse(minutesAgo(1))]) {
      const q = `from=${encodeURIComponent(new Date(from).toISOString())}&to=${encodeURIComponent(new Date(to).toISOString())}`;
      const h = await call<Hotspots>('controller', 'GET', `/api/hotspots?${q}`);
      expect(h.status, h.text).toBe(200);
      expect(h.body.data, q).toEqual(before(from, to));
    }
    expect(before(to - 28 * 86_400_000, to).cells.length).toBeGreaterThan(0);
  });
});

describe('camera sightings where they were seen', () => {
  it('over MQTT: placed in the zone the camera sees that follows on from the track, or the zone named; an impossible move is flagged, not followed', async () => {
    const subjectId = await newSubject();
    const cctv = await connectMqtt(gw.broker.port, 'cctv');
    try {
      const t0 = Date.now() - 3 * 60_000;
      const at = (s: number) => new Date(t0 + s * 1000).toISOString();
      expect(
        (
          await call('controller', 'POST', '/api/reports', {
            premisesId: 'prem-016',
            kind: 'sighting',
            category: 'suspicious',
            occurredAt: at(0),
            description: 'At the kiosk',
            subjectId,
          })
        ).status,
      ).toBe(200);
      await eventually(() => gw.projections.tracks.get(subjectId)?.sightings.length === 1, 5000, 'the shop sighting');
      // The towpath camera also looks across the water at the Bus Station: 31 s later he is there, not on the towpath.
      await cctv.publishAsync('tw/v1/cctv/cam-08/sighting', JSON.stringify({ seenAt: at(31), operator: 'op-7', subjectId }), { qos: 1 });
      await eventually(() => gw.projections.tracks.get(subjectId)?.sightings.length === 2, 5000, 'the camera sighting');
      // The operator says he was on the towpath, 9 s after that: kept, flagged with its speed, not followed.
      await cctv.publishAsync('tw/v1/cctv/cam-08/sighting', JSON.stringify({ seenAt: at(40), operator: 'op-7', subjectId, zone: 'canal-side' }), { qos: 1 });
      const view = await eventually(
        async () => {
          const r = await call<{
            track: { sightings: Array<{ zone: string; implausible?: { impliedSpeedMps: number; confirmed: boolean } }>; currentZones: string[] };
            predicted: Array<{ zone: string; walkSeconds: number }>;
          }>('controller', 'GET', `/api/subjects/${subjectId}/track`);
          return r.body.data?.track.sightings.length === 3 && r.body.data;
        },
        5000,
        'the third sighting',
      );
      expect(view.track.sightings.map((s) => s.zone)).toEqual(['bus-station', 'bus-station', 'canal-side']);
      expect(view.track.sightings[1]!.implausible).toBeUndefined();
      expect(view.track.sightings[2]!.implausible).toMatchObject({ confirmed: false });
      expect(view.track.sightings[2]!.implausible!.impliedSpeedMps).toBeGreaterThan(5);
      expect(view.track.currentZones).toEqual(['bus-station']);
      expect(view.predicted.find((p) => p.zone === 'high-street-south')).toMatchObject({ walkSeconds: 60 });
    } finally {
      await cctv.endAsync();
    }
  });

  it('over REST: a zone the camera does not see, or a point outside its view, is a 400 naming the fault', async () => {
    const zone = await call('operator', 'POST', '/api/cameras/cam-08/sightings', { description: 'red jacket', zone: 'market-square' });
    expect(zone.status).toBe(400);
    expect(zone.text).toContain('camera cam-08 does not look into zone \\"market-square\\"');
    const point = await call('operator', 'POST', '/api/sightings', { description: 'red jacket', place: { cameraId: 'cam-08', lonLat: [-1.144, 52.9519] } });
    expect(point.status).toBe(400);
    expect(point.text).toContain("not in camera cam-08's field of view");
    expect((await call('operator', 'POST', '/api/cameras/cam-08/sightings', { description: 'red jacket', zone: 'bus-station' })).status).toBe(201);
  });
});

describe('a report naming an unknown subject', () => {
  it('is kept, its sighting linked to nobody, and the id the shop typed is on the sighting for a controller to resolve', async () => {
    await shop.publishAsync(
      'tw/v1/shop/prem-013/report',
      JSON.stringify({ kind: 'sighting', category: 'suspicious', occurredAt: minutesAgo(1), description: 'The man from the poster', subjectId: 'subj-typo-7' }),
      { qos: 1 },
    );
    const s = await eventually(
      async () => {
        const r = await call<Array<{ subjectId: string | null; unknownSubjectId?: string; zone: string }>>('controller', 'GET', '/api/sightings/unlinked');
        return r.body.data?.find((x) => x.unknownSubjectId === 'subj-typo-7');
      },
      5000,
      'the unlinked sighting',
    );
    expect(s).toMatchObject({ subjectId: null, zone: 'victoria-centre' });
    expect(journal('shop.report', (e) => (e.payload as { subjectId?: string }).subjectId === 'subj-typo-7')).toHaveLength(1);
    expect(gw.projections.tracks.get('subj-typo-7')).toBeUndefined();
  });
});

describe('orders', () => {
  it('an area that crosses itself or has latitude and longitude swapped is a 400 naming the fault, and nothing is issued', async () => {
    const subjectId = await newSubject();
    const order = (polygon: number[][]) =>
      call('police', 'POST', '/api/cbos', {
        subjectId,
        conditions: 'Not to enter the market',
        startsAt: minutesAgo(1),
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        excludedAreas: [{ name: 'Market', polygon }],
      });
    const bowTie = await order([
      [-1.1505, 52.9547],
      [-1.1495, 52.9553],
      [-1.1495, 52.9547],
      [-1.1505, 52.9553],
      [-1.1505, 52.9547],
    ]);
    expect(bowTie.status).toBe(400);
    expect(bowTie.text).toContain('excludedAreas.0 (\\"Market\\"): edges 1 and 3 cross or touch');
    const swapped = await order([
      [52.9547, -1.1505],
      [52.9547, -1.1495],
      [52.9553, -1.1495],
      [52.9553, -1.1505],
      [52.9547, -1.1505],
    ]);
    expect(swapped.status).toBe(400);
    expect(swapped.text).toContain('latitude and longitude look swapped');
    expect(journal('cbo.issued', (e) => (e.payload as { terms: { subjectId: string } }).terms.subjectId === subjectId)).toEqual([]);
    expect(
      (
        await order([
          [-1.1505, 52.9547],
          [-1.1495, 52.9547],
          [-1.1495, 52.9553],
          [-1.1505, 52.9553],
          [-1.1505, 52.9547],
        ])
      ).status,
    ).toBe(200);
  });
});

describe('dispatch', () => {
  it('grade first; the unit gets a dispatch on its radio, goes en route, and is on scene once when its status says so', async () => {
    const h = new Handset({
      url: `mqtt://127.0.0.1:${gw.broker.port}`,
      issi: 2003,
      username: 'radio-2003',
      password: demoPassword('radio-2003'),
      config: gw.config,
      startZone: 'market-square',
      seed: 3,
    });
    await h.connect();
    try {
      await h.status(32768);
      await h.move(1);
      const created = await call<{ incidentId: string; zone: string }>('police', 'POST', '/api/incidents', {
        category: 'abuse',
        description: 'Verbal abuse at the till',
        place: { premisesId: 'prem-006' },
      });
      expect(created.body.data).toMatchObject({ zone: 'high-street-south' });
      const id = created.body.data!.incidentId;
      expect((await call('controller', 'POST', `/api/incidents/${id}/dispatch`, { unitId: 'unit-03' })).body.error?.code).toBe('TW_CONFLICT');
      expect((await call('police', 'POST', `/api/incidents/${id}/grade`, { grade: 'priority' })).status).toBe(403);
      expect((await call('controller', 'POST', `/api/incidents/${id}/grade`, { grade: 'priority' })).status).toBe(200);
      const ranking = await call<{ ranked: Array<{ unitId: string; fixAgeSeconds: number }> }>('controller', 'GET', `/api/incidents/${id}/candidates`);
      expect(ranking.body.data!.ranked.map((r) => r.unitId)).toEqual(['unit-03']);
      expect((await call('controller', 'POST', `/api/incidents/${id}/dispatch`, { unitId: 'unit-03' })).status).toBe(200);
      const msg = await eventually(() => h.received.find((r) => r.kind === 'dispatch'), 5000, 'dispatch downlink');
      // The officer hears the number people quote, never an internal id.
      expect(msg.text).toContain(`Ref ${gw.projections.incidents.get(id)!.reference!}`);
      expect(msg.text).not.toContain(id);
      expect(gw.projections.units.get('unit-03')!.state).toBe('en-route');
      await h.status(32770); // on scene
      await eventually(() => gw.projections.incidents.get(id)?.state === 'on-scene', 5000, 'on scene');
      await h.status(32770);
      await h.move(1);
      await eventually(() => journal('radio.position', (e) => (e.payload as { issi: number }).issi === 2003).length >= 2, 5000, 'second fix');
      expect(journal('incident.on-scene', (e) => e.ref === id).map((e) => [e.source, (e.payload as { by: string }).by])).toEqual([['gateway', 'status']]);
      // A close needs an outcome and a note: without the note it is refused, and nothing is journaled.
      const bare = await call<never>('police', 'POST', `/api/incidents/${id}/close`, { outcome: 'words-of-advice' });
      expect(bare.status).toBe(400);
      expect(JSON.stringify(bare.body)).toMatch(/a note is required to close an incident/);
      expect((await call('police', 'POST', `/api/incidents/${id}/close`, { outcome: 'words-of-advice', note: '   ' })).status).toBe(400);
      expect(journal('incident.closed', (e) => e.ref === id)).toEqual([]);
      const closed = await call<{ state: string; outcome: string }>('police', 'POST', `/api/incidents/${id}/close`, {
        outcome: 'referred-open-to-recovery',
        note: 'Referred to Open to Recovery; agreed to attend',
      });
      expect(closed.body.data).toMatchObject({ state: 'closed', outcome: 'referred-open-to-recovery' });
      expect(journal('incident.closed', (e) => e.ref === id).map((e) => e.payload)).toEqual([
        { incidentId: id, outcome: 'referred-open-to-recovery', note: 'Referred to Open to Recovery; agreed to attend' },
      ]);
      expect(journal('incident.closed', (e) => e.ref === id).map((e) => e.actor)).toEqual(['police']);
    } finally {
      await h.close();
    }
  });
});

describe('after a crash', () => {
  it('derives the reports committed while the tracking watch was not running, once', async () => {
    const t = testConfig();
    const first = await startGateway(t.config);
    await first.stop();
    // A report committed, then the gateway died before deriving anything from it.
    const j = new Journal({ path: t.config.gateway.journal.path, synchronous: 'full', maxBatch: 10, log: pino({ level: 'silent' }) });
    await j.open();
    const report = await j.append({
      source: 'mqtt:shop-1',
      type: 'shop.report',
      subject: 'premises:prem-013',
      payload: { premisesId: 'prem-013', kind: 'incident', category: 'theft', occurredAt: minutesAgo(1), description: 'Took a phone charger' },
    });
    await j.close();
    const again = await startGateway(t.config);
    try {
      await eventually(() => again.projections.tracks.unlinkedSighting(`sg-${report.id}`), 5000, 'the missed sighting');
      expect(again.projections.incidents.get(`inc-${report.id}`)).toMatchObject({ state: 'reported', zone: 'victoria-centre', category: 'theft' });
    } finally {
      await again.stop();
    }
    // And not again on the next start: stop() waits for any derivation the start began.
    await (await startGateway(t.config)).stop();
    const db = new Database(t.config.gateway.journal.path, { readonly: true });
    expect(db.prepare("SELECT count(*) AS n FROM events WHERE type = 'track.sighting'").get()).toEqual({ n: 1 });
    db.close();
  });
});
