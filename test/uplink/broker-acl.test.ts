import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { dynsecConfig } from '../../gateway/region/broker-acl';
import type { RegionService } from '../../gateway/region/service';
import { startGateway } from '../helpers/gateway';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto';
import { startPostgres, type PostgresServer } from '../helpers/postgres';
import { REGION_PASSWORD, REGION_USER, regionConfig, settled, siteConfig, startRegion, UPLINK_PASSWORD, UPLINK_USER } from './harness';
import { untyped } from '../helpers/untyped';

/**
 * The recommended regional broker (Mosquitto 2 with the dynamic-security plugin, as
 * config/region/mosquitto.conf): a site's account cannot join the region's shared group, nor
 * read or write another site's topics, while the site's own uplink works, resend included. For
 * contrast, Mosquitto's acl_file (the old recommendation) grants the `$share` subscription.
 */

const SITE = 'acl-town';
const ROGUE = { username: 'rogue-town', password: 'rogue-secret-1618', siteId: 'rogue-town' };
let pgServer: PostgresServer;
let broker: MosquittoBroker;
let region: RegionService;
let gw: Gateway;
let journalPath: string;
const clients: MqttClient[] = [];

async function connect(url: string, username: string, password: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { username, password, protocolVersion: 5, clientId: `${username}-${clients.length}`, reconnectPeriod: 0 });
  clients.push(c);
  return c;
}

async function trySubscribe(c: MqttClient, topic: string): Promise<string> {
  try {
    await c.subscribeAsync(topic, { qos: 1 });
    return 'granted';
  } catch (err) {
    return (err as Error).message;
  }
}

beforeAll(async () => {
  const dynsec = dynsecConfig({
    region: { username: REGION_USER, password: REGION_PASSWORD },
    sites: [{ siteId: SITE, username: UPLINK_USER, password: UPLINK_PASSWORD }, ROGUE],
  });
  [pgServer, broker] = await Promise.all([startPostgres(), startMosquitto({ dynsec })]);
  region = await startRegion(regionConfig(broker.url, pgServer.url));
  const site = siteConfig(SITE, broker.url);
  journalPath = site.config.gateway.journal.path;
  gw = await startGateway(site.config);
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.endAsync(true);
  await gw?.stop();
  await region?.stop();
  await broker?.dispose();
  await pgServer?.stop();
});

describe('the recommended regional broker ACL', () => {
  it('refuses a site any $share subscription and any other site’s topics, and every event still arrives', async () => {
    const rogue = await connect(broker.url, ROGUE.username, ROGUE.password);
    expect(await trySubscribe(rogue, '$share/region/tw/v1/region/+/events')).toMatch(/Not authorized/);
    expect(await trySubscribe(rogue, '$share/other/tw/v1/region/+/events')).toMatch(/Not authorized/);
    expect(await trySubscribe(rogue, 'tw/v1/region/+/events')).toMatch(/Not authorized/);
    expect(await trySubscribe(rogue, `tw/v1/region/${SITE}/resend`)).toMatch(/Not authorized/);
    expect(await trySubscribe(rogue, `tw/v1/region/${ROGUE.siteId}/resend`), 'its own resend topic').toBe('granted');
    // Mosquitto closes the connection after a refused publish.
    await expect(rogue.publishAsync(`tw/v1/region/${SITE}/events`, '{}', { qos: 1 })).rejects.toThrow(/Not authorized|closed/);

    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        gw.journal.append(
          untyped({ source: 'mqtt:radio-2001', type: 'radio.position', subject: 'radio:2001', payload: { issi: 2001, lat: 52.95, lon: -1.15, n: i } }),
        ),
      ),
    );
    const { journal, stored } = await settled(region.pool, SITE, journalPath, 300);
    expect(stored).toEqual(journal);
  }, 60_000);

  it('(the old recommendation, Mosquitto’s acl_file, grants a site the $share subscription)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-acl-'));
    const acl = join(dir, 'acl');
    writeFileSync(
      acl,
      `user ${REGION_USER}\ntopic read tw/v1/region/#\ntopic write tw/v1/region/+/resend\npattern write tw/v1/region/%u/events\npattern write tw/v1/region/%u/status\npattern read tw/v1/region/%u/resend\n`,
    );
    const old = await startMosquitto({ users: { [ROGUE.username]: ROGUE.password }, aclFile: acl });
    try {
      const rogue = await connect(old.url, ROGUE.username, ROGUE.password);
      expect(await trySubscribe(rogue, '$share/region/tw/v1/region/+/events')).toBe('granted');
    } finally {
      await old.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
