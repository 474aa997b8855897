/**
 * `npm run bench -- cctv [--quick]`: live video through the gateway. RTSP test cameras (the
 * simulator: rtsp-server-perl and one ffmpeg test pattern per camera, 640x360 at 10 fps) feed
 * a gateway running as its own process, exactly as `npm start` runs it; WebSocket viewers log
 * in and watch. For 1, 4 and 8 cameras with 1 and 5 viewers each: pictures per second
 * delivered to each viewer (MPEG-1 picture start codes in the TS payload), and CPU and RSS of
 * the gateway, of its ffmpeg transcoders, and of the camera simulator. Results go to
 * test/bench/results/.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { TsSegmenter } from '../../devices/cctv/mpegts';
import { RtspCameraSim } from '../../simulators/cctv/rtsp-sim';
import { freePort } from '../helpers/net';
import { eventually, login, spawnGateway, testConfig } from '../helpers/gateway';

const quick = process.argv.includes('--quick');
const WINDOW_S = quick ? 4 : 12;
const SIZE = '640x360';
const FPS = 10;
const CAMERAS = [1, 4, 8];
const VIEWERS = [1, 5];
const names = Array.from({ length: 8 }, (_, i) => `cam-${String(i + 1).padStart(2, '0')}`);
const TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** user+system CPU ticks of a process; 0 once it is gone. */
function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // fields 14 and 15 (utime, stime)
  } catch {
    return 0;
  }
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Proportional set size: shared libraries split between the processes that map them, so a sum over ffmpegs is fair. */
function pssMb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The gateway's transcoders (its children running the MPEG-1 relay, not health probes). */
function transcodersOf(pid: number): number[] {
  try {
    const pids = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
    return pids.filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('mpeg1video');
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}

/** The whole machine's busy share, from /proc/stat (the bench shares two cores with everything else). */
function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - (f[4] ?? 0), total };
}

interface Viewer {
  ws: WebSocket;
  seg: TsSegmenter;
  pictures: number;
  bytes: number;
  started: boolean;
}

function watch(port: number, camera: string, cookie: string): Promise<Viewer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/video/${camera}`, { headers: { cookie } });
    const v: Viewer = { ws, seg: new TsSegmenter(), pictures: 0, bytes: 0, started: false };
    ws.on('message', (d: Buffer) => {
      if (!v.started) {
        v.started = true; // the 8-byte jsmp header
        return;
      }
      v.bytes += d.length;
      for (const s of v.seg.push(d)) v.pictures += s.pictures;
    });
    ws.once('open', () => resolve(v));
    ws.once('error', reject);
  });
}

interface Row {
  cameras: number;
  viewersPerCamera: number;
  fpsMin: number;
  fpsMedian: number;
  kbpsPerViewer: number;
  gatewayCpuPct: number;
  ffmpegCpuPct: number;
  simCpuPct: number;
  machineBusyPct: number;
  gatewayRssMb: number;
  ffmpegPssMb: number;
}

async function main(): Promise<void> {
  const loadavgAtStart = loadavg(); // the machine is shared: say how busy it was
  const [clientPort, sourcePort] = [await freePort(), await freePort()];
  const sim = new RtspCameraSim({
    cameras: names,
    clientPort,
    sourcePort,
    rtpStartPort: 30_000 + 2 * Math.floor(Math.random() * 14_000),
    size: SIZE,
    fps: FPS,
  });
  await sim.start();
  const cfg = testConfig((doc) => {
    doc.cameras = (doc.cameras as Array<Record<string, unknown>>).map((c) => ({ ...c, rtspUrl: sim.url(c.id as string) }));
    doc.cctv = { rtspTransport: 'udp', idleStopSeconds: 0.5, probeIntervalSeconds: 60, quality: 5 };
  });
  const gw = await spawnGateway(cfg.file, { built: true });
  const gwPid = gw.child.pid!;
  const rows: Row[] = [];
  try {
    const cookie = await login(gw.httpPort, 'operator');
    for (const n of CAMERAS) {
      for (const perCamera of VIEWERS) {
        const viewers = await Promise.all(names.slice(0, n).flatMap((c) => Array.from({ length: perCamera }, () => watch(gw.httpPort, c, cookie))));
        // Warm up: every viewer has pictures, and ffmpeg's start-up is out of the window.
        await eventually(() => viewers.every((v) => v.pictures > 0), 60_000, 'pictures for every viewer');
        await new Promise((r) => setTimeout(r, 1500));
        const ffmpegs = transcodersOf(gwPid);
        const simPids = sim.pids();
        const before = {
          pictures: viewers.map((v) => v.pictures),
          bytes: viewers.map((v) => v.bytes),
          gw: cpuTicks(gwPid),
          ff: ffmpegs.reduce((a, p) => a + cpuTicks(p), 0),
          sim: simPids.reduce((a, p) => a + cpuTicks(p), 0),
          machine: machineTicks(),
          t: performance.now(),
        };
        await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
        const seconds = (performance.now() - before.t) / 1000;
        const machine = machineTicks();
        const fps = viewers.map((v, i) => (v.pictures - before.pictures[i]!) / seconds).sort((a, b) => a - b);
        const pct = (ticks: number) => Math.round((ticks / TICK / seconds) * 1000) / 10;
        rows.push({
          cameras: n,
          viewersPerCamera: perCamera,
          fpsMin: Math.round(fps[0]! * 10) / 10,
          fpsMedian: Math.round(fps[Math.floor(fps.length / 2)]! * 10) / 10,
          kbpsPerViewer: Math.round(((viewers.reduce((a, v, i) => a + v.bytes - before.bytes[i]!, 0) / viewers.length / seconds) * 8) / 1000),
          gatewayCpuPct: pct(cpuTicks(gwPid) - before.gw),
          ffmpegCpuPct: pct(ffmpegs.reduce((a, p) => a + cpuTicks(p), 0) - before.ff),
          simCpuPct: pct(simPids.reduce((a, p) => a + cpuTicks(p), 0) - before.sim),
          machineBusyPct: Math.round(((machine.busy - before.machine.busy) / (machine.total - before.machine.total)) * 1000) / 10,
          gatewayRssMb: Math.round(rssMb(gwPid)),
          ffmpegPssMb: Math.round(ffmpegs.reduce((a, p) => a + pssMb(p), 0)),
        });
        console.log(`${n} camera(s) x ${perCamera} viewer(s): ${JSON.stringify(rows[rows.length - 1])}`);
        for (const v of viewers) v.ws.close();
        await eventually(() => transcodersOf(gwPid).length === 0, 30_000, 'the transcoders to stop');
      }
    }
  } finally {
    gw.child.kill('SIGTERM');
    await gw.exited;
    await sim.stop();
  }

  console.log(`\n${names.length} simulated cameras ${SIZE} @ ${FPS} fps; window ${WINDOW_S} s; CPU in % of one core (machine: 2 cores, shared)`);
  console.log(
    '| cameras | viewers/camera | fps per viewer (min / median) | kbit/s per viewer | gateway CPU | ffmpeg CPU (all) | simulator CPU | machine busy | gateway RSS | ffmpeg PSS (all) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.cameras} | ${r.viewersPerCamera} | ${r.fpsMin} / ${r.fpsMedian} | ${r.kbpsPerViewer} | ${r.gatewayCpuPct}% | ${r.ffmpegCpuPct}% | ${r.simCpuPct}% | ${r.machineBusyPct}% | ${r.gatewayRssMb} MB | ${r.ffmpegPssMb} MB |`,
    );
  }
  const result = { bench: 'cctv', date: new Date().toISOString(), quick, loadavgAtStart, size: SIZE, fps: FPS, windowSeconds: WINDOW_S, rows };
  const file = join(import.meta.dirname, 'results', `${result.date.slice(0, 10)}-cctv${quick ? '-quick' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  const eight = rows.filter((r) => r.cameras === 8);
  const met = eight.every((r) => r.fpsMin >= FPS * 0.9);
  console.log(
    `\ngoal, 8 concurrent ${FPS} fps streams: ${met ? 'met' : 'NOT met'} (slowest viewer ${Math.min(...eight.map((r) => r.fpsMin))} fps); results in ${file}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
