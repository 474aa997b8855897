/**
 * `npm run bench -- connections`: 1,000 and 5,000 idle handsets connected (CONNECT, CONNACK,
 * SUBSCRIBE to their own downlink, as a handset does), then left alone: the memory each system
 * needs to hold them and how long they took to connect, 100 at a time. Townwatch checks every
 * CONNECT's password (scrypt, then a cache) and journals each connection.
 */
import { LoadGen } from './harness';
import { printTable, quick, sleep, writeResult, type Table } from './report';
import { fmt, fmtS, ProcSampler, rssMbOf, type Summary } from './stats';
import { fleetClients, startSystem, SYSTEMS, type SystemName } from './systems';

const SIZES = [1000, 5000];
const IDLE_SECONDS = quick ? 3 : 10;
const RSS_GOAL_MB = 300;
/** A smaller V8 young generation: a deployment setting (NODE_OPTIONS), tried here for its effect on memory. */
const SMALL_HEAP = '--max-semi-space-size=1';

interface Result {
  system: SystemName | 'townwatch (small young gen)';
  n: number;
  idleRssMb: number;
  rssMb: number;
  connectS: number;
  perConnect: Summary;
  failed: number;
  loadgenRssMb: number;
}

async function measure(system: SystemName, n: number, nodeOptions?: string): Promise<Result> {
  const sys = await startSystem(system, nodeOptions);
  const lg = LoadGen.start();
  try {
    await sleep(1000);
    const idleRssMb = rssMbOf(sys.pid);
    console.log(`connections: ${system}, ${n} handsets …`);
    const conn = await lg.connect({ url: `mqtt://127.0.0.1:${sys.mqttPort}`, clients: fleetClients(sys, n), concurrency: 100, subscribeDown: true });
    const sampler = new ProcSampler({ sut: sys.pid, loadgen: lg.pid }, 250).start();
    await sleep(IDLE_SECONDS * 1000);
    const use = sampler.stop();
    return {
      system: nodeOptions ? 'townwatch (small young gen)' : system,
      n,
      idleRssMb,
      rssMb: use.sut!.rssMaxMb,
      connectS: conn.totalMs / 1000,
      perConnect: conn.perConnect,
      failed: conn.failed,
      loadgenRssMb: use.loadgen!.rssMaxMb,
    };
  } finally {
    await lg.close();
    await sys.stop();
  }
}

async function main(): Promise<void> {
  const results: Result[] = [];
  for (const n of SIZES) for (const system of SYSTEMS) results.push(await measure(system, n));
  results.push(await measure('townwatch', 5000, SMALL_HEAP));
  const t: Table = {
    title: `Idle connections (each CONNECT + SUBSCRIBE to its downlink, 100 in flight; then ${IDLE_SECONDS} s idle)`,
    columns: ['system', 'handsets', 'RSS MB (before → with them)', 'MB per 1,000', 'connect all (s)', 'per CONNECT ms p50 / p99 / max', 'failed'],
    rows: results.map((r) => [
      r.system,
      String(r.n),
      `${fmt(r.idleRssMb, 0)} → ${fmt(r.rssMb, 0)}`,
      fmt(((r.rssMb - r.idleRssMb) / r.n) * 1000, 1),
      fmt(r.connectS, 1),
      fmtS(r.perConnect, 0),
      String(r.failed),
    ]),
  };
  const verdict = (r: Result | undefined) =>
    r ? `${fmt(r.rssMb, 0)} MB (goal < ${RSS_GOAL_MB} MB): ${r.rssMb < RSS_GOAL_MB && r.failed === 0 ? 'MET' : 'NOT MET'}` : '–';
  t.notes = [
    `Townwatch with 5,000 handsets: ${verdict(results.find((r) => r.system === 'townwatch' && r.n === 5000))}`,
    `… with NODE_OPTIONS=${SMALL_HEAP}: ${verdict(results.find((r) => r.system === 'townwatch (small young gen)'))}`,
  ];
  printTable(t);
  console.log(`\nwrote ${writeResult('connections', { results }, [t])}`);
}

await main();
