/**
 * The goals of issue 20, each as a ratio measured in the same run, printed with met / not met
 * in one table per benchmark (`npm run bench` prints every table at the end, side by side).
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Table } from './report';
import { fmt, nowMs, summarize, type Summary } from './stats';

export interface Goal {
  goal: string;
  measured: string;
  /** null: not measured in this run (the bench that measures it was not run, or a peer failed). */
  met: boolean | null;
}

export function goalsTable(title: string, goals: Goal[]): Table {
  return {
    title: `Issue 20 goals: ${title}`,
    columns: ['goal', 'measured (same run)', ''],
    rows: goals.map((g) => [g.goal, g.measured, g.met === null ? 'not measured' : g.met ? 'MET' : 'NOT MET']),
  };
}

/** `a / b` with the ratio and the limit side by side. */
export function ratioGoal(goal: string, a: number, b: number, limit: number, what: string): Goal {
  const r = a / b;
  return { goal, measured: `${what}: ${fmt(a)} vs ${fmt(b)} = ${fmt(r, 2)}× (goal ≤ ${limit}×)`, met: Number.isFinite(r) ? r <= limit : null };
}

/**
 * fdatasync of one 4 KiB page, on the disk the benches' journals live on (the temp dir, as
 * test/helpers/gateway.ts puts them): the floor of any durable acknowledgement there.
 */
export function fdatasyncLatency(rounds = 200): Summary {
  const dir = mkdtempSync(join(tmpdir(), 'tw-fsync-'));
  const fd = openSync(join(dir, 'probe'), 'w');
  const page = Buffer.alloc(4096, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const t0 = nowMs();
      writeSync(fd, page, 0, page.length, (i % 16) * 4096);
      fdatasyncSync(fd);
      times.push(nowMs() - t0);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  return summarize(times);
}
