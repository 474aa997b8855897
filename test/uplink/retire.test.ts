import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../config/root';
import type { Gateway } from '../../gateway/app';
import { verifyPassword } from '../../gateway/auth/password';
import type { RegionService } from '../../gateway/region/service';
import { startGateway } from '../helpers/gateway';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto';
import { startPostgres, type PostgresServer } from '../helpers/postgres';
import { BROKER_USERS, regionConfig, settled, siteConfig, startRegion, storedChain } from './harness';
import { untyped } from '../helpers/untyped';

/**
 * Two instances share the load. One stops (its persistent session keeps taking its share, which
 * waits in the broker for it); then it is retired: what was queued for it is stored, its session
 * ends, and from then on the other instance takes everything.
 */

const SITE = 'retire-town';
let pgServer: PostgresServer;
let broker: MosquittoBroker;
let r1: RegionService;
let r2: RegionService | null;
let gw: Gateway;
let journalPath: string;

const positions = (n: number) =>
  Promise.all(
    Array.from({ length: n }, (_, i) =>
      gw.journal.append(
        untyped({ source: 'mqtt:radio-2001', type: 'radio.position', subject: 'radio:2001', payload: { issi: 2001, lat: 52.95, lon: -1.15, n: i } }),
      ),
    ),
  );

beforeAll(async () => {
  [pgServer, broker] = await Promise.all([startPostgres(), startMosquitto({ users: BROKER_USERS })]);
  // Gaps are only asked for again after a minute: the instances alone must deliver.
  const cfg = (instance: string) => ({
    ...regionConfig(broker.url, pgServer.url, { instance }),
    chain: { sweepSeconds: 0.3, gapGraceSeconds: 60, resendAfterSeconds: 60, stallSeconds: 120 },
  });
  [r1, r2] = await Promise.all([startRegion(cfg('r1')), startRegion(cfg('r2'))]);
  const site = siteConfig(SITE, broker.url, { batchSize: 5 });
  journalPath = site.config.gateway.journal.path;
  gw = await startGateway(site.config);
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await r1?.stop();
  await r2?.stop();
  await broker?.dispose();
  await pgServer?.stop();
});

describe('an instance stopped and retired', () => {
  it('stops stranding its share once retired', async () => {
    await positions(100);
    await settled(r1.pool, SITE, journalPath, 100);
    const cfg2 = r2!.config;
    await r2!.stop();
    r2 = null;

    // Stopped, not retired: its session still takes a share, which waits for it.
    await positions(200);
    await new Promise((r) => setTimeout(r, 2000));
    const head = gw.journal.head.seq;
    expect((await storedChain(r1.pool, SITE)).length, 'a stopped instance strands its share').toBeLessThan(head);

    // Retired: its queue is stored, its session ends.
    const retiring = await startRegion({ ...cfg2, http: { host: '127.0.0.1', port: 0 } });
    await retiring.retire({ idleMs: 1000 });
    const after = await settled(r1.pool, SITE, journalPath, head, 20_000);
    expect(after.stored).toEqual(after.journal);

    // From now on r1 takes everything; nothing is queued for r2.
    await positions(200);
    const final = await settled(r1.pool, SITE, journalPath, head + 200, 20_000);
    expect(final.stored).toEqual(final.journal);
    const late = await r1.pool.query<{ n: string }>("SELECT count(*) AS n FROM events WHERE site_id = $1 AND seq > $2 AND instance <> 'r1'", [SITE, head]);
    expect(Number(late.rows[0]!.n)).toBe(0);
  }, 90_000);
});

describe('npm run region -- hash-token', () => {
  it('prints a token and a hash that verifies it, quoted for the shell', async () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'gateway/region/main.ts'), 'hash-token', 'analyst'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const token = /Bearer analyst:(\S+)/.exec(r.stdout)![1]!;
    const env = /TW_REGION_TOKENS='analyst=(scrypt\$[^']+)'/.exec(r.stdout)![1]!;
    expect(await verifyPassword(token, env)).toBe(true);
    // Run the printed assignment through a real shell: single quotes keep every $.
    const sh = spawnSync('sh', ['-c', `TW_REGION_TOKENS='analyst=${env}'; printf %s "$TW_REGION_TOKENS"`], { encoding: 'utf8' });
    expect(sh.stdout).toBe(`analyst=${env}`);
    expect(
      spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'gateway/region/main.ts'), 'hash-token'], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      }).status,
    ).toBe(2);
  }, 90_000);
});
