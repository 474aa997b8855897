/** Where benchmark results go: one JSON file per benchmark and date, with its tables. */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { table } from './stats';

export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
  notes?: string[];
}

export const quick = process.argv.includes('--quick');

/** The load average (1, 5, 15 min) as this benchmark's process started: what else was running before it. */
const LOAD_AT_START = loadavg().map((l) => +l.toFixed(2));

/** The machine, and its load average at the start of the run and at its end (when the result is written). */
export function machine(): Record<string, unknown> {
  return { cpus: cpus().length, cpu: cpus()[0]?.model ?? null, node: process.version, loadavgAtStart: LOAD_AT_START, loadavg1m: +loadavg()[0]!.toFixed(2) };
}

export function printTable(t: Table): void {
  console.log(`\n${t.title}\n${table(t.columns, t.rows)}`);
  for (const n of t.notes ?? []) console.log(`  ${n}`);
}

/** Writes `results/<date>-<name>[-quick].json` (what test/bench/run.ts collects) and returns its path. */
export function writeResult(name: string, data: Record<string, unknown>, tables: Table[]): string {
  const date = new Date().toISOString();
  const file = join(import.meta.dirname, 'results', `${date.slice(0, 10)}-${name}${quick ? '-quick' : ''}.json`);
  writeFileSync(file, `${JSON.stringify({ date, quick, machine: machine(), ...data, tables }, null, 2)}\n`);
  return file;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
