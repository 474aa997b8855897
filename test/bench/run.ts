/**
 * `npm run bench [-- <name>] [--quick]`: runs the benchmarks in test/bench/. Timing is
 * never asserted in `npm test`; figures are reported here, side by side, in one run.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BENCHES = ['journal'];
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const chosen = args.filter((a) => !a.startsWith('--'));
const names = chosen.length ? chosen : BENCHES;
let failed = false;
for (const name of names) {
  if (!BENCHES.includes(name)) {
    console.error(`bench: no benchmark named ${name} (have: ${BENCHES.join(', ')})`);
    process.exit(2);
  }
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, `${name}.ts`), ...(quick ? ['--quick'] : [])], { stdio: 'inherit' });
  failed ||= r.status !== 0;
}
process.exit(failed ? 1 : 0);
