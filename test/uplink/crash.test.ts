import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JournalReader } from '../../gateway/journal/reader';
import { demoPassword, eventually, ROOT, spawnGateway, startGateway } from '../helpers/gateway';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto';
import { startPostgres, type PostgresServer } from '../helpers/postgres';
import { BROKER_USERS, REGION_PASSWORD, REGION_USER, settled, siteConfig, unresolvedBreaks } from './harness';

/**
 * The real processes, killed without warning: the site gateway (`npm start`'s entry) while it
 * forwards, and the regional service (`npm run region`'s entry) while it writes, over several
 * rounds with radios and a shop terminal publishing throughout. Afterwards PostgreSQL must
 * hold the site's journal exactly: every seq once, no gaps, every link checked, no breaks (a
 * gap the region reported while it waited for a resend on a slow machine must have filled).
 */

const ROUNDS = 3;
const SITE = 'crash-town';

let pgServer: PostgresServer;
let broker: MosquittoBroker;
let pool: pg.Pool;
let regionYaml: string;

interface Child {
  child: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
}

async function spawnRegion(): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'gateway/region/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, TW_REGION_CONFIG: regionYaml, TW_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    // Generous: on a loaded machine a cold `node --import tsx` start alone can take many seconds.
    await eventually(
      () => (out.includes('Townwatch region') ? true : child.exitCode !== null ? Promise.reject(new Error('exited')) : undefined),
      60_000,
      'region to start',
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`the regional service did not start (${(err as Error).message}): ${out}`);
  }
  return { child, exited, output: () => out };
}

async function kill(c: Child, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  c.child.kill(signal);
  await c.exited;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The uplink's durable cursor in the (dead) site's journal: the broker acknowledged at least this much. */
function cursorOf(journalPath: string): number {
  const journal = JournalReader.open(journalPath);
  try {
    return journal.cursor('uplink:region')?.seq ?? 0;
  } finally {
    journal.close();
  }
}

/** Radios and a shop terminal publishing at QoS 1 to the site until stopped. */
async function load(mqttPort: number): Promise<() => Promise<void>> {
  const connect = (username: string) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, {
      username,
      password: demoPassword(username),
      reconnectPeriod: 0,
      clientId: `${username}-${Math.random().toString(36).slice(2, 8)}`,
    });
    c.on('error', () => undefined);
    return new Promise<MqttClient>((resolve) => c.once('connect', () => resolve(c)));
  };
  const radios = await Promise.all(['radio-2001', 'radio-2002'].map(connect));
  const shop = await connect('shop-prem-001');
  let n = 0;
  const timer = setInterval(() => {
    for (const [i, c] of radios.entries()) {
      if (c.connected)
        c.publish(`tw/v1/radio/${2001 + i}/position`, JSON.stringify({ lat: 52.955, lon: -1.15, accuracyM: n, fixTime: new Date().toISOString() }), { qos: 1 });
    }
    if (n % 25 === 0 && shop.connected) {
      shop.publish(
        'tw/v1/shop/prem-001/report',
        JSON.stringify({ kind: 'incident', category: 'theft', occurredAt: new Date().toISOString(), description: `report ${n}` }),
        { qos: 1 },
      );
    }
    n++;
  }, 10);
  return async () => {
    clearInterval(timer);
    await Promise.all([...radios, shop].map((c) => c.endAsync(true)));
  };
}

beforeAll(async () => {
  [pgServer, broker] = await Promise.all([startPostgres(), startMosquitto({ users: BROKER_USERS })]);
  pool = new pg.Pool({ connectionString: pgServer.url, max: 2 });
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await broker?.dispose();
  await pgServer?.stop();
});

describe('crashes on both sides of the uplink', () => {
  it(`still stores every event exactly once after ${ROUNDS} rounds of SIGKILLs`, async () => {
    const site = siteConfig(SITE, broker.url, { windowSize: 4, batchSize: 25 });
    regionYaml = join(site.dir, 'region.yaml');
    writeFileSync(
      regionYaml,
      YAML.stringify({
        instance: 'crash',
        mqtt: { url: broker.url, username: REGION_USER, password: REGION_PASSWORD },
        postgres: { url: pgServer.url, poolSize: 2 },
        http: { host: '127.0.0.1', port: 0 },
        chain: { sweepSeconds: 0.3, gapGraceSeconds: 60, resendAfterSeconds: 1 },
      }),
    );

    // Each round: the site starts and takes traffic, the region is killed and comes back while
    // events flow, then the site is killed. The region lives on into the next round.
    let region = await spawnRegion();
    let stored = 0;
    const count = async () => Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows[0]!.n);
    for (let round = 0; round < ROUNDS; round++) {
      const gw = await spawnGateway(site.file);
      const stopLoad = await load(gw.mqttPort);
      // Killed while writing: only once this round's events are arriving.
      const before = stored;
      stored = await eventually(async () => ((await count()) > before ? count() : undefined), 30_000, 'the region to store this round');
      await sleep(Math.random() * 150);
      await kill(region);
      // The site forwards on (the broker queues for the region's session) while the region restarts.
      const restarting = spawnRegion();
      restarting.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
      await sleep(200 + Math.random() * 400);
      await kill({ child: gw.child, exited: gw.exited, output: gw.output });
      await stopLoad();
      region = await restarting;
      // Everything the broker acknowledged before the site died reaches the region (quiet before the next start, too).
      const acked = cursorOf(site.config.gateway.journal.path);
      stored = await eventually(async () => ((await count()) >= acked ? count() : undefined), 60_000, 'the region to store what the broker acknowledged');
    }
    // The rest of the journal goes up from the same site started once more (in this process:
    // a fourth cold process start adds nothing the three above have not shown).
    const gw = await startGateway(site.config);
    try {
      const final = await settled(pool, SITE, site.config.gateway.journal.path, stored, 40_000);
      expect(final.stored, 'every seq once, in order, with the hash the site chained').toEqual(final.journal);
      await eventually(
        async () => (await pool.query('SELECT 1 FROM events WHERE site_id = $1 AND NOT linked', [SITE])).rowCount === 0,
        10_000,
        'every link checked',
      );
      expect(await unresolvedBreaks(pool, SITE), 'no break; a gap, if any, filled').toEqual([]);
      const reports = await pool.query<{ n: string }>("SELECT count(*) AS n FROM events WHERE site_id = $1 AND type = 'shop.report'", [SITE]);
      expect(Number(reports.rows[0]!.n)).toBeGreaterThan(0);
    } finally {
      await gw.stop();
      await kill(region, 'SIGTERM');
    }
  }, 150_000);
});
