/**
 * `npm run bench -- uplink [--quick]`: the journal-as-outbox uplink against real peers
 * (Mosquitto, PostgreSQL, as in test/uplink). Reports
 *  - forwarding throughput: a journal of N events sent to the broker (PUBACKed) by window size;
 *  - catch-up after an outage: N events journaled while the broker is down, then the time until
 *    the broker has them all and until the region has stored them all in PostgreSQL.
 * The event mix is a busy site's: mostly radio positions (sent as bare chain links), one in ten
 * a shop report (sent minimised).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import pino from 'pino';
import { defaultConfigPath, loadConfig } from '../../config/load';
import type { UplinkSettings } from '../../config/schema';
import { Journal } from '../../gateway/journal/journal';
import { Metrics } from '../../gateway/metrics';
import { RegionService } from '../../gateway/region/service';
import { UplinkForwarder } from '../../gateway/uplink/forwarder';
import { REGION_TOPIC_FILTER } from '../../gateway/uplink/wire';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto';
import { startPostgres } from '../helpers/postgres';
import { regionConfig } from '../uplink/harness';

const quick = process.argv.includes('--quick');
const N = quick ? 20_000 : 100_000;
const silent = pino({ level: 'silent' });
const demo = loadConfig(defaultConfigPath);

function settings(url: string, windowSize: number): UplinkSettings {
  return {
    ...demo.uplink,
    enabled: true,
    url,
    username: 'site-uplink',
    password: 'uplink-secret-3141',
    windowSize,
    batchSize: 500,
    backoff: { minMs: 100, maxMs: 500 },
  };
}

async function fill(journal: Journal, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    const batch: Promise<unknown>[] = [];
    for (let k = i; k < Math.min(n, i + 1000); k++) {
      batch.push(
        k % 10 === 0
          ? journal.append({
              source: 'mqtt:shop-prem-001',
              type: 'shop.report',
              subject: 'premises:prem-001',
              payload: {
                premisesId: 'prem-001',
                kind: 'incident',
                category: 'theft',
                occurredAt: new Date().toISOString(),
                description: `report ${k}`,
                media: ['m.jpg'],
              },
            })
          : journal.append({
              source: 'mqtt:radio-2001',
              type: 'radio.position',
              subject: 'radio:2001',
              payload: { issi: 2001, lat: 52.955 + k * 1e-7, lon: -1.15, accuracyM: 5, fixTime: new Date().toISOString() },
            }),
      );
    }
    await Promise.all(batch);
  }
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('bench timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function forwarder(journal: Journal, url: string, windowSize: number): UplinkForwarder {
  return new UplinkForwarder({
    settings: settings(url, windowSize),
    siteId: 'bench-town',
    zones: demo.zones,
    journal,
    metrics: new Metrics(),
    log: silent,
    baseDir: process.cwd(),
  });
}

/** A journal of N events forwarded from scratch; a plain subscriber stands in for the region. */
async function throughput(broker: MosquittoBroker, windowSize: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-bench-uplink-'));
  const path = join(dir, 'journal.db');
  const journal = new Journal({ path, synchronous: 'normal', maxBatch: 2000, log: silent });
  await journal.open();
  await fill(journal, N);
  const sub = await mqtt.connectAsync(broker.url, { username: 'region', password: 'region-secret-2718', protocolVersion: 5 });
  await sub.subscribeAsync(REGION_TOPIC_FILTER, { qos: 1 });
  const fw = forwarder(journal, broker.url, windowSize);
  const t0 = performance.now();
  fw.start();
  await until(() => fw.lag().events === 0, 300_000);
  const rate = N / ((performance.now() - t0) / 1000);
  await fw.stop();
  await sub.endAsync();
  await journal.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

interface CatchUp {
  brokerSeconds: number;
  regionSeconds: number;
  regionRate: number;
}

/** N events journaled while the broker is down; the clock starts when it is back. */
async function catchUp(broker: MosquittoBroker, pgUrl: string): Promise<CatchUp> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-bench-uplink-'));
  const path = join(dir, 'journal.db');
  const journal = new Journal({ path, synchronous: 'normal', maxBatch: 2000, log: silent });
  await journal.open();
  const region = new RegionService({ ...regionConfig(broker.url, pgUrl), postgres: { url: pgUrl, poolSize: 4 } }, silent);
  await region.start();
  const fw = forwarder(journal, broker.url, 8);
  fw.start();
  await broker.stop();
  await fill(journal, N);
  const t0 = performance.now();
  await broker.start();
  await until(() => fw.lag().events === 0, 300_000);
  const brokerSeconds = (performance.now() - t0) / 1000;
  await until(async () => Number((await region.pool.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows[0]!.n) >= N, 600_000);
  const regionSeconds = (performance.now() - t0) / 1000;
  await fw.stop();
  await region.stop();
  await journal.close();
  rmSync(dir, { recursive: true, force: true });
  return { brokerSeconds, regionSeconds, regionRate: N / regionSeconds };
}

async function main(): Promise<void> {
  const loadavgAtStart = loadavg(); // the machine is shared: say how busy it was
  const users = { 'site-uplink': 'uplink-secret-3141', region: 'region-secret-2718' };
  const [pgServer, broker] = await Promise.all([startPostgres(), startMosquitto({ users })]);
  try {
    const windows = [1, 8, 32];
    const rates: Record<string, number> = {};
    for (const w of windows) rates[`window${w}`] = Math.round(await throughput(broker, w));
    const outage = await catchUp(broker, pgServer.url);
    const result = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version, loadavgAtStart },
      events: N,
      mix: '90% radio.position (chain link), 10% shop.report (minimised); 500 events per message',
      forwardEventsPerSecond: rates,
      catchUpAfterOutage: {
        brokerSeconds: +outage.brokerSeconds.toFixed(2),
        regionSeconds: +outage.regionSeconds.toFixed(2),
        regionEventsPerSecond: Math.round(outage.regionRate),
      },
    };
    console.log(`\nUplink forwarding, ${N} journaled events to Mosquitto (PUBACKed), 500 events per message`);
    for (const w of windows) console.log(`  window ${String(w).padStart(2)} messages in flight   ${rates[`window${w}`]} events/s`);
    console.log(`\nCatch-up after an outage of ${N} events (window 8)`);
    console.log(`  all acknowledged by the broker   ${outage.brokerSeconds.toFixed(2)} s`);
    console.log(`  all stored by the region (PG)    ${outage.regionSeconds.toFixed(2)} s   (${Math.round(outage.regionRate)} events/s)`);
    const file = join(import.meta.dirname, 'results', `${result.date.slice(0, 10)}-uplink${quick ? '-quick' : ''}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\nwrote ${file}`);
  } finally {
    await broker.dispose();
    await pgServer.stop();
  }
}

await main();
process.exit(0);
