/**
 * The systems under test, each its own process on loopback ports: Townwatch (the real gateway,
 * `npm start`'s entry point on a demo-town config with a durable journal on disk), bare aedes,
 * and Mosquitto (Debian's package, with a temporary config).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { defaultConfigPath, loadConfig } from '../../config/load';
import type { Config } from '../../config/schema';
import { verifyJournal, type VerifyResult } from '../../gateway/journal/verify';
import { demoPassword, eventually, spawnGateway, testConfig } from '../helpers/gateway';
import { binary } from '../helpers/mosquitto';
import { accepts, freePort } from '../helpers/net';

export type SystemName = 'townwatch' | 'aedes' | 'mosquitto';
export const SYSTEMS: readonly SystemName[] = ['townwatch', 'aedes', 'mosquitto'];

export interface System {
  name: SystemName;
  pid: number;
  mqttPort: number;
  /** Townwatch only: the console's HTTP port and the config it runs. */
  httpPort?: number;
  config?: Config;
  /** Credentials for an MQTT client that may subscribe to every handset's topics. */
  observer: { username?: string; password?: string };
  /** The process ended on its own (a crash): set as soon as it happens. */
  readonly crashed: () => boolean;
  stop(): Promise<void>;
  /** Townwatch only, once stopped: its journal's hash chain checked end to end (`journal verify`). */
  journalCheck?: () => VerifyResult | null;
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 8000);
  await exited;
  clearTimeout(killer);
}

const exitOf = (child: ChildProcess) => new Promise<void>((resolve) => child.once('exit', () => resolve()));

/** True once the child has exited without being asked to. */
function crashWatch(child: ChildProcess): { crashed: () => boolean; stopping: () => void } {
  let stopping = false;
  let crashed = false;
  child.once('exit', () => (crashed = !stopping));
  return { crashed: () => crashed, stopping: () => (stopping = true) };
}

/**
 * The ISSIs the fleet's handsets take beyond the configured units': the demo town's control
 * station speaks for 2001–8999, too few for 10,000 handsets, so on the benches it speaks for
 * this range (the peers' handsets take the same ISSIs).
 */
const FLEET_ISSI_RANGE: [number, number] = [2001, 29_999];

export interface TownwatchOptions {
  /** V8 settings for the gateway process, e.g. a smaller young generation. */
  nodeOptions?: string;
  /** Runs before the gateway starts, e.g. to fill its journal (at `config.gateway.journal.path`) with history. */
  prepare?: (config: Config) => void | Promise<void>;
  /** How long the gateway may take to start (a long journal is replayed into its projections first). */
  startTimeoutMs?: number;
}

export async function startTownwatch(opts: TownwatchOptions = {}): Promise<System> {
  // The whole fleet connects from this one address; the per-address connection limit is for
  // floods, and a benchmark measuring connections must not measure it.
  const t = testConfig((doc) => {
    (doc.gateway as Record<string, unknown>).limits = { connect: { perSecond: 1_000_000, burst: 1_000_000 } };
    const station = (doc.accounts as Array<Record<string, unknown>>).find((a) => a.role === 'control-station')!;
    station.issiRanges = [FLEET_ISSI_RANGE];
  });
  await opts.prepare?.(t.config);
  const { nodeOptions } = opts;
  // spawnGateway passes our environment on, synchronously, before its first await.
  const saved = process.env.NODE_OPTIONS;
  if (nodeOptions) process.env.NODE_OPTIONS = nodeOptions;
  const starting = spawnGateway(t.file, { built: true, ...(opts.startTimeoutMs ? { startTimeoutMs: opts.startTimeoutMs } : {}) });
  if (saved === undefined) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = saved;
  const gw = await starting;
  const watch = crashWatch(gw.child);
  let check: VerifyResult | null = null;
  return {
    name: 'townwatch',
    pid: gw.child.pid!,
    mqttPort: gw.mqttPort,
    httpPort: gw.httpPort,
    config: t.config,
    observer: { username: 'service', password: demoPassword('service') },
    crashed: watch.crashed,
    async stop() {
      watch.stopping();
      await stopChild(gw.child, gw.exited);
      try {
        const db = new Database(t.config.gateway.journal.path, { readonly: true, fileMustExist: true });
        try {
          check = verifyJournal(db);
        } finally {
          db.close();
        }
      } finally {
        rmSync(t.dir, { recursive: true, force: true });
      }
    },
    journalCheck: () => check,
  };
}

async function bareAedes(): Promise<System> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'bare-aedes.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = exitOf(child);
  const watch = crashWatch(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const port = await eventually(() => Number(/listening (\d+)/.exec(out)?.[1]) || undefined, 20_000, 'bare aedes to listen');
  return {
    name: 'aedes',
    pid: child.pid!,
    mqttPort: port,
    observer: {},
    crashed: watch.crashed,
    stop: () => {
      watch.stopping();
      return stopChild(child, exited);
    },
  };
}

async function mosquitto(): Promise<System> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-mosq-'));
  const port = await freePort();
  // Unlimited in-flight and queued messages, as aedes has: otherwise a fast publisher and one
  // subscriber measure Mosquitto's default flow-control limits (20 in flight, 1,000 queued).
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'log_dest none',
      'max_inflight_messages 0',
      'max_queued_messages 0',
      'set_tcp_nodelay true',
      '',
    ].join('\n'),
  );
  const child = spawn(binary('mosquitto'), ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = exitOf(child);
  const watch = crashWatch(child);
  await eventually(() => accepts(port), 10_000, 'mosquitto to listen');
  return {
    name: 'mosquitto',
    pid: child.pid!,
    mqttPort: port,
    observer: {},
    crashed: watch.crashed,
    async stop() {
      watch.stopping();
      await stopChild(child, exited);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `nodeOptions` (Townwatch only): V8 settings for the gateway process, e.g. a smaller young generation. */
export function startSystem(name: SystemName, nodeOptions?: string): Promise<System> {
  return name === 'townwatch' ? startTownwatch(nodeOptions ? { nodeOptions } : {}) : name === 'aedes' ? bareAedes() : mosquitto();
}

export interface FleetClient {
  clientId: string;
  issi: number;
  username?: string;
  password?: string;
  /** A configured unit's own handset: it may raise emergencies. */
  unit: boolean;
}

/**
 * N handsets. On Townwatch the ten configured units log in with their own accounts and the rest
 * through the radio IP gateway's control-station account (as simulators/radio/fleet.ts does),
 * with ISSIs from its range that no unit uses. The peers take the same client ids and topics.
 */
export function fleetClients(system: System, n: number): FleetClient[] {
  const config = system.config ?? loadConfig(defaultConfigPath);
  const units = config.units.map((u) => u.issi);
  const gateway = config.accounts.find((a) => a.role === 'control-station')!;
  const [from, to] = system.config ? gateway.issiRanges![0]! : FLEET_ISSI_RANGE;
  const used = new Set(units);
  const out: FleetClient[] = [];
  for (let issi = from, i = 0; out.length < n; i++) {
    const unit = i < units.length;
    const id = unit ? units[i]! : issi++;
    if (!unit && used.has(id)) continue;
    if (id > to) throw new Error(`the control-station range ${from}-${to} is too small for ${n} handsets`);
    const username = unit ? `radio-${id}` : gateway.username;
    out.push({
      clientId: `handset-${id}`,
      issi: id,
      unit,
      ...(system.name === 'townwatch' ? { username, password: demoPassword(username) } : {}),
    });
  }
  return out;
}
