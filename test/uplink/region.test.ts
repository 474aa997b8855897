import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { hashPassword } from '../../gateway/auth/password';
import { chainHash } from '../../gateway/journal/hash';
import { Journal } from '../../gateway/journal/journal';
import type { EventRow } from '../../gateway/journal/rows';
import type { RegionService } from '../../gateway/region/service';
import { eventually, login, startGateway, withCsrf } from '../helpers/gateway';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto';
import { startPostgres, type PostgresServer } from '../helpers/postgres';
import { BROKER_USERS, everythingStored, regionConfig, settled, siteConfig, startRegion, unresolvedBreaks } from './harness';
import { untyped } from '../helpers/untyped';

/**
 * Two towns forward to one region that runs as two instances on a shared subscription. The
 * instances split the messages and together store each event once; neither misreads the other's
 * share as a broken chain. One town's journal was tampered with before it was sent: the region
 * reports exactly that, for that town. A subject seen in both towns is found by one search.
 */

const TOKEN = 'analyst-token-5f1c';
const now = () => new Date().toISOString();
const MARKET: [number, number] = [-1.1502, 52.9551234];

let pgServer: PostgresServer;
let broker: MosquittoBroker;
let regions: RegionService[] = [];
const gateways: Gateway[] = [];
const paths: Record<string, string> = {};
let tamperedReport = 0;
let forgedLink = 0;

/** South Town's journal, written before its gateway starts, then altered on disk as a forger would. */
async function tamperedJournal(path: string): Promise<void> {
  const journal = new Journal({ path, synchronous: 'normal', maxBatch: 2000, log: pino({ level: 'silent' }) });
  await journal.open();
  await journal.append(
    untyped({
      source: 'api',
      type: 'subject.created',
      actor: 'controller',
      payload: {
        subjectId: 's-4',
        status: 'sought',
        name: null,
        aliases: ['red cap'],
        description: 'man in a red cap, shoplifting',
        features: ['hat:red'],
        sharedRegionally: true,
      },
    }),
  );
  await journal.append(
    untyped({
      source: 'api',
      type: 'subject.created',
      actor: 'controller',
      payload: { subjectId: 's-secret', status: 'known', name: 'Private Person', aliases: ['red cap'], description: 'red cap', sharedRegionally: false },
    }),
  );
  await journal.append(
    untyped({
      source: 'mqtt:shop-prem-001',
      type: 'shop.report',
      subject: 'premises:prem-001',
      payload: {
        premisesId: 'prem-001',
        kind: 'sighting',
        category: 'suspicious',
        occurredAt: now(),
        description: 'red cap again',
        subjectId: 's-4',
        sharedRegionally: true,
      },
    }),
  );
  const report = await journal.append(
    untyped({
      source: 'mqtt:shop-prem-001',
      type: 'shop.report',
      subject: 'premises:prem-001',
      payload: { premisesId: 'prem-001', kind: 'incident', category: 'theft', occurredAt: now(), description: 'two bottles of gin', sharedRegionally: true },
    }),
  );
  const positions = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      journal.append(
        untyped({
          source: 'mqtt:radio-2001',
          type: 'radio.position',
          subject: 'radio:2001',
          payload: { issi: 2001, lat: MARKET[1], lon: MARKET[0], n: i },
        }),
      ),
    ),
  );
  await journal.close();
  tamperedReport = report.seq;
  forgedLink = positions[10]!.seq;

  const db = new Database(path);
  db.exec('DROP TRIGGER events_erase_only');
  // A report's text changed, its digest left as it was.
  db.prepare("UPDATE events SET payload = replace(payload, 'two bottles', 'one bottle') WHERE seq = ?").run(tamperedReport);
  // A position moved to another radio, and its hash recomputed: only the next event's link can tell.
  const row = db.prepare('SELECT * FROM events WHERE seq = ?').get(forgedLink) as EventRow;
  const forged = { ...row, subject: 'radio:2999' };
  const hash = chainHash({
    seq: forged.seq,
    id: forged.id,
    ts: forged.ts,
    source: forged.source,
    type: forged.type,
    actor: forged.actor,
    subject: forged.subject,
    ref: forged.ref,
    dedupe: forged.dedupe,
    payloadSha256: forged.payload_sha256,
    prevHash: forged.prev_hash,
  });
  db.prepare('UPDATE events SET subject = ?, hash = ? WHERE seq = ?').run(forged.subject, hash, forgedLink);
  db.close();
}

async function api(path: string, auth: string | null = `Bearer analyst:${TOKEN}`): Promise<{ status: number; body: { data?: unknown } }> {
  const res = await fetch(`http://127.0.0.1:${regions[0]!.httpPort}${path}`, auth ? { headers: { authorization: auth } } : {});
  return { status: res.status, body: (await res.json()) as { data?: unknown } };
}

beforeAll(async () => {
  [pgServer, broker] = await Promise.all([startPostgres(), startMosquitto({ users: BROKER_USERS })]);
  const tokens = [{ name: 'analyst', hash: await hashPassword(TOKEN, { N: 1024, r: 8, p: 1 }) }];
  regions = await Promise.all(['r1', 'r2'].map((instance) => startRegion(regionConfig(broker.url, pgServer.url, { instance, tokens }))));

  const north = siteConfig('north-town', broker.url, { batchSize: 20 });
  const south = siteConfig('south-town', broker.url, { batchSize: 20 });
  paths['north-town'] = north.config.gateway.journal.path;
  paths['south-town'] = south.config.gateway.journal.path;
  await tamperedJournal(paths['south-town']);
  gateways.push(await startGateway(north.config), await startGateway(south.config));
}, 60_000);

afterAll(async () => {
  for (const gw of gateways) await gw.stop();
  for (const r of regions) await r.stop();
  await broker?.dispose();
  await pgServer?.stop();
});

describe('the region', () => {
  it('splits the load between two instances, which together store each event once and check every link', async () => {
    const north = gateways[0]!;
    await north.journal.append({
      source: 'api',
      type: 'subject.created',
      actor: 'police',
      payload: {
        subjectId: 'n-17',
        status: 'known',
        name: 'Jason Pike',
        aliases: ['Jay Pike', 'Red Cap'],
        dob: '1990-01-01',
        photoRef: 'photos/n-17.jpg',
        description: 'tall, red baseball cap',
        features: ['hat:red'],
        markers: ['violent'],
        sharedWithMembers: false,
        sharedRegionally: true,
      },
    });
    await north.journal.append({
      source: 'api',
      type: 'sighting.reported',
      actor: 'operator',
      payload: {
        subjectId: 'n-17',
        description: 'red cap by the fountain',
        at: now(),
        kind: 'cctv',
        place: { lonLat: MARKET },
        unitId: null,
        media: ['clips/fountain.mp4'],
        sharedRegionally: true,
      },
    });
    await north.journal.append({
      source: 'gateway',
      type: 'breach.detected',
      payload: {
        breachId: 'b1',
        cboId: 'cbo-1',
        subjectId: 'n-17',
        sightingId: 'sg-1',
        at: now(),
        zone: 'market-square',
        position: MARKET,
        premisesId: null,
        reasons: [{ kind: 'zone', zone: 'market-square' }],
      },
    });
    await north.journal.append({
      source: 'gateway',
      type: 'incident.reported',
      payload: {
        incidentId: 'inc-b1',
        category: 'cbo-breach',
        description: 'CBO cbo-1 breached',
        zone: 'market-square',
        position: MARKET,
        premisesId: null,
        subjectId: 'n-17',
        reportedAt: now(),
        origin: { kind: 'breach', ref: 'b1' },
      },
    });
    await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        north.journal.append(
          untyped({
            source: 'mqtt:radio-2002',
            type: 'radio.position',
            subject: 'radio:2002',
            payload: { issi: 2002, lat: MARKET[1], lon: MARKET[0], n: i },
          }),
        ),
      ),
    );

    for (const site of ['north-town', 'south-town']) {
      const { journal, stored } = await settled(regions[0]!.pool, site, paths[site]!, site === 'north-town' ? 400 : 44);
      expect(stored, `${site}: every seq once, in order`).toEqual(journal);
    }
    expect(
      regions.map((r) => r.consumer.handled).every((n) => n > 0),
      'both instances took a share',
    ).toBe(true);
    const perInstance = await regions[0]!.pool.query<{ instance: string; n: string }>(
      "SELECT instance, count(*) AS n FROM events WHERE site_id = 'north-town' GROUP BY instance ORDER BY instance",
    );
    expect(perInstance.rows.map((r) => r.instance)).toEqual(['r1', 'r2']);

    await eventually(
      async () => (await regions[0]!.pool.query("SELECT 1 FROM events WHERE site_id = 'north-town' AND NOT linked")).rowCount === 0,
      10_000,
      'every north link checked',
    );
    expect(await unresolvedBreaks(regions[0]!.pool, 'north-town'), 'arrival out of order across instances is not a break').toEqual([]);
  }, 60_000);

  it('reports a tampered journal as chain breaks of that site, exactly where it was changed', async () => {
    const breaks = await eventually(
      async () => {
        const b = await unresolvedBreaks(regions[0]!.pool, 'south-town');
        return b.length >= 2 ? b : undefined;
      },
      10_000,
      'south-town breaks',
    );
    expect(breaks).toEqual([
      { seq: tamperedReport, kind: 'payload', resolved: false },
      { seq: forgedLink + 1, kind: 'link', resolved: false },
    ]);
  });

  it('finds a subject seen in two towns with one search, and only subjects shared regionally', async () => {
    expect((await api('/api/subjects?q=red%20cap', null)).status).toBe(401);
    expect((await api('/api/subjects?q=red%20cap', `Bearer analyst:wrong-token`)).status).toBe(401);
    const res = await api('/api/subjects?q=red%20cap');
    expect(res.status).toBe(200);
    const hits = res.body.data as Array<{ siteId: string; subjectId: string; name: string | null; sightings: number; lastZone: string | null }>;
    expect(hits.map((h) => `${h.siteId}/${h.subjectId}`).sort()).toEqual(['north-town/n-17', 'south-town/s-4']);
    expect(hits.find((h) => h.subjectId === 'n-17')).toMatchObject({ name: 'Jason Pike', sightings: 1, lastZone: 'market-square' });
    expect(hits.find((h) => h.subjectId === 's-4')).toMatchObject({ sightings: 1 });
    expect(((await api('/api/subjects?q=n-17')).body.data as unknown[]).length).toBe(1);

    const all = await everythingStored(regions[0]!.pool);
    for (const secret of ['Private Person', 's-secret', 'photos/n-17.jpg', 'violent', '1990-01-01', 'clips/fountain.mp4']) expect(all).not.toContain(secret);
  });

  it("shows each site's position in its chain, its lag, incidents and breaches", async () => {
    const sites = (await api('/api/sites')).body.data as Array<{
      siteId: string;
      lastSeq: number;
      incidents: number;
      breaches: number;
      openChainBreaks: number;
      lagSeconds: number;
    }>;
    const north = sites.find((s) => s.siteId === 'north-town')!;
    const south = sites.find((s) => s.siteId === 'south-town')!;
    expect(north).toMatchObject({ lastSeq: gateways[0]!.journal.head.seq, incidents: 1, breaches: 1, openChainBreaks: 0 });
    expect(south).toMatchObject({ lastSeq: gateways[1]!.journal.head.seq, openChainBreaks: 2 });
    expect(north.lagSeconds).toBeGreaterThanOrEqual(0);
    // The site's own report of its head reaches the region too; once caught up, nothing is behind.
    await eventually(
      async () => {
        const s = ((await api('/api/sites')).body.data as Array<{ siteId: string; reportedHead: number | null; behindEvents: number | null }>).find(
          (x) => x.siteId === 'north-town',
        );
        return s?.reportedHead === gateways[0]!.journal.head.seq && s.behindEvents === 0;
      },
      10_000,
      'north-town reported head and no lag',
    );
    const breaks = (await api('/api/sites/south-town/chain-breaks')).body.data as Array<{ seq: number; kind: string }>;
    expect(breaks.map((b) => b.kind)).toEqual(['payload', 'link']);
  });
  it('holds a subject only while an officer shares it regionally at the site, and forgets it when they stop', async () => {
    const north = gateways[0]!;
    const cookies = { police: await login(north.httpPort, 'police'), controller: await login(north.httpPort, 'controller') };
    const call = async <T>(user: keyof typeof cookies, method: string, path: string, body: unknown): Promise<T> => {
      const res = await fetch(`http://127.0.0.1:${north.httpPort}${path}`, {
        method,
        headers: { ...withCsrf(cookies[user]), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, `${method} ${path}`).toBe(200);
      return ((await res.json()) as { data: T }).data;
    };
    const hitsFor = async (q: string) =>
      (await api(`/api/subjects?q=${q}`)).body.data as Array<{ siteId: string; subjectId: string; name: string | null; sightings: number }>;
    const inRegion = async () => (await settled(regions[0]!.pool, 'north-town', paths['north-town']!, north.journal.head.seq)).stored;

    const subject = await call<{ id: string; sharedRegionally: boolean }>('police', 'POST', '/api/subjects', {
      status: 'known',
      name: 'Kyle Marsh',
      aliases: ['Sparrow'],
      dob: '1988-02-02',
      description: 'short, green parka',
      features: ['coat:green'],
      markers: ['drugs'],
    });
    expect(subject.sharedRegionally, 'not shared unless someone says so').toBe(false);
    await call('controller', 'POST', '/api/sightings', { subjectId: subject.id, description: 'Sparrow by the bank', place: { lonLat: MARKET } });
    await eventually(() => north.journal.head.seq > 0 && north.projections.tracks.get(subject.id) !== undefined, 10_000, 'the sighting tracked');
    await inRegion();
    expect(await hitsFor('Sparrow'), 'a subject the site keeps to itself').toEqual([]);

    const shared = await call<{ sharedRegionally: boolean }>('police', 'PATCH', `/api/subjects/${subject.id}`, { sharedRegionally: true });
    expect(shared.sharedRegionally).toBe(true);
    await call('controller', 'POST', '/api/sightings', { subjectId: subject.id, description: 'Sparrow at the market', place: { lonLat: MARKET } });
    const found = await eventually(
      async () => (await hitsFor('Sparrow')).find((h) => h.sightings === 1),
      10_000,
      'the shared subject and its new sighting in the region',
    );
    expect(found).toMatchObject({ siteId: 'north-town', subjectId: subject.id, name: 'Kyle Marsh' });
    // An order keeping him out of the market square, then a sighting there: the breach and its
    // incident reach the region naming him, because he is shared.
    const hour = 3600_000;
    await call('police', 'POST', '/api/cbos', {
      subjectId: subject.id,
      conditions: 'not to enter the market square',
      excludedZones: ['market-square'],
      startsAt: new Date(Date.now() - hour).toISOString(),
      expiresAt: new Date(Date.now() + 24 * hour).toISOString(),
    });
    await call('controller', 'POST', '/api/sightings', { subjectId: subject.id, description: 'Sparrow in the square', place: { lonLat: MARKET } });
    const named = async (table: string) =>
      (await regions[0]!.pool.query(`SELECT 1 FROM ${table} WHERE site_id = $1 AND subject_id = $2`, ['north-town', subject.id])).rowCount;
    await eventually(
      async () => (await named('breaches')) === 1 && (await named('incidents')) === 1,
      10_000,
      'the breach and its incident, naming the shared subject',
    );
    const all = await everythingStored(regions[0]!.pool);
    for (const secret of ['1988-02-02', 'drugs', 'Sparrow by the bank'])
      expect(all, 'not shared: birth date, markers, sightings from before').not.toContain(secret);

    await call('police', 'PATCH', `/api/subjects/${subject.id}`, { sharedRegionally: false });
    await eventually(async () => (await hitsFor('Sparrow')).length === 0, 10_000, 'the region to forget the subject');
    await inRegion();
    for (const table of ['subjects', 'sightings', 'incidents', 'breaches']) expect(await named(table), `${table}: nothing names the withdrawn subject`).toBe(0);
    expect(
      (await regions[0]!.pool.query("SELECT 1 FROM breaches WHERE site_id = 'north-town'")).rowCount,
      'the breach itself still counts for the site',
    ).toBeGreaterThan(0);
  }, 60_000);
});
