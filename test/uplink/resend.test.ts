import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { RegionService } from '../../gateway/region/service';
import { eventually, startGateway } from '../helpers/gateway';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto';
import { startPostgres, type PostgresServer } from '../helpers/postgres';
import { BROKER_USERS, breaksOf, regionConfig, settled, siteConfig, startRegion, UPLINK_PASSWORD, UPLINK_USER } from './harness';
import { untyped } from '../helpers/untyped';

/**
 * A site account joins the region's shared group (a broker without the recommended ACL) and
 * drops its share: about every other message is lost after the broker's PUBACK, in well over a
 * hundred separate runs. The site goes quiet (its uplink says the broker has everything); the
 * region must report every gap, say the site is stalled, and, once the site is back, ask for
 * every missing run at once and fill them all.
 */

const SITE = 'resend-town';
const EVENTS = 300;
let pgServer: PostgresServer;
let broker: MosquittoBroker;
let region: RegionService;
let gw: Gateway | null = null;
let rogue: MqttClient | null = null;
let site: ReturnType<typeof siteConfig>;

async function regionApi<T>(path: string): Promise<T> {
  return (await (await fetch(`http://127.0.0.1:${region.httpPort}${path}`)).text()) as T;
}

beforeAll(async () => {
  [pgServer, broker] = await Promise.all([startPostgres(), startMosquitto({ users: BROKER_USERS })]);
  region = await startRegion(regionConfig(broker.url, pgServer.url, { gapGraceSeconds: 1, stallSeconds: 2 }));
  // One event a message: every message lost to the rogue is a run of its own.
  site = siteConfig(SITE, broker.url, { batchSize: 1, windowSize: 8 });
}, 60_000);

afterAll(async () => {
  await rogue?.endAsync(true);
  await gw?.stop();
  await region?.stop();
  await broker?.dispose();
  await pgServer?.stop();
});

describe('events lost after the broker acknowledged them', () => {
  it('are all reported, the site is flagged as stalled, and every run is asked for and filled at once', async () => {
    rogue = await mqtt.connectAsync(broker.url, { username: UPLINK_USER, password: UPLINK_PASSWORD, protocolVersion: 5, clientId: 'rogue', clean: true });
    let dropped = 0;
    rogue.handleMessage = (_packet, done) => {
      dropped++;
      done();
    };
    await rogue.subscribeAsync('$share/region/tw/v1/region/+/events', { qos: 1 });

    gw = await startGateway(site.config);
    const head = gw.journal.head.seq;
    await Promise.all(
      Array.from({ length: EVENTS }, (_, i) =>
        gw!.journal.append(
          untyped({ source: 'mqtt:radio-2001', type: 'radio.position', subject: 'radio:2001', payload: { issi: 2001, lat: 52.95, lon: -1.15, n: i } }),
        ),
      ),
    );
    const total = head + EVENTS;
    await eventually(() => gw!.uplink?.status().ackedSeq === total, 30_000, 'the broker to acknowledge every event');
    // The site's status (acked = total) is retained; the site goes away before it can answer many resends.
    await gw.stop();
    gw = null;
    await rogue.endAsync(true);
    rogue = null;
    expect(dropped, 'the rogue took a share').toBeGreaterThan(100);

    const runs = await eventually(
      async () => {
        const open = (await breaksOf(region.pool, SITE)).filter((b) => b.kind === 'gap' && !b.resolved);
        return open.length > 100 ? open.length : undefined;
      },
      20_000,
      'more than a hundred gaps reported',
    );
    expect(runs).toBeGreaterThan(100);
    await eventually(
      async () => (await regionApi<string>('/metrics')).includes(`tw_region_site_stalled{site="${SITE}"} 1`),
      15_000,
      'the site to be flagged as stalled',
    );

    gw = await startGateway(site.config);
    const { journal, stored } = await settled(region.pool, SITE, site.config.gateway.journal.path, total, 25_000);
    expect(stored).toEqual(journal);
    await eventually(async () => (await breaksOf(region.pool, SITE)).every((b) => b.kind === 'gap' && b.resolved), 10_000, 'every gap resolved');
    await eventually(async () => (await regionApi<string>('/metrics')).includes(`tw_region_site_stalled{site="${SITE}"} 0`), 10_000, 'the stall to clear');
  }, 120_000);
});
