import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { demoPassword, eventually, ROOT, testConfig } from '../helpers/gateway';
import { JournalFile, mqttDedupeKey, sleep } from './support';

/**
 * The journal's disk fills up. Preferably for real: a small tmpfs mounted under the journal
 * (needs root, as in CI's container). Where mounting is not allowed, the same effect comes from
 * the file-size resource limit of the gateway process (`prlimit --fsize`): every write that would
 * grow a file past the limit fails, as it would on a full disk, and lifting the limit is space
 * coming back. Either way the gateway is never told, and must cope without a restart.
 */
interface FullDisk {
  how: string;
  journalDir: string;
  fill(pid: number): void;
  free(pid: number): void;
  cleanup(): void;
}

function tmpfsDisk(): FullDisk | null {
  if (process.getuid?.() !== 0) return null;
  const mnt = mkdtempSync(join(tmpdir(), 'tw-diskfull-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { stdio: 'ignore' });
  } catch {
    rmSync(mnt, { recursive: true, force: true });
    return null;
  }
  const filler = join(mnt, 'filler');
  return {
    how: 'tmpfs of 4 MB',
    journalDir: join(mnt, 'journal'),
    fill() {
      const fd = openSync(filler, 'w');
      const chunk = Buffer.alloc(16 * 1024, 0x55);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd);
      }
    },
    free() {
      unlinkSync(filler);
    },
    cleanup() {
      try {
        execFileSync('umount', ['-l', mnt], { stdio: 'ignore' });
      } finally {
        rmSync(mnt, { recursive: true, force: true });
      }
    },
  };
}

function fileSizeLimitDisk(): FullDisk {
  const dir = mkdtempSync(join(tmpdir(), 'tw-diskfull-'));
  const journalDir = join(dir, 'journal');
  const biggest = () =>
    Math.max(
      ...['journal.db', 'journal.db-wal'].map((f) => {
        try {
          return statSync(join(journalDir, f)).size;
        } catch {
          return 0;
        }
      }),
    );
  return {
    how: 'file-size limit (prlimit --fsize)',
    journalDir,
    fill(pid) {
      execFileSync('prlimit', ['--pid', String(pid), `--fsize=${biggest()}:unlimited`]);
    },
    free(pid) {
      execFileSync('prlimit', ['--pid', String(pid), '--fsize=unlimited:unlimited']);
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `TW_DISKFULL=fsize` forces the fallback, to check it on a machine that could mount. */
const disk = (process.env.TW_DISKFULL === 'fsize' ? null : tmpfsDisk()) ?? fileSizeLimitDisk();
let child: ChildProcess | null = null;
let handset: MqttClient | null = null;

afterAll(async () => {
  await handset?.endAsync(true);
  child?.kill('SIGKILL');
  if (child && child.exitCode === null) await new Promise((r) => child!.once('exit', r));
  disk.cleanup();
});

/** `npm start`'s entry point, ignoring SIGXFSZ so that an over-limit write fails instead of killing it. */
async function startChild(configFile: string): Promise<{ proc: ChildProcess; httpPort: number; mqttPort: number; output: () => string }> {
  const proc = spawn('sh', ['-c', `trap '' XFSZ; exec "${process.execPath}" --import tsx gateway/main.ts`], {
    cwd: ROOT,
    env: { ...process.env, TOWNWATCH_CONFIG: configFile, TW_NO_SIM: '1', TW_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const ports = await eventually(
    () => {
      const http = /console +http:\/\/localhost:(\d+)/.exec(out);
      const mq = /mqtt +mqtt:\/\/localhost:(\d+)/.exec(out);
      if (proc.exitCode !== null) throw new Error(`gateway exited: ${out}`);
      return http && mq ? { httpPort: Number(http[1]), mqttPort: Number(mq[1]) } : undefined;
    },
    20_000,
    'gateway to start',
  );
  return { proc, ...ports, output: () => out };
}

describe(`disk full under the journal (${disk.how})`, () => {
  it('stops acknowledging QoS 1, says so in /readyz and the log, and recovers without a restart when space returns', async () => {
    mkdirSync(disk.journalDir, { recursive: true });
    const t = testConfig((doc) => {
      ((doc.gateway as Record<string, unknown>).journal as Record<string, unknown>).path = join(disk.journalDir, 'journal.db');
    });
    const gw = await startChild(t.file);
    child = gw.proc;
    const readyz = async () => {
      const res = await fetch(`http://127.0.0.1:${gw.httpPort}/readyz`);
      return { status: res.status, body: (await res.json()) as { checks: Record<string, boolean>; detail: { journalError: string | null } } };
    };

    handset = mqtt.connect(`mqtt://127.0.0.1:${gw.mqttPort}`, {
      clientId: 'radio-2001-diskfull',
      username: 'radio-2001',
      password: demoPassword('radio-2001'),
      reconnectPeriod: 200,
      connectTimeout: 5000,
    });
    handset.on('error', () => undefined);
    await new Promise<void>((resolve) => handset!.once('connect', () => resolve()));
    const client = handset;

    const acked = new Map<string, number>(); // dedupe key → when its PUBACK came
    const published: Array<{ n: number; at: number }> = [];
    let n = 0;
    let rejected = 0;
    const send = () => {
      const payload = JSON.stringify({ to: 9001, text: `disk test ${n} ${'x'.repeat(600)}` });
      published.push({ n, at: Date.now() });
      n++;
      client.publishAsync('tw/v1/radio/2001/text', payload, { qos: 1 }).then(
        (p) => acked.set(mqttDedupeKey('radio-2001-diskfull', p!.messageId!, payload), Date.now()),
        () => rejected++,
      );
    };
    for (let i = 0; i < 10; i++) send();
    await eventually(() => acked.size === 10, 5000, 'first messages acknowledged');
    expect((await readyz()).status).toBe(200);

    disk.fill(gw.proc.pid!);
    const sender = setInterval(send, 50);
    try {
      const notReady = await eventually(
        async () => {
          const r = await readyz();
          return r.status === 503 ? r : undefined;
        },
        15_000,
        '/readyz to report the journal failing',
      );
      const fullSince = Date.now();
      expect(notReady.body.checks.journal).toBe(false);
      expect(notReady.body.detail.journalError).toMatch(/full|disk|I\/O|too large/i);
      await eventually(() => /journal commit failed/.test(gw.output()), 5000, 'the failure in the log');
      await sleep(1000);
      // While the disk is full, nothing published after the failure is acknowledged.
      const lateSends = published.filter((p) => p.at > fullSince + 200).length;
      expect(lateSends).toBeGreaterThan(5);
      const ackedWhileFull = [...acked.values()].filter((at) => at > fullSince + 500).length;
      expect(ackedWhileFull, 'acknowledged while the disk was full').toBe(0);
      expect((await readyz()).status).toBe(503);

      disk.free(gw.proc.pid!);
      // No restart: the handset's retries go through, and the journal is ready again.
      await eventually(async () => (await readyz()).status === 200, 15_000, '/readyz back to 200');
    } finally {
      clearInterval(sender);
    }
    // Everything sent is settled: acknowledged once the space returned, or given up by MQTT.js
    // itself (it fails publishes it had queued but not yet sent when a connection closed; a
    // failure the sender is told about, not a loss).
    await eventually(() => acked.size + rejected === n, 20_000, `all ${n} messages settled after space returned`);
    expect(acked.size).toBeGreaterThan(n / 2);
    expect(gw.proc.exitCode).toBeNull();

    const journal = new JournalFile(t.config.gateway.journal.path);
    try {
      const counts = journal.dedupeCounts(acked.keys());
      expect(
        [...counts].filter(([, c]) => c !== 1),
        'acknowledged messages not journaled exactly once',
      ).toEqual([]);
      const texts = journal.ofType('radio.text').length;
      expect(texts).toBeGreaterThanOrEqual(acked.size);
      expect(texts).toBeLessThanOrEqual(n);
      expect(journal.verify()).toMatchObject({ ok: true });
    } finally {
      journal.close();
    }
  }, 90_000);
});
