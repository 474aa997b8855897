/**
 * `npm run bench [-- <name>] [--quick]`: runs the benchmarks in test/bench/. Timing is
 * never asserted in `npm test`; figures are reported here, side by side, in one run.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildGateway } from '../../gateway/build';
import { printTable, type Table } from './report';

const BENCHES = ['journal', 'uplink', 'fleet', 'tails', 'throughput', 'connections', 'time-travel', 'slow-console', 'cctv', 'dock'];
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const chosen = args.filter((a) => !a.startsWith('--'));
const names = chosen.length ? chosen : BENCHES;
// The peers (Mosquitto; PostgreSQL for the uplink; ffmpeg, socat) come from Debian: install or explain.
const deps = spawnSync('bash', [join(import.meta.dirname, '../../config/system-deps.sh'), 'test'], { stdio: 'inherit' });
if (deps.status !== 0) {
  console.error('bench: the system packages above are needed to run the benchmarks side by side');
  process.exit(2);
}
// Townwatch runs as `npm start` runs it: the gateway bundle, built from the sources now.
await buildGateway();
let failed = false;
const started = Date.now();
for (const name of names) {
  if (!BENCHES.includes(name)) {
    console.error(`bench: no benchmark named ${name} (have: ${BENCHES.join(', ')})`);
    process.exit(2);
  }
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, `${name}.ts`), ...(quick ? ['--quick'] : [])], { stdio: 'inherit' });
  failed ||= r.status !== 0;
}

// The whole table: every result this run wrote that carries tables (see report.ts).
const dir = join(import.meta.dirname, 'results');
const fresh = readdirSync(dir)
  .filter((f) => f.endsWith('.json') && statSync(join(dir, f)).mtimeMs >= started)
  .sort();
const tables = fresh.flatMap((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { tables?: Table[] }).tables ?? []);
if (tables.length) {
  console.log(`
=== summary (${fresh.join(', ')}) ===`);
  tables.forEach(printTable);
}
process.exit(failed ? 1 : 0);
