import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: one test run leaves nothing behind. Every process a test starts (a
 * gateway, PostgreSQL, Mosquitto, socat, ffmpeg, Chromium…) inherits `TW_TEST_RUN`, and every
 * temporary folder goes under one run folder (TMPDIR). At the end, even after failures or a
 * crashed worker, the teardown kills whatever still carries the mark and removes the folder.
 * `.ci/run` sets the mark itself and fails on any survivor the teardown missed.
 */
export const RUN_MARK = 'TW_TEST_RUN';

/** This process and every process above it, up to init. */
function ancestors(): Set<number> {
  const out = new Set<number>();
  for (let pid = process.pid; pid > 1 && !out.has(pid);) {
    out.add(pid);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
  }
  return out;
}

/** Processes (not us, our ancestors or our own children) whose environment carries `mark`. */
export function marked(mark: string): Array<{ pid: number; cmd: string }> {
  const needle = `${RUN_MARK}=${mark}\0`;
  // Whoever started this run (npm, its shell, .ci/run) may carry the mark too: never ours to kill.
  const spared = ancestors();
  const out: Array<{ pid: number; cmd: string }> = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || spared.has(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').includes(needle)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // A zombie holds nothing; our own children (esbuild's service) end with us.
      if (state === 'Z' || Number(ppid) === process.pid) continue;
      out.push({ pid, cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim().slice(0, 200) });
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

export default function setup(): () => Promise<void> {
  const mark = process.env[RUN_MARK] ?? `${process.pid}-${Date.now()}`;
  process.env[RUN_MARK] = mark;
  // Before TMPDIR changes: the cross-run caches (PostgreSQL's initdb template) stay in the real one.
  process.env.TW_CACHE_DIR ??= tmpdir();
  const dir = mkdtempSync(join(tmpdir(), 'tw-run-'));
  // Like /tmp itself: PostgreSQL runs as its own user, and some tests run a script as nobody.
  chmodSync(dir, 0o1777);
  process.env.TMPDIR = dir;
  return async () => {
    let left = marked(mark);
    for (const p of left) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (left.length) {
      process.stderr.write(`test teardown: killed ${left.length} process(es) a test left running:\n${left.map((p) => `  ${p.pid} ${p.cmd}`).join('\n')}\n`);
      await new Promise((r) => setTimeout(r, 500));
      left = marked(mark);
      if (left.length) process.stderr.write(`test teardown: still running: ${left.map((p) => p.pid).join(', ')}\n`);
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
