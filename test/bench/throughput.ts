/**
 * `npm run bench -- throughput`: 1,000 handsets, the rate raised step by step until the p99
 * publish→subscriber latency passes 100 ms or a message is lost (not acknowledged within 15 s
 * of the step's end, or never seen by the subscriber); the knee is the last rate that
 * passed. A step the load generator itself could not deliver (it fell more than 10 % short, or
 * its schedule lag p99 passed 100 ms) ends the ladder too, marked as such: beyond it we would be
 * measuring the generator, on the same two cores.
 */
import { goalsTable } from './goals';
import { LoadGen, Observer, join1 } from './harness';
import { printTable, quick, sleep, writeResult, type Table } from './report';
import { fmt, fmtS, ProcSampler, type Summary } from './stats';
import { fleetClients, startSystem, SYSTEMS, type SystemName } from './systems';

const HANDSETS = 1000;
const LADDER_HZ = quick ? [1, 2, 5, 10] : [1, 2, 5, 10, 15, 20, 30];
const STEP_SECONDS = quick ? 3 : 8;
const P99_LIMIT_MS = 100;

interface Step {
  hz: number;
  targetPerS: number;
  achievedPerS: number;
  puback: Summary;
  subscriber: Summary & { missing: number };
  unacked: number;
  lagP99: number;
  sutCpuPct: number;
  sutCpuMsPer1k: number;
  sutRssMb: number;
  verdict: 'pass' | 'p99 over 100 ms' | 'messages not delivered' | 'load generator could not keep up' | 'system crashed' | 'observer dropped';
}

async function ladder(system: SystemName): Promise<{ system: SystemName; steps: Step[]; kneePerS: number | null; limit: string }> {
  const sys = await startSystem(system);
  const lg = LoadGen.start();
  const obs = new Observer();
  const steps: Step[] = [];
  try {
    await obs.start(sys, { console: false, resolveEmergencies: false });
    const conn = await lg.connect({ url: `mqtt://127.0.0.1:${sys.mqttPort}`, clients: fleetClients(sys, HANDSETS), concurrency: 100, subscribeDown: false });
    if (conn.failed > 0) throw new Error(`${system}: ${conn.failed} handsets could not connect`);
    for (const hz of LADDER_HZ) {
      console.log(`throughput: ${system} at ${HANDSETS * hz} msg/s …`);
      await obs.reset();
      const sampler = new ProcSampler({ sut: sys.pid }).start();
      const r = await lg.run({ hz, seconds: STEP_SECONDS, warmupSeconds: 1, probeEveryMs: 0, probeBytes: 0, emergencyEveryMs: 0 });
      await obs.settle();
      const use = sampler.stop().sut!;
      const subscriber = join1(r.positions, obs.mqttPositions);
      const targetPerS = HANDSETS * hz;
      const achievedPerS = r.acked / r.durationS;
      const verdict: Step['verdict'] = sys.crashed()
        ? 'system crashed'
        : obs.dropped
          ? 'observer dropped'
          : r.unacked + r.errors + subscriber.missing > 0
            ? 'messages not delivered'
            : subscriber.p99 > P99_LIMIT_MS
              ? 'p99 over 100 ms'
              : achievedPerS < targetPerS * 0.9 || r.lag.p99 > P99_LIMIT_MS
                ? 'load generator could not keep up'
                : 'pass';
      steps.push({
        hz,
        targetPerS,
        achievedPerS,
        puback: r.puback,
        subscriber,
        unacked: r.unacked,
        lagP99: r.lag.p99,
        sutCpuPct: use.cpuPct,
        sutCpuMsPer1k: use.cpuMs / (r.acked / 1000),
        sutRssMb: use.rssMaxMb,
        verdict,
      });
      if (verdict !== 'pass') break;
      await sleep(1000);
    }
  } finally {
    await obs.close();
    await lg.close();
    await sys.stop();
  }
  const passed = steps.filter((s) => s.verdict === 'pass');
  const last = steps.at(-1);
  const limit = last?.verdict === 'pass' ? `top of the ladder (${HANDSETS * LADDER_HZ.at(-1)!} msg/s) passed` : `next step: ${last?.verdict}`;
  return { system, steps, kneePerS: passed.length ? passed.at(-1)!.targetPerS : null, limit };
}

async function main(): Promise<void> {
  const results = [];
  for (const system of SYSTEMS) results.push(await ladder(system));
  const detail: Table = {
    title: `Sustained throughput: ${HANDSETS} handsets, QoS 1, ${STEP_SECONDS} s per step; latency ms p50 / p99 / max`,
    columns: ['system', 'target msg/s', 'achieved', 'publish→PUBACK', 'publish→subscriber', 'lost', 'gen lag p99', 'CPU % (ms per 1k)', 'RSS MB', 'verdict'],
    rows: results.flatMap((r) =>
      r.steps.map((s) => [
        r.system,
        String(s.targetPerS),
        fmt(s.achievedPerS, 0),
        fmtS(s.puback),
        fmtS(s.subscriber),
        String(s.unacked + s.subscriber.missing),
        fmt(s.lagP99),
        `${fmt(s.sutCpuPct, 0)} (${fmt(s.sutCpuMsPer1k, 0)})`,
        fmt(s.sutRssMb, 0),
        s.verdict,
      ]),
    ),
  };
  const knees: Table = {
    title: 'Knee: highest rate with p99 publish→subscriber ≤ 100 ms and nothing lost',
    columns: ['system', 'knee msg/s', 'what stopped the ladder'],
    rows: results.map((r) => [r.system, r.kneePerS === null ? '< ' + HANDSETS * LADDER_HZ[0]! : String(r.kneePerS), r.limit]),
  };
  const tw = results.find((r) => r.system === 'townwatch');
  const ae = results.find((r) => r.system === 'aedes');
  const goal = goalsTable('throughput (goal 3)', [
    {
      goal: "3. throughput knee ≥ bare aedes's, same ladder",
      measured: `${tw?.kneePerS ?? '–'} vs ${ae?.kneePerS ?? '–'} msg/s${tw?.kneePerS && ae?.kneePerS ? ` = ${fmt(tw.kneePerS / ae.kneePerS, 2)}×` : ''}`,
      met: tw && ae ? (tw.kneePerS ?? 0) >= (ae.kneePerS ?? 0) : null,
    },
  ]);
  [goal, detail, knees].forEach(printTable);
  console.log(`\nwrote ${writeResult('throughput', { results }, [goal, knees, detail])}`);
}

await main();
