import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { RegionService } from '../../gateway/region/service';
import { eventually, startGateway } from '../helpers/gateway';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto';
import { startPostgres, type PostgresServer } from '../helpers/postgres';
import { BROKER_USERS, regionConfig, settled, siteConfig, startRegion, waitStored } from './harness';
import { untyped } from '../helpers/untyped';

/**
 * Mosquitto with persistence, restarted: it restores the region's session (CONNACK says
 * "session present") but not its `$share` subscription. The region must subscribe again on
 * every connect, or it hears nothing more, for as long as the session lasts.
 */

const SITE = 'restart-town';
let pgServer: PostgresServer;
let broker: MosquittoBroker;
let region: RegionService;
let gw: Gateway;
let journalPath: string;

const positions = (n: number, tag: string) =>
  Promise.all(
    Array.from({ length: n }, (_, i) =>
      gw.journal.append(
        untyped({
          source: 'mqtt:radio-2001',
          type: 'radio.position',
          subject: 'radio:2001',
          payload: { issi: 2001, lat: 52.95, lon: -1.15, n: i, tag },
        }),
      ),
    ),
  );

async function readyz(): Promise<number> {
  return (await fetch(`http://127.0.0.1:${region.httpPort}/readyz`)).status;
}

beforeAll(async () => {
  [pgServer, broker] = await Promise.all([startPostgres(), startMosquitto({ users: BROKER_USERS, persistence: true })]);
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

describe('a persistent broker restarted', () => {
  it('is subscribed to again by the region, which then takes everything the site sent meanwhile', async () => {
    expect(await readyz(), 'subscribed: ready').toBe(200);
    await positions(50, 'before');
    await waitStored(region.pool, SITE, gw.journal.head.seq);

    await broker.stop();
    await eventually(async () => (await readyz()) === 503, 10_000, 'the region to say it is not ready without its broker');
    await broker.start();
    await eventually(async () => (await readyz()) === 200, 15_000, 'the region to subscribe again');
    await positions(200, 'after');

    const { journal, stored } = await settled(region.pool, SITE, journalPath, 250, 30_000);
    expect(stored).toEqual(journal);
  }, 60_000);
});
