/**
 * `npm run bench -- dock [--quick]`: body-worn camera offload over a socat PTY pair, in one run:
 *
 * (a) raw throughput of the pair: serialport at the dock end writing random bytes, serialport at
 *     the gateway end reading them as the dock line does (on the event loop,
 *     devices/serial/direct-read.ts), both opened as the dock line is (115200 8N1; a PTY ignores
 *     the rate), each in its own process;
 * (b) offload throughput, protocol version 2 and version 1 side by side: a simulated dock (its
 *     own process) offering ~1 GB of recordings (≈150 MB with --quick) to the real gateway (`npm
 *     start`'s entry point, its own process), through the dock protocol into the content-addressed
 *     evidence store, fdatasync before every ACK, custody journaled before ERASE_OK; timed from
 *     link up to the last ERASE_OK. The version 1 dock (no `versions` in HELLO) offers only the
 *     first recording: at its rate the rest would add minutes and no information;
 * (c) the gateway process's peak resident memory while it does that (VmHWM, and VmRSS sampled).
 *
 * Goals: issue 5, offload ≥ 0.8 × raw and gateway peak RSS ≤ 200 MB; issue 20 goal 8, the same
 * ratio for version 2 with version 1 docks still served. Also measured, to explain them: appends +
 * fdatasync of a version 1 window (4 KiB) and a version 2 window (254 KiB) on the evidence disk,
 * and a round trip of the line, since an ACK for DATA waits for the sync.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { MAX_CHUNK, MAX_WINDOW, V2_MAX_CHUNK, V2_MAX_WINDOW } from '../../devices/dock/constants';
import { verifyJournal } from '../../gateway/journal/verify';
import { openPtyPair } from '../../simulators/dock/pty';
import { spawnGateway, testConfig } from '../helpers/gateway';
import type { PeerReport, SimSpec } from './dock-peer';
import { goalsTable } from './goals';
import { printTable, quick, writeResult, type Table } from './report';
import { fmt, nowMs, ProcSampler, rssMbOf, summarize } from './stats';

const MiB = 1024 * 1024;
const MB = 1e6;
const RAW_BYTES = (quick ? 64 : 256) * MiB;
/** Recordings of 50 MiB (quick) or 200 MiB, the top of the 5–200 MB range. */
const FILES = quick ? [50, 50, 50] : [200, 200, 200, 200, 200];
const RATIO_GOAL = 0.8;
const RSS_GOAL_MB = 200;
const SEED = 5;
const PEER = join(import.meta.dirname, 'dock-peer.ts');

interface Peer {
  child: ChildProcess;
  reports: PeerReport[];
  next<T extends PeerReport['ev']>(ev: T, timeoutMs: number): Promise<Extract<PeerReport, { ev: T }>>;
}

function peer(args: string[]): Peer {
  const child = spawn(process.execPath, ['--import', 'tsx', PEER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const reports: PeerReport[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  createInterface({ input: child.stdout }).on('line', (line) => {
    reports.push(JSON.parse(line) as PeerReport);
    for (const w of [...waiters]) w();
  });
  const next = <T extends PeerReport['ev']>(ev: T, timeoutMs: number): Promise<Extract<PeerReport, { ev: T }>> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const r = reports.find((x): x is Extract<PeerReport, { ev: T }> => x.ev === ev);
        if (!r) return;
        done();
        resolve(r);
      };
      const fail = (why: string) => (): void => {
        done();
        reject(new Error(`dock-peer ${args[0]}: ${why} waiting for ${ev}\n${stderr}`));
      };
      const onExit = fail('exited');
      const timer = setTimeout(fail(`no report within ${timeoutMs} ms`), timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
        child.off('exit', onExit);
      };
      waiters.add(check);
      child.once('exit', onExit);
      check();
    });
  return { child, reports, next };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Bytes per second through a fresh PTY pair, dock end to gateway end, in writes of `writeSize`. */
async function rawThroughput(bytes: number, writeSize: number): Promise<number> {
  const pty = await openPtyPair();
  const reader = peer(['raw-read', pty.gatewayPath, String(bytes)]);
  let writer: Peer | undefined;
  try {
    await reader.next('ready', 60_000);
    writer = peer(['raw-write', pty.dockPath, String(bytes), String(writeSize)]);
    const r = await reader.next('read', 600_000);
    return r.bytes / ((r.lastMs - r.firstMs) / 1000);
  } finally {
    await Promise.all([stop(reader.child), writer ? stop(writer.child) : undefined]);
    await pty.close();
  }
}

/** Round trip of a short message through a fresh pair: what an ACK and the dock's answer cost at least. */
async function lineTurnaround(): Promise<{ p50Ms: number; p99Ms: number }> {
  const pty = await openPtyPair();
  const echo = peer(['echo', pty.gatewayPath]);
  let ping: Peer | undefined;
  try {
    await echo.next('ready', 60_000);
    ping = peer(['ping', pty.dockPath, '2000']);
    return await ping.next('rtt', 120_000);
  } finally {
    await Promise.all([stop(echo.child), ping ? stop(ping.child) : undefined]);
    await pty.close();
  }
}

/** What one durable append of `bytes` costs on the evidence disk: the floor under every ACK for DATA. */
async function syncCost(dir: string, bytes: number): Promise<{ p50Ms: number; p99Ms: number }> {
  const fh = await open(join(dir, 'fsync-probe.bin'), 'w');
  const buf = Buffer.alloc(bytes, 0x5a);
  const times: number[] = [];
  try {
    for (let i = 0, at = 0; i < 300; i++, at += buf.length) {
      const t = nowMs();
      await fh.write(buf, 0, buf.length, at);
      await fh.datasync();
      times.push(nowMs() - t);
    }
  } finally {
    await fh.close();
    rmSync(join(dir, 'fsync-probe.bin'), { force: true });
  }
  const s = summarize(times);
  return { p50Ms: s.p50, p99Ms: s.p99 };
}

interface Offload {
  files: number;
  bytes: number;
  seconds: number;
  bytesPerS: number;
  bytesSent: number;
  framesOut: number;
  naksIn: number;
  linkResets: number;
  verified: number;
  journalOk: boolean;
  gatewayIdleRssMb: number;
  gatewayHwmMb: number;
  gatewayRssMaxMb: number;
  gatewayCpuPct: number;
  simRssMaxMb: number;
  simCpuPct: number;
  syncP50Ms: number;
  syncP99Ms: number;
  /** The version the dock and the gateway linked at, from the dock's side and from the journal. */
  version: number;
  journaledVersions: number[];
}

const V1_WINDOW = MAX_WINDOW * MAX_CHUNK;
const V2_WINDOW = V2_MAX_WINDOW * V2_MAX_CHUNK;

function vmHwmMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function offload(versions: number[] | undefined, fileMiB: number[]): Promise<Offload> {
  const pty = await openPtyPair();
  const cfg = testConfig((doc) => {
    (doc.docks as Array<Record<string, unknown>>)[0]!.serialPath = pty.gatewayPath;
  });
  const dataDir = cfg.dir;
  const spec: SimSpec = {
    dockId: 'dock-1',
    seed: SEED,
    cameras: [
      { serial: 'BWC-0001', bay: 1, files: fileMiB.map((mib, i) => ({ name: `BWC-0001_${String(i + 1).padStart(4, '0')}.mp4`, size: mib * MiB + i })) },
    ],
    ...(versions ? { versions } : {}),
  };
  const label = versions ? `version ${Math.max(...versions)} dock` : 'version 1 dock';
  const total = spec.cameras.flatMap((c) => c.files).reduce((a, f) => a + f.size, 0);
  const gw = await spawnGateway(cfg.file, { built: true });
  let sim: Peer | undefined;
  try {
    const sync = await syncCost(dataDir, versions ? V2_WINDOW : V1_WINDOW);
    const gatewayIdleRssMb = rssMbOf(gw.child.pid!);
    console.log(
      `dock (${label}): gateway pid ${gw.child.pid}; fdatasync of a window's append p50 ${fmt(sync.p50Ms, 2)} ms; simulated dock hashing ${fmt(total / MB, 0)} MB …`,
    );
    sim = peer(['sim', pty.dockPath, JSON.stringify(spec)]);
    const { files } = await sim.next('hashes', 300_000);
    const sampler = new ProcSampler({ gateway: gw.child.pid!, sim: sim.child.pid! }, 250).start();
    const up = await sim.next('link', 60_000);
    let shown = 0;
    const progress = setInterval(() => {
      const erased = sim!.reports.filter((r) => r.ev === 'erased').length;
      if (erased > shown) console.log(`dock (${label}): ${(shown = erased)}/${files.length} files offloaded after ${fmt((nowMs() - up.t) / 1000, 0)} s`);
    }, 1000);
    const done = await sim.next('done', 3_600_000).finally(() => clearInterval(progress));
    const use = sampler.stop();
    const gatewayHwmMb = vmHwmMb(gw.child.pid!);
    const seconds = (done.t - up.t) / 1000;

    const db = new Database(cfg.config.gateway.journal.path, { readonly: true, fileMustExist: true });
    let verified: number;
    let journalOk: boolean;
    let journaledVersions: number[];
    try {
      const rows = db.prepare("SELECT payload FROM events WHERE type = 'evidence.verified'").all() as Array<{ payload: string }>;
      const got = new Set(rows.map((r) => (JSON.parse(r.payload) as { sha256: string }).sha256));
      verified = files.filter((f) => got.has(f.sha256)).length;
      journalOk = verifyJournal(db).ok;
      const links = db.prepare("SELECT payload FROM events WHERE type = 'dock.link'").all() as Array<{ payload: string }>;
      journaledVersions = links
        .map((r) => JSON.parse(r.payload) as { state: string; version?: number })
        .flatMap((l) => (l.state === 'up' ? [l.version ?? 0] : []));
    } finally {
      db.close();
    }
    return {
      files: files.length,
      bytes: total,
      seconds,
      bytesPerS: total / seconds,
      bytesSent: done.bytesSent,
      framesOut: done.framesOut,
      naksIn: done.naksIn,
      linkResets: done.linkResets,
      verified,
      journalOk,
      gatewayIdleRssMb,
      gatewayHwmMb,
      gatewayRssMaxMb: use.gateway!.rssMaxMb,
      gatewayCpuPct: use.gateway!.cpuPct,
      simRssMaxMb: use.sim!.rssMaxMb,
      simCpuPct: use.sim!.cpuPct,
      syncP50Ms: sync.p50Ms,
      syncP99Ms: sync.p99Ms,
      version: done.version,
      journaledVersions,
    };
  } finally {
    if (sim) await stop(sim.child);
    await stop(gw.child);
    await pty.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]!;
  console.log(`dock: raw throughput of a socat PTY pair, ${RAW_BYTES / MiB} MiB …`);
  const rawBefore = await rawThroughput(RAW_BYTES, 64 * 1024);
  const rawPacket = await rawThroughput(RAW_BYTES / 4, 1050);
  const rtt = await lineTurnaround();
  const v2 = await offload([1, 2], FILES);
  const v1 = await offload(undefined, FILES.slice(0, 1));
  console.log('dock: raw throughput again, after the offloads …');
  const rawAfter = await rawThroughput(RAW_BYTES, 64 * 1024);
  const raw = (rawBefore + rawAfter) / 2;
  const ratio2 = v2.bytesPerS / raw;
  const ratio1 = v1.bytesPerS / raw;
  // Each window waits for one sync and one turnaround of the line before the next (version 2 also for its bytes to cross).
  const ceiling1 = V1_WINDOW / ((v1.syncP50Ms + rtt.p50Ms) / 1000);
  const ceiling2 = V2_WINDOW / (V2_WINDOW / raw + (v2.syncP50Ms + rtt.p50Ms) / 1000);
  const intact = (o: Offload): boolean => o.verified === o.files && o.journalOk;
  const both = (f: (o: Offload) => string): string => `${f(v2)} | ${f(v1)}`;

  const t: Table = {
    title: `Dock offload over a socat PTY pair, protocol version 2 | version 1: ${v2.files} | ${v1.files} file(s), ${fmt(v2.bytes / MB, 0)} | ${fmt(v1.bytes / MB, 0)} MB; gateway (npm start) and simulated dock each in their own process`,
    columns: ['measure', 'version 2 | version 1', 'goal', 'verdict'],
    rows: [
      [
        '(a) raw PTY throughput, 64 KiB writes: mean (before / after offloads)',
        `${fmt(raw / MB, 1)} MB/s (${fmt(rawBefore / MB, 1)} / ${fmt(rawAfter / MB, 1)})`,
        '',
        '',
      ],
      ['    raw PTY throughput, 1050-byte writes (a version 1 DATA frame each)', `${fmt(rawPacket / MB, 1)} MB/s`, '', ''],
      ['    version negotiated (dock; journaled dock.link up)', both((o) => `${o.version} (${o.journaledVersions.join(', ')})`), '', ''],
      [
        '(b) offload, link up → last ERASE_OK',
        both((o) => `${fmt(o.bytesPerS / MB, 2)} MB/s (${fmt(o.seconds, 0)} s)`),
        '',
        intact(v2) && intact(v1) ? 'all verified, journal ok' : 'FILES MISSING OR JOURNAL BROKEN',
      ],
      [
        '    offload / raw',
        `${fmt(ratio2, 3)}× | ${fmt(ratio1, 3)}×`,
        `≥ ${RATIO_GOAL}×`,
        `${verdict(ratio2 >= RATIO_GOAL)} | ${verdict(ratio1 >= RATIO_GOAL)}`,
      ],
      // Sampled in MiB; the goal is in MB (10^6 bytes).
      [
        '(c) gateway peak RSS, VmHWM (VmRSS: idle → max sampled)',
        both((o) => `${fmt((o.gatewayHwmMb * MiB) / MB, 0)} MB (${fmt(o.gatewayIdleRssMb, 0)} → ${fmt(o.gatewayRssMaxMb, 0)} MiB)`),
        `≤ ${RSS_GOAL_MB} MB`,
        `${verdict((v2.gatewayHwmMb * MiB) / MB <= RSS_GOAL_MB)} | ${verdict((v1.gatewayHwmMb * MiB) / MB <= RSS_GOAL_MB)}`,
      ],
      ['    CPU, % of one core: gateway / simulated dock', both((o) => `${fmt(o.gatewayCpuPct, 0)} % / ${fmt(o.simCpuPct, 0)} %`), '', ''],
      ['    DATA bytes sent / file bytes; NAKs; link resets', both((o) => `${fmt(o.bytesSent / o.bytes, 4)}; ${o.naksIn}; ${o.linkResets}`), '', ''],
      [
        '    append + fdatasync of a window (254 KiB | 4 KiB) on the evidence disk, p50 / p99',
        both((o) => `${fmt(o.syncP50Ms, 2)} / ${fmt(o.syncP99Ms, 2)} ms`),
        '',
        '',
      ],
      ['    line turnaround (16 B there and back), p50 / p99', `${fmt(rtt.p50Ms, 2)} / ${fmt(rtt.p99Ms, 2)} ms`, '', ''],
      [
        '    ceiling: a window per (its bytes on the line + fdatasync + turnaround), p50s',
        `${fmt(ceiling2 / MB, 2)} MB/s = ${fmt(ceiling2 / raw, 3)}× | ${fmt(ceiling1 / MB, 2)} MB/s = ${fmt(ceiling1 / raw, 3)}× raw`,
        '',
        '',
      ],
    ],
    notes: [
      'A PTY has no baud rate: raw is memory to memory through socat. Version 1 allows 4 unacknowledged chunks of 1 KiB, version 2',
      '64 of 4064 bytes, and the gateway ACKs DATA only once fdatasync returns, so however fast the line, version 1 cannot beat its ceiling.',
      'Version 2 syncs each half window while the dock sends the next, so only the raw rate bounds it; its ceiling row is what whole windows in turn would allow.',
      'The version 1 dock offers only the first recording (its rate does not depend on how many it offers).',
      'On a real 115200-baud line (~11.5 kB/s) both ceilings are far above the line rate.',
      `Load average (1 min) before / after: ${fmt(loadBefore, 2)} / ${fmt(loadavg()[0]!, 2)} on ${cpus().length} cores.`,
    ],
  };
  const g = goalsTable('docks at line speed (goal 8)', [
    {
      goal: `8. protocol version 2 offload ≥ ${RATIO_GOAL}× the raw PTY rate`,
      measured: `${fmt(v2.bytesPerS / MB, 2)} vs ${fmt(raw / MB, 2)} MB/s = ${fmt(ratio2, 3)}× (version 1: ${fmt(ratio1, 3)}×)`,
      met: v2.version === 2 ? ratio2 >= RATIO_GOAL : false,
    },
    {
      goal: '8. version 1 docks still served; ERASE_OK only after hash and custody',
      measured: `version 1 dock linked at ${v1.version}; ${v1.verified}/${v1.files} verified, journal ${v1.journalOk ? 'ok' : 'BROKEN'}`,
      met: v1.version === 1 && intact(v1),
    },
  ]);
  printTable(t);
  printTable(g);
  const file = writeResult(
    'dock',
    {
      rawBytesPerS: { before: rawBefore, after: rawAfter, packetSizedWrites: rawPacket },
      turnaround: rtt,
      offload: v2,
      offloadV1: v1,
      ratio: ratio2,
      ratioV1: ratio1,
      ceilingBytesPerS: ceiling2,
      ceilingV1BytesPerS: ceiling1,
    },
    [t, g],
  );
  console.log(`\nwrote ${file}`);
  if (!intact(v2) || !intact(v1)) process.exitCode = 1;
}

await main();
