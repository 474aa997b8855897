/**
 * Numbers for the benchmarks: a clock shared by processes, percentiles, and what a process
 * costs (resident memory and CPU, read from /proc so the measured process runs unmodified).
 */
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Milliseconds on CLOCK_MONOTONIC, which is system-wide: a time taken in the load generator and
 * one taken in the observer can be subtracted. (Date.now() has 1 ms resolution and can step.)
 */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(xs: ArrayLike<number>): Summary {
  const n = xs.length;
  if (n === 0) return { n: 0, p50: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from(xs).sort();
  const at = (p: number) => sorted[Math.min(n - 1, Math.ceil(p * n) - 1)]!;
  return { n, p50: at(0.5), p99: at(0.99), max: sorted[n - 1]! };
}

export const fmt = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : '–');
export const fmtS = (s: Summary, digits = 1): string => (s.n ? `${fmt(s.p50, digits)} / ${fmt(s.p99, digits)} / ${fmt(s.max, digits)}` : '–');

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ): 100 on every Linux we run on. */
const TICKS = 100;

/** CPU time (user + system) in a /proc `stat` file: a process's, or one thread's (`task/<tid>/stat`). */
function cpuMsIn(statFile: string): number {
  // The command name may contain spaces; the fields after its closing paren are fixed.
  const stat = readFileSync(statFile, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS;
}

/** CPU time (ms) each of a process's threads has used so far, by thread id. */
export function threadCpuMs(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(tid), cpuMsIn(`/proc/${pid}/task/${tid}/stat`));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

function readStat(pid: number): { cpuMs: number; rssMb: number } | null {
  try {
    const cpuMs = cpuMsIn(`/proc/${pid}/stat`);
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuMs, rssMb: rss ? Number(rss[1]) / 1024 : NaN };
  } catch {
    return null;
  }
}

export interface ProcUsage {
  /** Highest resident memory seen while sampling. */
  rssMaxMb: number;
  rssLastMb: number;
  /** CPU time over wall time, in % of one core. */
  cpuPct: number;
  /** CPU time used while sampling. */
  cpuMs: number;
  samples: Array<{ t: number; rssMb: number }>;
}

/** Samples processes' memory and CPU every `everyMs` between start() and stop(). */
export class ProcSampler {
  private timer: NodeJS.Timeout | null = null;
  private readonly first = new Map<string, { t: number; cpuMs: number }>();
  private readonly usage = new Map<string, ProcUsage>();
  private t0 = 0;

  constructor(
    private readonly pids: Record<string, number>,
    private readonly everyMs = 500,
  ) {}

  start(): this {
    this.t0 = nowMs();
    for (const [name, pid] of Object.entries(this.pids)) {
      const s = readStat(pid);
      this.first.set(name, { t: this.t0, cpuMs: s?.cpuMs ?? 0 });
      this.usage.set(name, { rssMaxMb: s?.rssMb ?? 0, rssLastMb: s?.rssMb ?? 0, cpuPct: 0, cpuMs: 0, samples: [] });
    }
    this.timer = setInterval(() => this.sample(), this.everyMs);
    return this;
  }

  private sample(): void {
    const t = nowMs();
    for (const [name, pid] of Object.entries(this.pids)) {
      const s = readStat(pid);
      const u = this.usage.get(name)!;
      if (!s) continue;
      u.rssLastMb = s.rssMb;
      u.rssMaxMb = Math.max(u.rssMaxMb, s.rssMb);
      u.samples.push({ t: (t - this.t0) / 1000, rssMb: s.rssMb });
      const f = this.first.get(name)!;
      u.cpuMs = s.cpuMs - f.cpuMs;
      u.cpuPct = (u.cpuMs / (t - f.t)) * 100;
    }
  }

  stop(): Record<string, ProcUsage> {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return Object.fromEntries(this.usage);
  }
}

export function rssMbOf(pid: number): number {
  return readStat(pid)?.rssMb ?? NaN;
}

/** A fixed-width text table. */
export function table(columns: string[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
