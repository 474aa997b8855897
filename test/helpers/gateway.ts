import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import pino from 'pino';
import YAML from 'yaml';
import { defaultConfigPath, parseConfigValue } from '../../config/load';
import type { Config } from '../../config/schema';
import { Gateway, type GatewayOptions } from '../../gateway/app';
import { GATEWAY_MAIN, START_ENV } from '../../gateway/build';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The demo town's config with free ports and the journal in a fresh temporary directory. */
export function testConfig(overrides: (doc: Record<string, unknown>) => void = () => {}): { config: Config; dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tw-test-'));
  const doc = YAML.parse(readFileSync(defaultConfigPath, 'utf8')) as Record<string, unknown>;
  doc.gateway = {
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { host: '127.0.0.1', port: 0, maxPacketSize: 65536 },
    journal: { path: join(dir, 'journal.db'), synchronous: 'full', maxBatch: 2000 },
    dataDir: dir,
    unitLostContactSeconds: 120,
  };
  // No control station unless a test brings its own PTY: the demo's path is shared.
  (doc.radio as Record<string, unknown>).controlStations = [];
  for (const dock of doc.docks as Array<Record<string, unknown>>) delete dock.serialPath;
  // The demo's own emergencies, reports and sightings only where a test asks for them.
  delete doc.demo;
  overrides(doc);
  const file = join(dir, 'config.yaml');
  writeFileSync(file, YAML.stringify(doc));
  // Parsed on first use, so a test can also write a deliberately broken config.
  return {
    get config() {
      return parseConfigValue(doc);
    },
    dir,
    file,
  };
}

export async function startGateway(config: Config, opts: Partial<GatewayOptions> = {}): Promise<Gateway> {
  const gw = new Gateway(config, { log: pino({ level: 'silent' }), ...opts });
  await gw.start();
  return gw;
}

/** The payloads of every journaled event of a type, oldest first. */
export const journaled = (gw: Gateway, type: string): Array<Record<string, unknown>> =>
  gw.journal.database
    .prepare('SELECT payload FROM events WHERE type = ? ORDER BY seq')
    .all(type)
    .map((r) => JSON.parse((r as { payload: string }).payload) as Record<string, unknown>);

/** Demo accounts' passwords follow one rule; see config/demo-town.yaml. */
export const demoPassword = (username: string) => `${username}-demo`;

export async function connectMqtt(port: number, username: string | null, extra: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
    reconnectPeriod: 0,
    connectTimeout: 5000,
    // Client ids belong to accounts (gateway/broker/client-ids.ts): `<username>-…` is the account's own.
    ...(username ? { username, password: demoPassword(username), clientId: `${username}-${Math.random().toString(36).slice(2, 10)}` } : {}),
    ...extra,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
  return client;
}

/** Polls until `check` returns a value (not undefined/false) or the time runs out. */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** CSRF token of each session cookie `login()` returned: state-changing requests must send it. */
const csrfTokens = new Map<string, string>();

/** Logs in; returns the session cookie (`tw_session=…`). Its CSRF token: `csrfOf(cookie)` / `withCsrf(cookie)`. */
export async function login(httpPort: number, username: string, password = demoPassword(username)): Promise<string> {
  return (await loginSession(httpPort, username, password)).cookie;
}

export async function loginSession(httpPort: number, username: string, password = demoPassword(username)): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status}`);
  const setCookie = res.headers.get('set-cookie');
  if (!setCookie) throw new Error('no session cookie');
  const body = (await res.json()) as { data: { csrfToken: string } };
  const cookie = setCookie.split(';')[0]!;
  csrfTokens.set(cookie, body.data.csrfToken);
  return { cookie, csrf: body.data.csrfToken };
}

export function csrfOf(cookie: string): string {
  const token = csrfTokens.get(cookie);
  if (!token) throw new Error('no CSRF token for this cookie: log in with login()');
  return token;
}

/** Headers for a request as the logged-in browser sends it: the cookie and its CSRF token. */
export function withCsrf(cookie: string): { cookie: string; 'x-csrf-token': string } {
  return { cookie, 'x-csrf-token': csrfOf(cookie) };
}

export interface ChildGateway {
  child: ChildProcess;
  httpPort: number;
  mqttPort: number;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Runs the gateway's entry point as a child process on a config file:
 * from source through tsx, or with `built` the bundle `npm start` runs (gateway/dist, which
 * the test setup and the benchmarks build first); `simulators` runs the demo's devices too, as
 * `npm start` does. `TW_GATEWAY_NODE_ARGS` adds node flags
 * NODE_OPTIONS refuses, e.g. `--cpu-prof` to profile a bench.
 */
export async function spawnGateway(
  configFile: string,
  opts: { built?: boolean; simulators?: boolean; env?: NodeJS.ProcessEnv; startTimeoutMs?: number } = {},
): Promise<ChildGateway> {
  const extra = process.env.TW_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const entry = opts.built ? [GATEWAY_MAIN] : ['--import', 'tsx', join(ROOT, 'gateway/main.ts')];
  if (opts.built && !existsSync(GATEWAY_MAIN)) throw new Error(`${GATEWAY_MAIN} is missing: npm run build`);
  const child = spawn(process.execPath, [...extra, ...entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...(opts.built ? START_ENV : {}),
      TOWNWATCH_CONFIG: configFile,
      TW_NO_SIM: opts.simulators ? '0' : '1',
      TW_LOG_LEVEL: 'warn',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ports = await eventually(
    () => {
      const http = /console +http:\/\/localhost:(\d+)/.exec(out);
      const mq = /mqtt +mqtt:\/\/localhost:(\d+)/.exec(out);
      return http && mq
        ? { httpPort: Number(http[1]), mqttPort: Number(mq[1]) }
        : child.exitCode !== null
          ? Promise.reject(new Error(`gateway exited: ${out}`))
          : undefined;
    },
    opts.startTimeoutMs ?? 60_000,
    'child gateway to start',
  );
  return { child, ...ports, output: () => out, exited };
}
