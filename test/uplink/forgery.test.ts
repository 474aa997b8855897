import { createHmac, randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { hashPassword } from '../../gateway/auth/password';
import { chainHash, sha256Hex } from '../../gateway/journal/hash';
import type { RegionService } from '../../gateway/region/service';
import { statusSigningText, statusTopic, uplinkTopic, type WireEvent } from '../../gateway/uplink/wire';
import { eventually, startGateway } from '../helpers/gateway';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto';
import { startPostgres, type PostgresServer } from '../helpers/postgres';
import { BROKER_USERS, breaksOf, regionConfig, settled, siteConfig, startRegion, UPLINK_PASSWORD, UPLINK_USER } from './harness';
import { untyped } from '../helpers/untyped';

/**
 * Someone holding a site's MQTT password (not its signing key) publishes a well-formed event at
 * the site's next seq, with a correctly computed hash, before the site does. The region stores it
 * first, but flags what it derived as unconfirmed; the site's own event arrives as a fork and is
 * kept; the site's next signed status says which is its own, and the region repairs its copy to
 * the site's version. A status signed with the wrong key is ignored.
 */

const SITE = 'forge-town';
const KEY = 'forge-town-signing-key-0123456789abcdef';
const TOKEN = 'forgery-token-77aa';
let pgServer: PostgresServer;
let broker: MosquittoBroker;
let region: RegionService;
let gw: Gateway;
let journalPath: string;

async function search(q: string): Promise<Array<{ siteId: string; subjectId: string; unconfirmed: boolean; lastZone: string | null }>> {
  const res = await fetch(`http://127.0.0.1:${region.httpPort}/api/subjects?q=${encodeURIComponent(q)}`, {
    headers: { authorization: `Bearer analyst:${TOKEN}` },
  });
  return ((await res.json()) as { data: Array<{ siteId: string; subjectId: string; unconfirmed: boolean; lastZone: string | null }> }).data;
}

async function siteRow(): Promise<{ confirmed: number; signedHash: string | null }> {
  const r = await region.pool.query<{ confirmed_seq: string; signed_hash: string | null }>('SELECT confirmed_seq, signed_hash FROM sites WHERE site_id = $1', [
    SITE,
  ]);
  return { confirmed: Number(r.rows[0]?.confirmed_seq ?? 0), signedHash: r.rows[0]?.signed_hash ?? null };
}

beforeAll(async () => {
  [pgServer, broker] = await Promise.all([startPostgres(), startMosquitto({ users: BROKER_USERS })]);
  const tokens = [{ name: 'analyst', hash: await hashPassword(TOKEN, { N: 1024, r: 8, p: 1 }) }];
  region = await startRegion({ ...regionConfig(broker.url, pgServer.url, { tokens }), siteKeys: [{ site: SITE, key: KEY }] });
  const site = siteConfig(SITE, broker.url, { signingKey: KEY });
  journalPath = site.config.gateway.journal.path;
  gw = await startGateway(site.config);
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await region?.stop();
  await broker?.dispose();
  await pgServer?.stop();
});

describe('a forged event from a holder of the site’s MQTT password', () => {
  it('is flagged, kept apart, and replaced by the site’s own event once the site signs its chain', async () => {
    await gw.journal.append(
      untyped({
        source: 'api',
        type: 'subject.created',
        actor: 'controller',
        subject: 'subject:real-1',
        ref: 'real-1',
        payload: {
          subjectId: 'real-1',
          status: 'sought',
          name: 'Real Person Sentinel',
          aliases: [],
          description: 'blue hat',
          features: [],
          sharedRegionally: true,
        },
      }),
    );
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        gw.journal.append(
          untyped({ source: 'mqtt:radio-2001', type: 'radio.position', subject: 'radio:2001', payload: { issi: 2001, lat: 52.95, lon: -1.15, n: i } }),
        ),
      ),
    );
    const head = gw.journal.head.seq;
    await settled(region.pool, SITE, journalPath, head);
    await eventually(async () => (await siteRow()).confirmed === head, 10_000, 'the site’s signed status to confirm its chain');
    expect((await search('Real Person'))[0]).toMatchObject({ subjectId: 'real-1', unconfirmed: false });

    // The forger knows the head's hash (it reads the region's broker traffic) and computes a valid one.
    const prev = (await region.pool.query<{ hash: string }>('SELECT hash FROM events WHERE site_id = $1 AND seq = $2', [SITE, head])).rows[0]!.hash;
    const payload = JSON.stringify({
      subjectId: 'forged-1',
      status: 'sought',
      name: 'Forged Name Sentinel',
      aliases: [],
      description: 'invented',
      features: [],
      sharedRegionally: true,
    });
    const header = {
      seq: head + 1,
      id: randomUUID(),
      ts: Date.now(),
      source: 'api',
      type: 'subject.created',
      actor: 'controller',
      subject: 'subject:forged-1',
      ref: 'forged-1',
      dedupe: null,
      payloadSha256: sha256Hex(payload),
      prevHash: prev,
    };
    const forged: WireEvent = { kind: 'event', ...header, hash: chainHash(header), payloadMode: 'full', payload };
    const forger = await mqtt.connectAsync(broker.url, { username: UPLINK_USER, password: UPLINK_PASSWORD, protocolVersion: 5, clientId: 'forger' });
    await forger.publishAsync(uplinkTopic(SITE), JSON.stringify({ v: 1, site: SITE, events: [forged] }), { qos: 1 });
    await eventually(
      async () => (await region.pool.query('SELECT 1 FROM events WHERE site_id = $1 AND hash = $2', [SITE, forged.hash])).rowCount === 1,
      10_000,
      'the forgery to be stored',
    );
    expect(await search('Forged Name'), 'shown, but flagged').toEqual([expect.objectContaining({ subjectId: 'forged-1', unconfirmed: true })]);

    // A status vouching for the forgery, signed with another key, changes nothing.
    const st = { site: SITE, head: head + 1, acked: head + 1, at: Date.now(), ackedHash: forged.hash };
    const sig = createHmac('sha256', 'not-the-site-key-not-the-site-key-000').update(statusSigningText(st)).digest('hex');
    await forger.publishAsync(statusTopic(SITE), JSON.stringify({ v: 1, ...st, sig }), { qos: 1 });
    await forger.endAsync();
    await new Promise((r) => setTimeout(r, 500));
    expect((await siteRow()).confirmed).toBe(head);

    // The site's own events, the first of them at the forged seq.
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        gw.journal.append(
          untyped({
            source: 'mqtt:radio-2001',
            type: 'radio.position',
            subject: 'radio:2001',
            payload: { issi: 2001, lat: 52.95, lon: -1.15, n: 100 + i },
          }),
        ),
      ),
    );
    const end = gw.journal.head.seq;
    await eventually(async () => (await siteRow()).confirmed === end, 20_000, 'the region to confirm the site’s chain past the forged seq');

    const { journal, stored } = await settled(region.pool, SITE, journalPath, end);
    expect(stored, 'the region holds the site’s version of every seq').toEqual(journal);
    const versions = await region.pool.query<{ hash: string; status: string }>('SELECT hash, status FROM event_versions WHERE site_id = $1', [SITE]);
    expect(versions.rows).toEqual([{ hash: forged.hash, status: 'rejected' }]);
    expect(await search('Forged Name'), 'nothing derived from the forgery remains').toEqual([]);
    const breaks = await breaksOf(region.pool, SITE);
    expect(breaks.filter((b) => b.seq === head + 1 && b.kind === 'fork')).toEqual([{ seq: head + 1, kind: 'fork', resolved: true }]);
    expect(breaks.filter((b) => !b.resolved)).toEqual([]);
  }, 60_000);
  it('rolling back a forged subject.updated rebuilds the subject from the site’s earlier events', async () => {
    await gw.journal.append(
      untyped({
        source: 'api',
        type: 'subject.created',
        actor: 'controller',
        subject: 'subject:real-2',
        ref: 'real-2',
        payload: {
          subjectId: 'real-2',
          status: 'sought',
          name: 'Genuine Two Sentinel',
          aliases: ['G2'],
          description: 'green coat',
          features: [],
          sharedRegionally: true,
        },
      }),
    );
    const head = gw.journal.head.seq;
    await settled(region.pool, SITE, journalPath, head);
    await eventually(async () => (await siteRow()).confirmed === head, 10_000, 'the site’s signed status to confirm its chain');
    expect((await search('Genuine Two'))[0]).toMatchObject({ subjectId: 'real-2', unconfirmed: false });

    // A forged rename of the genuine subject at the site's next seq, hash computed correctly.
    const prev = (await region.pool.query<{ hash: string }>('SELECT hash FROM events WHERE site_id = $1 AND seq = $2', [SITE, head])).rows[0]!.hash;
    const payload = JSON.stringify({ subjectId: 'real-2', changes: { name: 'Forged Rename Sentinel', description: 'invented' } });
    const header = {
      seq: head + 1,
      id: randomUUID(),
      ts: Date.now(),
      source: 'api',
      type: 'subject.updated',
      actor: 'controller',
      subject: 'subject:real-2',
      ref: 'real-2',
      dedupe: null,
      payloadSha256: sha256Hex(payload),
      prevHash: prev,
    };
    const forged: WireEvent = { kind: 'event', ...header, hash: chainHash(header), payloadMode: 'full', payload };
    const forger = await mqtt.connectAsync(broker.url, { username: UPLINK_USER, password: UPLINK_PASSWORD, protocolVersion: 5, clientId: 'forger-2' });
    await forger.publishAsync(uplinkTopic(SITE), JSON.stringify({ v: 1, site: SITE, events: [forged] }), { qos: 1 });
    await forger.endAsync();
    await eventually(async () => (await search('Forged Rename')).length === 1, 10_000, 'the forged rename to be indexed');
    expect(await search('Forged Rename'), 'the forged state, flagged').toEqual([expect.objectContaining({ subjectId: 'real-2', unconfirmed: true })]);

    await Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        gw.journal.append(
          untyped({
            source: 'mqtt:radio-2001',
            type: 'radio.position',
            subject: 'radio:2001',
            payload: { issi: 2001, lat: 52.95, lon: -1.15, n: 200 + i },
          }),
        ),
      ),
    );
    const end = gw.journal.head.seq;
    await eventually(async () => (await siteRow()).confirmed === end, 20_000, 'the region to confirm the site’s chain past the forged seq');
    expect(await search('Forged Rename'), 'nothing of the forged rename remains').toEqual([]);
    expect(await search('Genuine Two'), 'the genuine subject, rebuilt from its subject.created').toEqual([
      expect.objectContaining({ siteId: SITE, subjectId: 'real-2', name: 'Genuine Two Sentinel', aliases: ['G2'], unconfirmed: false }),
    ]);
    expect(await search('green coat'), 'its genuine description').toEqual([expect.objectContaining({ subjectId: 'real-2' })]);
  }, 60_000);
  it('rolling back a forged track.sighting keeps the genuine sighting it was merged into', async () => {
    await gw.journal.append(
      untyped({
        source: 'api',
        type: 'shop.report',
        actor: 'shop-1',
        payload: { subjectId: 'real-3', description: 'seen at the till sentinel', place: { zone: 'market-square' }, sharedRegionally: true },
      }),
    );
    const head = gw.journal.head.seq;
    const reportSeq = head;
    await settled(region.pool, SITE, journalPath, head);
    await eventually(async () => (await siteRow()).confirmed >= head, 10_000, 'the site’s signed status to confirm its chain');
    const lastZone = async () => (await search('seen at the till')).map((r) => r.lastZone);
    await eventually(async () => (await lastZone())[0] === 'market-square', 10_000, 'the genuine sighting');

    // A forged track entry for that report (the same sighting row), moving it to another zone.
    const at = gw.journal.head.seq;
    const prev = (await region.pool.query<{ hash: string }>('SELECT hash FROM events WHERE site_id = $1 AND seq = $2', [SITE, at])).rows[0]!.hash;
    const payload = JSON.stringify({
      sighting: { subjectId: 'real-3', causeSeq: reportSeq, zone: 'forged-zone', description: 'forged text', sharedRegionally: true },
    });
    const header = {
      seq: at + 1,
      id: randomUUID(),
      ts: Date.now(),
      source: 'tracking',
      type: 'track.sighting',
      actor: null,
      subject: null,
      ref: null,
      dedupe: null,
      payloadSha256: sha256Hex(payload),
      prevHash: prev,
    };
    const forged: WireEvent = { kind: 'event', ...header, hash: chainHash(header), payloadMode: 'full', payload };
    const forger = await mqtt.connectAsync(broker.url, { username: UPLINK_USER, password: UPLINK_PASSWORD, protocolVersion: 5, clientId: 'forger-3' });
    await forger.publishAsync(uplinkTopic(SITE), JSON.stringify({ v: 1, site: SITE, events: [forged] }), { qos: 1 });
    await forger.endAsync();
    await eventually(async () => (await lastZone())[0] === 'forged-zone', 10_000, 'the forged zone to be indexed');

    await gw.journal.append(
      untyped({
        source: 'mqtt:radio-2001',
        type: 'radio.position',
        subject: 'radio:2001',
        payload: { issi: 2001, lat: 52.95, lon: -1.15, n: 300 },
      }),
    );
    const end = gw.journal.head.seq;
    await eventually(async () => (await siteRow()).confirmed === end, 20_000, 'the region to confirm the site’s chain past the forged seq');
    expect(await lastZone(), 'the genuine sighting, rebuilt from the report').toEqual(['market-square']);
  }, 60_000);
});
