/**
 * Run a simulated dock on a PTY pair (gateway side: data/pty/<dock>/gateway) and print its files:
 *
 *   npm run sim -- dock [--bays 6] [--seed 7] [--faults flip,drop,duplicate,slow,bad-hash,erase-early] [--mb 64] [--protocol 1|2]
 *
 * `--protocol 2` (the default) lists versions 1 and 2 in HELLO and uses version 2 where the gateway
 * speaks it; `--protocol 1` is a dock that predates version 2 (no `versions` in HELLO).
 *
 * Files are a few to `--mb` megabytes each, like short body-worn clips; contents are deterministic
 * from the seed, so their hashes can be recomputed with fileSha256().
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DockSimulator, fileSha256 } from './dock-sim';
import { FAULTS, type FaultName } from './faults';
import { mulberry32 } from '../random';
import { openPtyPair } from './pty';

export async function runDockSimCli(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string', default: '1' },
      faults: { type: 'string', default: '' },
      mb: { type: 'string', default: '64' },
      bays: { type: 'string', default: '6' },
      dock: { type: 'string', default: 'dock-1' },
      dir: { type: 'string' },
      protocol: { type: 'string', default: '2' },
    },
  });
  if (values.protocol !== '1' && values.protocol !== '2') throw new Error(`--protocol ${values.protocol}: 1 or 2`);
  const versions = values.protocol === '2' ? [1, 2] : undefined;
  const seed = Number(values.seed);
  const rand = mulberry32(seed);
  const maxBytes = Number(values.mb) * 1024 * 1024;
  const bays = Number(values.bays);
  const cameras = Array.from({ length: Math.min(3, bays) }, (_, i) => {
    const serial = `BWC-${String(i + 1).padStart(4, '0')}`;
    return {
      serial,
      bay: i + 1,
      files: Array.from({ length: 2 + i }, (_, n) => ({
        name: `${serial}_${String(n + 1).padStart(4, '0')}.mp4`,
        size: Math.floor((0.05 + 0.95 * rand()) * maxBytes),
      })),
    };
  });

  // The gateway opens <dir>/gateway: the demo config's `docks[].serialPath`.
  const pty = await openPtyPair({ dir: values.dir ?? join('data', 'pty', values.dock) });
  const sim = new DockSimulator({
    path: pty.dockPath,
    dockId: values.dock,
    bays,
    seed,
    cameras,
    cable: pty,
    log: (m) => console.log(m),
    ...(versions ? { versions } : {}),
  });
  for (const f of values.faults.split(',').filter(Boolean)) {
    if (!FAULTS.includes(f as FaultName)) throw new Error(`unknown fault ${f}; one of ${FAULTS.join(', ')}`);
    sim.setFault(f as FaultName, true);
  }
  console.log(`gateway side: ${pty.gatewayPath}`);
  for (const c of cameras)
    for (const f of c.files) console.log(`  ${c.serial}/${f.name} ${f.size} bytes sha256 ${await fileSha256(seed, c.serial, f.name, f.size)}`);
  sim.on('erased', (serial, name) => console.log(`erased ${serial}/${name} (bytes sent so far ${sim.bytesSent})`));
  sim.on('rejected', (serial, name, reason) => console.log(`kept ${serial}/${name}: ${reason}`));
  await sim.start();

  await new Promise<void>((resolve) => {
    const shutdown = (): void => {
      void sim
        .stop()
        .then(() => pty.close())
        .finally(resolve);
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
}
