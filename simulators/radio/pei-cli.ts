// `npm run sim -- pei [--as generic|motorola|sepura] [--link PATH] [--interval MS] [--talkgroup GSSI] [--units N]`
// A TETRA control station on a PTY for engineers: units wander round the town centre
// reporting LIP positions, and stdin takes commands to inject events and faults.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { PeiSimulator, PROFILE_REFUSES, type PeiFault, type PeiProfile, type SimUnit } from './pei-sim';

/** Old Market Square, Nottingham: somewhere west of Greenwich, as most UK towns are. */
const CENTRE = { lat: 52.953, lon: -1.15 };
const FAULTS: PeiFault[] = ['garble', 'partial', 'wrong-bits', 'long-lip', 'no-answer', 'echo-stuck'];
const PROFILES: PeiProfile[] = ['generic', 'motorola', 'sepura'];

const HELP = `commands:
  pos <issi> | emergency <issi> | status <issi> <value> | text <issi> <words...>
  concat <issi> <words...> (a concatenated text, parts of 40 characters sent last first)
  fault long-lip on: positions as LIP long reports (time of position, direction of travel)
  ptt <issi> | unptt <issi> | fault <${FAULTS.join('|')}> <on|off>
  vanish | restore | reply <delivered|failed|none|short|consumed> | cme <issi> <code> | help | quit`;

function arg(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
}

export async function runPeiSimCli(argv: string[]): Promise<void> {
  const link = arg(argv, 'link', join(tmpdir(), 'townwatch-pei'));
  const intervalMs = Number(arg(argv, 'interval', '5000'));
  const talkgroup = Number(arg(argv, 'talkgroup', '9001'));
  const units: SimUnit[] = Array.from({ length: Number(arg(argv, 'units', '4')) }, (_, i) => ({
    issi: 2001 + i,
    lat: CENTRE.lat + (Math.random() - 0.5) * 0.004,
    lon: CENTRE.lon + (Math.random() - 0.5) * 0.006,
  }));
  const profile = arg(argv, 'as', 'generic') as PeiProfile;
  if (!PROFILES.includes(profile)) throw new Error(`--as must be one of ${PROFILES.join(', ')}`);
  const sim = new PeiSimulator({ path: link, units, talkgroup, profile, log: (l) => console.log(`[sim] ${l}`) });
  // Like the real terminals: reports in the short form where the gateway allows it.
  if (profile !== 'generic') sim.cmgsReply = 'short';
  sim.on('command', (line) => console.log(`<- ${line}`));
  sim.on('cmgs', (c) => console.log(`<- SDS to ${c.to}: ${JSON.stringify(c.decoded)}`));
  await sim.start();
  console.log(`gateway: open ${link} (115200 8N1); units ${units.map((u) => u.issi).join(', ')}; talkgroup ${talkgroup}; answering as ${profile}`);
  if (PROFILE_REFUSES[profile].length) console.log(`refuses (name in optionalCommands): ${PROFILE_REFUSES[profile].join(', ')}`);
  console.log(HELP);

  const report = (err: unknown): void => console.log(`! ${err instanceof Error ? err.message : String(err)}`);
  const walk = setInterval(() => {
    for (const u of sim.units.values()) {
      const lat = u.lat + (Math.random() - 0.5) * 0.0004;
      const lon = u.lon + (Math.random() - 0.5) * 0.0006;
      sim.sendPosition(u.issi, { lat, lon, speedKmh: 4 + Math.random() * 2, headingDeg: Math.random() * 360 }).catch(report);
    }
  }, intervalMs);

  const rl = createInterface({ input: process.stdin });
  const done = new Promise<void>((resolve) => {
    const quit = (): void => {
      clearInterval(walk);
      rl.close();
      sim.stop().then(resolve, resolve);
    };
    process.once('SIGINT', quit);
    rl.on('line', (input) => {
      const [cmd = '', a = '', ...rest] = input.trim().split(/\s+/);
      if (cmd === 'quit') return quit();
      command(sim, cmd, a, rest).catch(report);
    });
  });
  await done;
}

async function command(sim: PeiSimulator, cmd: string, a: string, rest: string[]): Promise<void> {
  const issi = Number(a);
  const unit = sim.units.get(issi);
  switch (cmd) {
    case 'pos':
    case 'emergency':
      if (!unit) throw new Error(`no unit ${a}`);
      return sim.sendPosition(issi, { lat: unit.lat, lon: unit.lon, reason: cmd === 'emergency' ? 2 : 129 });
    case 'status':
      return sim.sendStatus(issi, Number(rest[0]));
    case 'text':
      await sim.sendText(issi, rest.join(' '));
      return;
    case 'concat': {
      const text = rest.join(' ');
      const parts = Math.ceil(text.length / 40);
      // Last part first: the gateway must still journal one text, in order.
      await sim.sendConcatText(issi, text, { partChars: 40, order: Array.from({ length: parts }, (_, i) => parts - i) });
      return;
    }
    case 'ptt':
      return sim.startPtt(issi);
    case 'unptt':
      return sim.stopPtt(issi);
    case 'fault':
      if (!FAULTS.includes(a as PeiFault)) throw new Error(`unknown fault ${a}`);
      return sim.setFault(a as PeiFault, rest[0] !== 'off');
    case 'vanish':
      return sim.vanish();
    case 'restore':
      return sim.restore();
    case 'reply':
      if (!['delivered', 'failed', 'none', 'short', 'consumed'].includes(a)) throw new Error(`unknown reply ${a}`);
      sim.cmgsReply = a as typeof sim.cmgsReply;
      return;
    case 'cme':
      sim.outcomes.set(issi, { cme: Number(rest[0] ?? 37) });
      return;
    default:
      console.log(HELP);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runPeiSimCli(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
