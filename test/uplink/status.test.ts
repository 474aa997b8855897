import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { RegionService } from '../../gateway/region/service';
import { statusTopic } from '../../gateway/uplink/wire';
import { eventually, startGateway } from '../helpers/gateway';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto';
import { startPostgres, type PostgresServer } from '../helpers/postgres';
import { BROKER_USERS, regionConfig, settled, siteConfig, startRegion, UPLINK_PASSWORD, UPLINK_USER } from './harness';
import { untyped } from '../helpers/untyped';

/**
 * A site's status is timed by the region's clock: a status from the future (a skewed clock, or
 * a forged retained one) does not freeze the site's row. A quiet site the region has caught up
 * with is not "behind", however long ago its last event was.
 */

const SITE = 'status-town';
let pgServer: PostgresServer;
let broker: MosquittoBroker;
let region: RegionService;
let gw: Gateway;
let journalPath: string;
let site: ReturnType<typeof siteConfig>;

interface SiteRow {
  siteId: string;
  lagSeconds: number | null;
  reportedHead: number | null;
  behindEvents: number | null;
}

async function siteRow(): Promise<SiteRow | undefined> {
  const res = await fetch(`http://127.0.0.1:${region.httpPort}/api/sites`, { headers: { authorization: `Bearer analyst:${TOKEN}` } });
  return ((await res.json()) as { data: SiteRow[] }).data.find((s) => s.siteId === SITE);
}
const TOKEN = 'status-token-2b7e';

beforeAll(async () => {
  const { hashPassword } = await import('../../gateway/auth/password');
  [pgServer, broker] = await Promise.all([startPostgres(), startMosquitto({ users: BROKER_USERS })]);
  region = await startRegion(
    regionConfig(broker.url, pgServer.url, { tokens: [{ name: 'analyst', hash: await hashPassword(TOKEN, { N: 1024, r: 8, p: 1 }) }] }),
  );
  site = siteConfig(SITE, broker.url);
  journalPath = site.config.gateway.journal.path;
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await region?.stop();
  await broker?.dispose();
  await pgServer?.stop();
});

describe('site status at the region', () => {
  it('is timed by the region, so a status claiming the future does not freeze the site', async () => {
    const forger = await mqtt.connectAsync(broker.url, { username: UPLINK_USER, password: UPLINK_PASSWORD, protocolVersion: 5, clientId: 'forger' });
    const future = Date.now() + 365 * 86_400_000;
    await forger.publishAsync(statusTopic(SITE), JSON.stringify({ v: 1, site: SITE, head: 0, acked: 0, at: future }), { qos: 1, retain: true });
    await forger.endAsync();
    await eventually(
      async () => {
        const r = await region.pool.query<{ site_at: Date | null }>('SELECT reported_site_at AS site_at FROM sites WHERE site_id = $1', [SITE]);
        return r.rows[0]?.site_at && r.rows[0].site_at.getTime() > Date.now() + 86_400_000;
      },
      10_000,
      'the forged status to arrive',
    );
    // The site starts only now: its own status, sent as its uplink starts, would replace the
    // forged one before a loaded machine's poll could see it.
    gw = await startGateway(site.config);

    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        gw.journal.append(
          untyped({ source: 'mqtt:radio-2001', type: 'radio.position', subject: 'radio:2001', payload: { issi: 2001, lat: 52.95, lon: -1.15, n: i } }),
        ),
      ),
    );
    const head = gw.journal.head.seq;
    await settled(region.pool, SITE, journalPath, head);
    // The site's next status (about a second after its cursor moves) replaces the forged one.
    const row = await eventually(
      async () => {
        const r = await region.pool.query<{ acked: string; at: Date }>('SELECT reported_acked AS acked, reported_at AS at FROM sites WHERE site_id = $1', [
          SITE,
        ]);
        return Number(r.rows[0]?.acked) === head ? r.rows[0] : undefined;
      },
      10_000,
      'the real status to replace the forged one',
    );
    expect(row.at.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  }, 60_000);

  it('does not count a quiet site it has caught up with as behind', async () => {
    // The site's last event was an hour ago; the region has everything up to the head it reports.
    await region.pool.query('UPDATE events SET ts = ts - 3600000 WHERE site_id = $1', [SITE]);
    const caughtUp = await eventually(
      async () => {
        const s = await siteRow();
        return s && s.behindEvents === 0 ? s : undefined;
      },
      10_000,
      'the region to have caught up',
    );
    expect(caughtUp.lagSeconds).toBe(0);
    // Behind the head the site reports, the lag is the age of what the region holds contiguously.
    await region.pool.query('UPDATE sites SET reported_head = reported_head + 5 WHERE site_id = $1', [SITE]);
    expect((await siteRow())!.lagSeconds).toBeGreaterThanOrEqual(3600);
  }, 30_000);
});
