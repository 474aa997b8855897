import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { RegionService } from '../../gateway/region/service';
import { eventually, startGateway } from '../helpers/gateway';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto';
import { startPostgres, type PostgresServer } from '../helpers/postgres';
import { BROKER_USERS, everythingStored, regionConfig, settled, siteConfig, startRegion } from './harness';
import { untyped } from '../helpers/untyped';

/**
 * A town's tracking, forwarded to a real region: the track sightings of a subject the town does
 * not share never reach PostgreSQL with the subject's id or position (they go as bare links),
 * a shared subject's positions arrive only as zones, and when the town withdraws a shared
 * subject the region blanks the raw payloads it holds of them, keeping the chain, with a receipt.
 */

const SITE = 'track-town';
// In the demo town's market-square zone, with a precision no zone polygon has.
const MARKET: [number, number] = [-1.1502731, 52.9551234];
const SECRET_ID = 'u-secret-77';
const SHARED_ID = 'w-shared-12';
const SHARED_NAME = 'Withdrawn Person Sentinel';
const SIGHTING_TEXT = 'withdrawn-sighting-sentinel by the fountain';

let pgServer: PostgresServer;
let broker: MosquittoBroker;
let region: RegionService;
let gw: Gateway;
let journalPath: string;

const at = () => new Date().toISOString();

beforeAll(async () => {
  [pgServer, broker] = await Promise.all([startPostgres(), startMosquitto({ users: BROKER_USERS })]);
  region = await startRegion(regionConfig(broker.url, pgServer.url));
  const site = siteConfig(SITE, broker.url);
  journalPath = site.config.gateway.journal.path;
  gw = await startGateway(site.config);
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await region?.stop();
  await broker?.dispose();
  await pgServer?.stop();
});

describe('tracking and withdrawal at the region', () => {
  it('never stores an unshared subject’s track sightings, and stores a shared one’s positions only as zones', async () => {
    const j = gw.journal;
    await j.append(
      untyped({
        source: 'api',
        type: 'subject.created',
        actor: 'controller',
        subject: `subject:${SECRET_ID}`,
        ref: SECRET_ID,
        payload: { subjectId: SECRET_ID, status: 'known', name: 'Secret Person', aliases: [], description: 'grey coat', features: [], sharedRegionally: false },
      }),
    );
    await j.append(
      untyped({
        source: 'api',
        type: 'subject.created',
        actor: 'controller',
        subject: `subject:${SHARED_ID}`,
        ref: SHARED_ID,
        payload: {
          subjectId: SHARED_ID,
          status: 'sought',
          name: SHARED_NAME,
          aliases: ['fountain man'],
          description: 'red scarf',
          features: [],
          sharedRegionally: true,
        },
      }),
    );
    for (const id of [SECRET_ID, SHARED_ID, SECRET_ID]) {
      await j.append({
        source: 'api',
        type: 'sighting.reported',
        actor: 'operator',
        subject: `subject:${id}`,
        payload: {
          subjectId: id,
          description: id === SHARED_ID ? SIGHTING_TEXT : 'secret sighting',
          at: at(),
          kind: 'cctv',
          place: { lonLat: MARKET },
          unitId: null,
          media: [],
        },
      });
    }
    // The site's tracking derives one track.sighting per report.
    await eventually(
      () => {
        const n = gw.journal.database.prepare("SELECT count(*) AS n FROM events WHERE type = 'track.sighting'").get() as { n: number };
        return n.n >= 3;
      },
      10_000,
      'three track sightings at the site',
    );

    const { journal, stored } = await settled(region.pool, SITE, journalPath, 8);
    expect(stored).toEqual(journal);
    const tracks = await region.pool.query<{ kind: string; subject: string | null }>(
      "SELECT e.kind, e.subject FROM events e WHERE site_id = $1 AND (type = 'track.sighting' OR kind = 'link') ORDER BY seq",
      [SITE],
    );
    expect(tracks.rows.filter((r) => r.kind === 'event').map((r) => r.subject)).toEqual([`subject:${SHARED_ID}`]);

    const all = await everythingStored(region.pool);
    expect(all).not.toContain(SECRET_ID);
    expect(all).not.toContain('Secret Person');
    expect(all).not.toContain(String(MARKET[1]));
    expect(all).not.toContain(String(MARKET[0]));
    const shared = await region.pool.query<{ payload: { sighting: { zone: string; subjectId: string } } }>(
      "SELECT payload FROM events WHERE site_id = $1 AND type = 'track.sighting' AND kind = 'event'",
      [SITE],
    );
    expect(shared.rows[0]!.payload.sighting).toMatchObject({ subjectId: SHARED_ID, zone: 'market-square' });
  }, 60_000);

  it('blanks the raw payloads of a withdrawn subject’s events, keeps the chain, and says so in a receipt', async () => {
    const before = await region.pool.query<{ n: string }>("SELECT count(*) AS n FROM events WHERE site_id = $1 AND payload::text LIKE '%' || $2 || '%'", [
      SITE,
      SHARED_ID,
    ]);
    // Its creation and its track sighting (the report itself names the subject in its header without a sharing flag: a link).
    expect(Number(before.rows[0]!.n)).toBeGreaterThanOrEqual(2);
    const w = await gw.journal.append(
      untyped({
        source: 'api',
        type: 'subject.updated',
        actor: 'controller',
        subject: `subject:${SHARED_ID}`,
        ref: SHARED_ID,
        payload: { subjectId: SHARED_ID, changes: { sharedRegionally: false }, sharedRegionally: true, shared: null },
      }),
    );

    const receipt = await eventually(
      async () => {
        const r = await region.pool.query<{ seq: string; events_blanked: string }>(
          'SELECT seq, events_blanked FROM withdrawal_receipts WHERE site_id = $1 AND subject_id = $2',
          [SITE, SHARED_ID],
        );
        return r.rows[0];
      },
      20_000,
      'a withdrawal receipt',
    );
    expect(Number(receipt.seq)).toBe(w.seq);
    expect(Number(receipt.events_blanked)).toBeGreaterThanOrEqual(Number(before.rows[0]!.n));

    const raw = await region.pool.query<{ j: string }>('SELECT row_to_json(e)::text AS j FROM events e WHERE site_id = $1', [SITE]);
    const text = raw.rows.map((r) => r.j).join('\n');
    expect(text).not.toContain(SHARED_NAME);
    expect(text).not.toContain(SIGHTING_TEXT);
    expect(text).not.toContain('fountain man');
    // The chain is whole: every seq, with its hash, as the site's journal has it.
    const { journal, stored } = await settled(region.pool, SITE, journalPath, w.seq);
    expect(stored).toEqual(journal);
    const blanked = await region.pool.query<{ payload_mode: string; payload_sha256: string | null }>(
      "SELECT payload_mode, payload_sha256 FROM events WHERE site_id = $1 AND payload_mode = 'withdrawn'",
      [SITE],
    );
    expect(blanked.rows.length).toBe(Number(receipt.events_blanked));
    expect(blanked.rows.every((r) => /^[0-9a-f]{64}$/.test(r.payload_sha256 ?? ''))).toBe(true);
  }, 60_000);
});
