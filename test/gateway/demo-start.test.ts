import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { START_ENV } from '../../gateway/build';
import { eventually, ROOT, spawnGateway, testConfig, type ChildGateway } from '../helpers/gateway';
import { groupMembers, killGroup } from '../helpers/process-group';
import { freePort } from '../helpers/net';
import { pathWithout } from '../helpers/path';

/**
 * `npm start` on the demo town: the gateway and its simulator child (handsets, a TETRA control
 * station and a dock on socat PTYs, RTSP cameras from ffmpeg). What a new user meets: a banner
 * that names what is off, logs that do not repeat, and nothing left running after a stop.
 */

/** Every process below `pid`, read from /proc (pid → parent). */
function descendants(pid: number): Array<{ pid: number; comm: string }> {
  const parent = new Map<number, number>();
  const comm = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so split at the last ')'.
      const close = stat.lastIndexOf(')');
      parent.set(Number(name), Number(stat.slice(close + 2).split(' ')[1]));
      comm.set(Number(name), stat.slice(stat.indexOf('(') + 1, close));
    } catch {
      // exited while we looked
    }
  }
  const out: Array<{ pid: number; comm: string }> = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) {
      if (pp === p) {
        out.push({ pid: child, comm: comm.get(child) ?? '?' });
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    // A zombie is dead for our purposes: it holds no port and no CPU.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The demo town on free ports, its PEI and dock PTYs and its journal in a temporary folder. */
async function demoConfig(): Promise<string> {
  const rtsp = await freePort();
  const { file } = testConfig((doc) => {
    const dir = (doc.gateway as { dataDir: string }).dataDir;
    (doc.radio as Record<string, unknown>).controlStations = [{ id: 'pei-1', serialPath: join(dir, 'pty/pei-1') }];
    const docks = doc.docks as Array<Record<string, unknown>>;
    docks[0]!.serialPath = join(dir, 'pty/dock-1/gateway');
    for (const c of doc.cameras as Array<{ rtspUrl: string }>) c.rtspUrl = c.rtspUrl.replace(/127\.0\.0\.1:\d+|localhost:\d+/, `127.0.0.1:${rtsp}`);
  });
  return file;
}

let running: ChildGateway | null = null;
afterEach(() => {
  running?.child.kill('SIGKILL');
  running = null;
});

describe('npm start on the demo town', () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`leaves no simulator, socat or ffmpeg running after the gateway gets ${signal}`, async () => {
      const gw = (running = await spawnGateway(await demoConfig(), { built: true, simulators: true }));
      const pid = gw.child.pid!;
      // Wait until the devices are up: the simulator child, both socat pairs and the cameras' ffmpeg.
      const tree = await eventually(
        () => {
          const t = descendants(pid);
          const socats = t.filter((p) => p.comm === 'socat').length;
          return socats >= 2 && t.some((p) => p.comm === 'ffmpeg') && t.some((p) => p.comm === 'node') ? t : undefined;
        },
        60_000,
        'the demo simulators to start',
      );
      expect(gw.output()).not.toMatch(/simulators off/);

      gw.child.kill(signal);
      await gw.exited;
      const left = await eventually(
        () => {
          const l = tree.filter((p) => alive(p.pid));
          return l.length === 0 ? l : undefined;
        },
        5000,
        `the gateway's children to end after ${signal}`,
      ).catch(() => tree.filter((p) => alive(p.pid)));
      expect(left).toEqual([]);
    }, 120_000);
  }

  it('names the simulators that are off and the one command that turns them on, and says a missing PEI port once', async () => {
    const file = await demoConfig();
    const hidden = ['socat', 'ffmpeg', 'ffprobe', 'rtsp-server-perl'];
    const gw = (running = await spawnGateway(file, { built: true, simulators: true, env: { PATH: pathWithout(hidden), TW_LOG_LEVEL: 'info' } }));
    const out = gw.output();
    expect(out).toContain('simulators off:');
    expect(out).toMatch(/TETRA radios \(PEI control station\): socat not installed/);
    expect(out).toMatch(/camera dock: socat not installed/);
    expect(out).toMatch(/CCTV cameras: ffmpeg, rtsp-server-perl not installed/);
    expect(out).toContain('turn them on:  sudo apt-get install -y socat ffmpeg rtsp-server-perl');
    // The PEI port never appears; the link is retried at 0.5, 1, 2, 4 s… and said once.
    await eventually(() => /MQTT handsets/.test(gw.output()), 30_000, 'the handsets to start');
    await new Promise((r) => setTimeout(r, 4000));
    const lines = gw.output().split('\n');
    expect(lines.filter((l) => l.includes('radio link down; retrying')).length).toBe(1);
    expect(lines.filter((l) => l.includes('"reconnecting"')).length).toBe(0);
  }, 120_000);

  it('stops when the npm in front of it gets SIGTERM, leaving no npm, shell or node behind', async () => {
    const { file } = testConfig();
    // `--ignore-scripts` skips only prestart (the Debian packages and the build, done by the test setup).
    const npm = spawn('npm', ['start', '--silent', '--ignore-scripts'], {
      cwd: ROOT,
      env: { ...process.env, ...START_ENV, TOWNWATCH_CONFIG: file, TW_NO_SIM: '1', TW_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pgid = npm.pid!;
    let out = '';
    npm.stdout.on('data', (d: Buffer) => (out += d.toString()));
    npm.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually(() => /console +http:\/\/localhost:\d+/.test(out) || undefined, 60_000, `the gateway to start: ${out}`);
      expect(groupMembers(pgid).some((m) => m.includes('gateway/dist/main.mjs'))).toBe(true);
      npm.kill('SIGTERM');
      await eventually(() => groupMembers(pgid).length === 0, 15_000, 'every process of `npm start` to exit').catch(() => {
        throw new Error(`left running:\n${groupMembers(pgid).join('\n')}`);
      });
    } finally {
      killGroup(pgid);
    }
  }, 90_000);
});
