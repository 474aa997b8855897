import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { RegionService } from '../../gateway/region/service';
import { eventually, startGateway } from '../helpers/gateway';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto';
import { startPostgres, type PostgresServer } from '../helpers/postgres';
import { BROKER_USERS, everythingStored, regionConfig, settled, siteConfig, startRegion, unresolvedBreaks, waitStored } from './harness';
import { untyped } from '../helpers/untyped';

/**
 * One site forwarding to a real Mosquitto (TLS, passwords) and a region writing to a real
 * PostgreSQL. The upstream goes away for a while and comes back: the site keeps working and
 * shows its lag, then catches up, and the region holds every event once, in order.
 */

const SITE = 'outage-town';
// Sentinels that the uplink rules must keep at home.
const MEDIA = '/srv/footage/cam-7/clip-0042.mp4';
const EXPORT_DIR = '/tmp/bundles/incident-77';
const WEARER = 'Sergeant Wearer-Sentinel';
const PRIVATE_DESC = 'PRIVATE-DESCRIPTION-SENTINEL';
const LAT = 52.9551234;

let pgServer: PostgresServer;
let broker: MosquittoBroker;
let region: RegionService;
let gw: Gateway;
let journalPath: string;

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

async function readyz(): Promise<{ status: number; body: { ready: boolean; detail: { uplink: { connected: boolean; behindEvents: number } } } }> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}/readyz`);
  return { status: res.status, body: (await res.json()) as never };
}

function appendMix(n: number, tag: string): Promise<unknown> {
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    all.push(
      gw.journal.append(
        untyped({
          source: 'mqtt:radio-2001',
          type: 'radio.position',
          subject: 'radio:2001',
          payload: { issi: 2001, lat: LAT, lon: -1.1502, fixTime: new Date().toISOString(), n: i, tag },
        }),
      ),
    );
    if (i % 10 === 0) {
      all.push(
        gw.journal.append(
          untyped({
            source: 'mqtt:shop-prem-001',
            type: 'shop.report',
            subject: 'premises:prem-001',
            payload: {
              premisesId: 'prem-001',
              kind: 'incident',
              category: 'theft',
              occurredAt: new Date().toISOString(),
              description: PRIVATE_DESC,
              subjectId: 'sub-private',
              media: [MEDIA],
              tag,
            },
          }),
        ),
      );
    }
  }
  return Promise.all(all);
}

beforeAll(async () => {
  [pgServer, broker] = await Promise.all([startPostgres(), startMosquitto({ users: BROKER_USERS, tls: true })]);
  region = await startRegion(regionConfig(broker.url, pgServer.url, { ca: broker.caFile }));
  const site = siteConfig(SITE, broker.url, { ca: broker.caFile });
  journalPath = site.config.gateway.journal.path;
  gw = await startGateway(site.config);
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await region?.stop();
  await broker?.dispose();
  await pgServer?.stop();
});

describe('uplink through an outage', () => {
  it('keeps the site working while the region is unreachable, then delivers every event exactly once and in order', async () => {
    await appendMix(100, 'before');
    await waitStored(region.pool, SITE, gw.journal.head.seq);

    await broker.stop();
    await eventually(async () => (await readyz()).body.detail.uplink.connected === false, 10_000, 'uplink to notice the outage');
    await appendMix(400, 'during');
    const during = await readyz();
    expect(during.status, 'a site without its region is still ready').toBe(200);
    expect(during.body.detail.uplink.behindEvents).toBeGreaterThanOrEqual(440);
    expect(await metric('tw_uplink_lag_events')).toBeGreaterThanOrEqual(440);
    expect(await metric('tw_uplink_connected')).toBe(0);

    await broker.start();
    await appendMix(50, 'after');
    const { journal, stored } = await settled(region.pool, SITE, journalPath, gw.journal.head.seq);
    expect(stored, 'every seq once, in order, with the hash the site chained').toEqual(journal);
    await eventually(async () => (await metric('tw_uplink_lag_events')) === 0, 10_000, 'lag back to 0');
    await eventually(
      async () => (await region.pool.query('SELECT 1 FROM events WHERE site_id = $1 AND NOT linked', [SITE])).rowCount === 0,
      10_000,
      'every link checked',
    );
    expect(await unresolvedBreaks(region.pool, SITE)).toEqual([]);
  }, 60_000);

  it('heals events the broker acknowledged and then lost, at the end of the stream and in the middle', async () => {
    const resentBefore = await metric('tw_uplink_resent_events_total');
    // The region goes away; its persistent session makes the broker acknowledge and queue for it.
    await region.stop();
    await appendMix(150, 'queued');
    await eventually(async () => (await metric('tw_uplink_lag_events')) === 0, 15_000, 'the broker to acknowledge everything');
    // A broker without persistence restarts: the queue, acknowledged to the site, is gone.
    await broker.stop();
    await broker.start();
    region = await startRegion(regionConfig(broker.url, pgServer.url, { ca: broker.caFile }));
    // Nothing new from the site: only its status says the tail is missing.
    let r = await settled(region.pool, SITE, journalPath, gw.journal.head.seq);
    expect(r.stored).toEqual(r.journal);

    await region.stop();
    await appendMix(100, 'queued-again');
    await eventually(async () => (await metric('tw_uplink_lag_events')) === 0, 15_000, 'the broker to acknowledge everything');
    await broker.stop();
    await broker.start();
    region = await startRegion(regionConfig(broker.url, pgServer.url, { ca: broker.caFile }));
    // New events arrive after the lost ones: a gap in the middle.
    await appendMix(20, 'after-loss');
    r = await settled(region.pool, SITE, journalPath, gw.journal.head.seq);
    expect(r.stored).toEqual(r.journal);
    expect(await metric('tw_uplink_resent_events_total')).toBeGreaterThanOrEqual(resentBefore + 250);
    expect(await unresolvedBreaks(region.pool, SITE)).toEqual([]);
  }, 60_000);

  it('sends evidence custody records minimised, and journals each as evidence.uplinked', async () => {
    const evidenceId = 'a'.repeat(64);
    const verified = await gw.journal.append(
      untyped({
        source: 'dock:dock-1',
        type: 'evidence.verified',
        subject: 'bodycam:BWC-0001',
        ref: evidenceId,
        payload: {
          evidenceId,
          dockId: 'dock-1',
          cam: 'BWC-0001',
          fileNo: 3,
          sha256: evidenceId,
          size: 1000,
          bay: 2,
          name: 'FILE0042.MP4',
          wearer: WEARER,
          gps: { lat: LAT, lon: -1.1502 },
          recStart: '2026-11-23T10:00:00Z',
          recEnd: '2026-11-23T10:05:00Z',
        },
      }),
    );
    const exported = await gw.journal.append(
      untyped({
        source: 'api',
        type: 'evidence.exported',
        actor: 'secmgr',
        subject: 'bodycam:BWC-0001',
        ref: evidenceId,
        payload: { evidenceId, incidentId: 'inc-77', out: EXPORT_DIR },
      }),
    );
    await waitStored(region.pool, SITE, exported.seq);
    const custody = await eventually(
      () => {
        const rows = gw.journal.database.prepare("SELECT payload FROM events WHERE type = 'evidence.uplinked' AND ref = ?").all(evidenceId) as Array<{
          payload: string;
        }>;
        return rows.length >= 2 ? rows.map((r) => JSON.parse(r.payload) as { seq: number; payloadMode: string; dropped: string[] }) : undefined;
      },
      10_000,
      'custody records',
    );
    expect(custody.map((c) => c.seq).sort((a, b) => a - b)).toEqual([verified.seq, exported.seq]);
    expect(custody.find((c) => c.seq === verified.seq)).toMatchObject({
      payloadMode: 'minimised',
      dropped: expect.arrayContaining(['name', 'wearer', 'gps.lat']) as unknown,
    });

    const row = await region.pool.query<{ payload: Record<string, unknown>; payload_mode: string; actor: string }>(
      'SELECT payload, payload_mode, actor FROM events WHERE site_id = $1 AND seq = $2',
      [SITE, verified.seq],
    );
    expect(row.rows[0]).toMatchObject({ payload_mode: 'minimised', payload: { evidenceId, gps: { zone: 'market-square' } } });
  }, 30_000);

  it('never lets minimised fields reach PostgreSQL', async () => {
    const all = await everythingStored(region.pool);
    expect(all.length).toBeGreaterThan(1000);
    for (const secret of [MEDIA, EXPORT_DIR, WEARER, PRIVATE_DESC, 'sub-private', String(LAT), 'FILE0042']) expect(all).not.toContain(secret);
    // The reports themselves did leave, with what may be shared.
    const reports = await region.pool.query<{ payload: Record<string, unknown> }>(
      "SELECT payload FROM events WHERE site_id = $1 AND type = 'shop.report' LIMIT 1",
      [SITE],
    );
    expect(reports.rows[0]!.payload).toMatchObject({ premisesId: 'prem-001', category: 'theft', kind: 'incident' });
    const positions = await region.pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM events WHERE site_id = $1 AND kind = 'link' AND type IS NULL AND payload IS NULL",
      [SITE],
    );
    expect(Number(positions.rows[0]!.n)).toBeGreaterThanOrEqual(550);
  });
});
