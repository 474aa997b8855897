/**
 * `npm run bench -- connections`: 1,000, 5,000 and 10,000 idle handsets connected (CONNECT,
 * CONNACK, SUBSCRIBE to their own downlink, as a handset does), then left alone: the memory each
 * system needs to hold them and how long they took to connect, 100 at a time. Townwatch checks
 * every CONNECT's password (scrypt, then a cache) and journals each connection. Issue 20's goal 7
 * is Townwatch's RSS with 10,000 against bare aedes's with the same 10,000 (`--quick`: 2,000),
 * measured twice: in the seconds after they connected, and again once they have been idle for a
 * minute. A burst of connections leaves garbage that V8 collects only when its memory reducer
 * notices the heap has gone quiet (in Townwatch's broker thread, after about 40 s), so the first
 * figure is the connect storm's peak and the second what idle handsets cost for as long as they stay.
 */
import { goalsTable, ratioGoal } from './goals';
import { LoadGen } from './harness';
import { printTable, quick, sleep, writeResult, type Table } from './report';
import { fmt, fmtS, ProcSampler, rssMbOf, type Summary } from './stats';
import { fleetClients, startSystem, SYSTEMS, type SystemName } from './systems';

/** Issue 20's goal 7: this many idle handsets, Townwatch's RSS ≤ 1.2× bare aedes's. */
const GOAL_N = quick ? 2000 : 10_000;
const GOAL_RATIO = 1.2;
const SIZES = quick ? [1000, GOAL_N] : [1000, 5000, GOAL_N];
const SMALL_HEAP_N = quick ? GOAL_N : 5000;
const IDLE_SECONDS = quick ? 3 : 10;
const RSS_GOAL_MB = 300;
/** How long the goal's handsets are left idle before RSS is read the second time. */
const SETTLE_SECONDS = 60;
/** A smaller V8 young generation: a deployment setting (NODE_OPTIONS), tried here for its effect on memory. */
const SMALL_HEAP = '--max-semi-space-size=1';

interface Result {
  system: SystemName | 'townwatch (small young gen)';
  n: number;
  idleRssMb: number;
  rssMb: number;
  /** The goal's size only: RSS after SETTLE_SECONDS without traffic. */
  settledRssMb?: number;
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
    let settledRssMb: number | undefined;
    if (n === GOAL_N && system !== 'mosquitto' && !nodeOptions) {
      console.log(`connections: ${system}, ${n} handsets idle for ${SETTLE_SECONDS} s …`);
      await sleep((SETTLE_SECONDS - IDLE_SECONDS) * 1000);
      settledRssMb = rssMbOf(sys.pid);
    }
    return {
      system: nodeOptions ? 'townwatch (small young gen)' : system,
      n,
      idleRssMb,
      rssMb: use.sut!.rssMaxMb,
      ...(settledRssMb === undefined ? {} : { settledRssMb }),
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
  results.push(await measure('townwatch', SMALL_HEAP_N, SMALL_HEAP));
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
    `Townwatch with ${SMALL_HEAP_N.toLocaleString('en-GB')} handsets: ${verdict(results.find((r) => r.system === 'townwatch' && r.n === SMALL_HEAP_N))}`,
    `… with NODE_OPTIONS=${SMALL_HEAP}: ${verdict(results.find((r) => r.system === 'townwatch (small young gen)'))}`,
  ];
  const at = (s: Result['system']) => results.find((r) => r.system === s && r.n === GOAL_N);
  const [tw, ae] = [at('townwatch'), at('aedes')];
  const goal = `7. ${GOAL_N.toLocaleString('en-GB')} idle handsets: RSS ≤ ${GOAL_RATIO}× bare aedes's`;
  const row = tw && ae ? ratioGoal(`${goal}, just connected`, tw.rssMb, ae.rssMb, GOAL_RATIO, 'RSS MB') : { goal, measured: '–', met: null };
  const settledGoal = `${goal}, after ${SETTLE_SECONDS} s idle`;
  const settled =
    tw?.settledRssMb !== undefined && ae?.settledRssMb !== undefined
      ? ratioGoal(settledGoal, tw.settledRssMb, ae.settledRssMb, GOAL_RATIO, 'RSS MB')
      : { goal: settledGoal, measured: '–', met: null };
  // A system that did not hold every handset did not hold the load the goal is about.
  const failed = (tw?.failed ?? 0) + (ae?.failed ?? 0);
  if (failed > 0) for (const r of [row, settled]) Object.assign(r, { measured: `${r.measured}; ${failed} CONNECTs failed`, met: false });
  const g = goalsTable('idle connections (goal 7)', [row, settled]);
  if (tw && ae)
    g.notes = [
      `Memory the handsets themselves add (RSS with them − before): Townwatch ${fmt(tw.rssMb - tw.idleRssMb, 0)} MB, bare aedes ${fmt(ae.rssMb - ae.idleRssMb, 0)} MB = ${fmt((tw.rssMb - tw.idleRssMb) / (ae.rssMb - ae.idleRssMb), 2)}×.`,
    ];
  [t, g].forEach(printTable);
  console.log(`\nwrote ${writeResult('connections', { results }, [t, g])}`);
}

await main();
