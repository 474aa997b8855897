/**
 * `npm run bench -- slow-console`: Townwatch under a moderate fleet load (500 handsets at 1 Hz
 * plus 100 text messages a second, 90 KB/s, in the reliable console stream) with a fast console measuring
 * publish→console latency, in three phases: (A) alone, (B) with a second console that reads
 * nothing (its TCP socket paused, as a frozen browser tab on a bad link would), (C) after that
 * console has gone. A slow reader must not slow the others, nor make the gateway buffer for it
 * without bound: the gateway's RSS is sampled throughout.
 */
import type { Socket as NetSocket } from 'node:net';
import { io as ioClient } from 'socket.io-client';
import { login } from '../helpers/gateway';
import { LoadGen, Observer } from './harness';
import { printTable, quick, sleep, writeResult, type Table } from './report';
import { fmt, fmtS, nowMs, ProcSampler, summarize, type Summary } from './stats';
import { fleetClients, startSystem } from './systems';

const PHASE_S = quick ? { a: 8, b: 25, c: 8 } : { a: 15, b: 60, c: 15 };
const HANDSETS = 500;
const HZ = 1;
const PROBE_EVERY_MS = 10;
const PROBE_BYTES = 900;

function window(sends: { keys: string[]; times: number[] }, seen: Map<string, number>, from: number, to: number): Summary & { missing: number } {
  const lat: number[] = [];
  let missing = 0;
  sends.keys.forEach((k, i) => {
    const t = sends.times[i]!;
    if (t < from || t >= to) return;
    const r = seen.get(k);
    if (r === undefined) missing++;
    else lat.push(r - t);
  });
  return { ...summarize(lat), missing };
}

async function main(): Promise<void> {
  const sys = await startSystem('townwatch');
  const lg = LoadGen.start();
  const obs = new Observer();
  try {
    await obs.start(sys, { console: true, resolveEmergencies: false });
    const conn = await lg.connect({ url: `mqtt://127.0.0.1:${sys.mqttPort}`, clients: fleetClients(sys, HANDSETS), concurrency: 100, subscribeDown: true });
    if (conn.failed) throw new Error(`${conn.failed} handsets could not connect`);
    const sampler = new ProcSampler({ sut: sys.pid }, 1000).start();
    const t0 = nowMs();
    const total = PHASE_S.a + PHASE_S.b + PHASE_S.c;
    const running = lg.run({ hz: HZ, seconds: total, warmupSeconds: 0, probeEveryMs: PROBE_EVERY_MS, probeBytes: PROBE_BYTES, emergencyEveryMs: 0 });

    await sleep(PHASE_S.a * 1000);
    const bStart = nowMs();
    console.log('slow-console: a console stops reading …');
    const cookie = await login(sys.httpPort!, 'operator');
    const slow = ioClient(`http://127.0.0.1:${sys.httpPort}`, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
    await new Promise<void>((resolve, reject) => slow.once('connect', () => resolve()).once('connect_error', reject));
    // The console's own TCP socket, under engine.io's WebSocket transport: stop reading from it.
    const tcp = (slow.io.engine.transport as unknown as { ws: { _socket: NetSocket } }).ws._socket;
    tcp.pause();

    await sleep(Math.max(0, bStart + PHASE_S.b * 1000 - nowMs()));
    const cStart = nowMs();
    console.log('slow-console: … and goes away');
    tcp.destroy();
    slow.disconnect();
    const r = await running;
    await sleep(1000);
    await obs.collect();
    const use = sampler.stop().sut!;

    const end = t0 + total * 1000;
    const phases = [
      { name: 'A: fast console alone', from: t0 + 1000, to: bStart },
      { name: 'B: plus a console that reads nothing', from: bStart, to: cStart },
      { name: 'C: after it disconnected', from: cStart, to: end },
    ];
    const rssAt = (t: number) => use.samples.filter((s) => s.t <= (t - t0) / 1000 + 1).at(-1)?.rssMb ?? NaN;
    const bSamples = use.samples.filter((s) => s.t >= (bStart - t0) / 1000 && s.t <= (cStart - t0) / 1000);
    const slope = bSamples.length > 1 ? ((bSamples.at(-1)!.rssMb - bSamples[0]!.rssMb) / (bSamples.at(-1)!.t - bSamples[0]!.t)) * 60 : NaN;
    const rows = phases.map((p) => {
      const lat = window(r.probes, obs.consoleProbes, p.from, p.to);
      return [p.name, fmtS(lat), String(lat.missing), fmt(rssAt(p.to), 0)];
    });
    const t: Table = {
      title: `Slow console: ${HANDSETS} handsets × ${HZ} Hz + ${1000 / PROBE_EVERY_MS} texts/s of ${PROBE_BYTES} B; fast console's publish→console latency, ms p50 / p99 / max`,
      columns: ['phase', 'fast console latency', 'missed', 'gateway RSS MB at end'],
      rows,
      notes: [
        `Gateway RSS during phase B: ${fmt(bSamples[0]?.rssMb ?? NaN, 0)} → ${fmt(bSamples.at(-1)?.rssMb ?? NaN, 0)} MB (${fmt(slope, 1)} MB/min); max over the run ${fmt(use.rssMaxMb, 0)} MB.`,
        'RSS every second is in the JSON (rss).',
      ],
    };
    printTable(t);
    console.log(
      `\nwrote ${writeResult('slow-console', { phases: rows, rss: use.samples, rssSlopeMbPerMinInB: slope, loadgen: { sent: r.sent, unacked: r.unacked } }, [t])}`,
    );
  } finally {
    await obs.close();
    await lg.close();
    await sys.stop();
  }
}

await main();
