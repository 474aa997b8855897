/**
 * `npm run bench:profile [-- <handsets> <hz> <seconds>]`: the fleet load against Townwatch alone,
 * with V8's CPU profiler on in the gateway (main thread and workers), then the heaviest
 * functions by self time, grouped by source file. It answers "where does the time per message
 * go", which the fleet bench's CPU column only sums up. Profiles are kept in the folder printed.
 *
 * It also prints each of the gateway's threads' CPU time during the load, from /proc. A CPU
 * profile counts a thread as busy while it waits to be scheduled, so only these say what each
 * thread costs. With `TW_GATEWAY_NODE_ARGS=' '` the profiler is off and they carry none of its
 * own cost.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGateway } from '../../gateway/build';
import { LoadGen, Observer } from './harness';
import { threadCpuMs } from './stats';
import { fleetClients, startSystem } from './systems';

const [n = 1000, hz = 5, seconds = 15] = process.argv.slice(2).map(Number);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function and per file, in ms, from one .cpuprofile. */
export function selfTimes(profile: CpuProfile): { total: number; byFunction: Map<string, number>; byFile: Map<string, number> } {
  const nodeById = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const frame = nodeById.get(id)!.callFrame;
    if (frame.functionName === '(idle)') return;
    total += ms;
    const file = frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(gateway|devices|config)\//, '$1/') || frame.functionName;
    const fn = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
    const pkg = file.startsWith('gateway/') ? file : file.split('/')[0]!;
    byFile.set(pkg, (byFile.get(pkg) ?? 0) + ms);
  });
  return { total, byFunction, byFile };
}

function top(map: Map<string, number>, total: number, count: number): string[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, ms]) => `${((100 * ms) / total).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(6)} ms  ${name}`);
}

const dir = mkdtempSync(join(tmpdir(), 'tw-profile-'));
await buildGateway();
process.env.TW_GATEWAY_NODE_ARGS ??= `--cpu-prof --cpu-prof-dir=${dir}`;
const sys = await startSystem('townwatch');
const lg = LoadGen.start();
const obs = new Observer();
let acked = 0;
try {
  await obs.start(sys, { console: true, resolveEmergencies: true });
  const conn = await lg.connect({ url: `mqtt://127.0.0.1:${sys.mqttPort}`, clients: fleetClients(sys, n), concurrency: 100, subscribeDown: true });
  if (conn.failed > 0) throw new Error(`${conn.failed} handsets could not connect`);
  const before = threadCpuMs(sys.pid);
  const r = await lg.run({ hz, seconds, warmupSeconds: 2, probeEveryMs: 50, probeBytes: 100, emergencyEveryMs: 250 });
  const after = threadCpuMs(sys.pid);
  acked = r.acked;
  const perThousand = (ms: number) => ((1000 * ms) / Math.max(acked, 1)).toFixed(1);
  const used = [...after].map(([tid, ms]) => [tid, ms - (before.get(tid) ?? 0)] as const).filter(([, ms]) => ms > 0);
  console.log(`\nCPU per thread during the load, ms per 1,000 acked messages (${acked} acked), in the order the threads started:`);
  console.log("(the main thread; V8's platform threads: GC and compilers; then the journal writer, the broker thread and time travel as they start)");
  for (const [tid, ms] of used.sort((a, b) => a[0] - b[0]))
    console.log(`  ${tid === sys.pid ? 'main  ' : String(tid).padEnd(6)} ${perThousand(ms).padStart(7)}`);
  console.log(`  all    ${perThousand(used.reduce((sum, [, ms]) => sum + ms, 0)).padStart(7)}`);
  await obs.settle();
} finally {
  await obs.close();
  await lg.close();
  await sys.stop(); // SIGTERM: the profiler writes its files as the process exits
}

for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const { total, byFunction, byFile } = selfTimes(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile);
  if (total < 100) continue;
  console.log(`\n${file}: ${total.toFixed(0)} ms busy, ${((1000 * total) / Math.max(acked, 1)).toFixed(0)} ms per 1,000 acked messages (${acked} acked)`);
  console.log('by package / gateway file:');
  top(byFile, total, 25).forEach((l) => console.log(`  ${l}`));
  console.log('by function:');
  top(byFunction, total, 40).forEach((l) => console.log(`  ${l}`));
}
console.log(`\nprofiles in ${dir}`);
