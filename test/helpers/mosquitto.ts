import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accepts, freePort } from './net';

/**
 * A real Mosquitto 2 broker (Debian's `mosquitto`) on a free loopback port, standing in for the
 * regional MQTT cluster. It can be stopped and started again on the same port, to play an
 * outage. With `users`, anonymous clients are refused and the passwords are hashed into a
 * password file by `mosquitto_passwd`, as a deployment would. With `tls`, it listens for
 * mqtts:// only, with a fresh self-signed certificate for 127.0.0.1 (`caFile` to trust it).
 */

export interface MosquittoBroker {
  port: number;
  url: string;
  /** With `tls`: the PEM file a client must trust. */
  caFile: string | null;
  /** Starts it again (same port, same config) after `stop()`. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops it for good and removes its files. */
  dispose(): Promise<void>;
}

const HELP = 'install the Debian package "mosquitto" (npm test installs it as root: config/system-deps.sh)';

/** The path of a Mosquitto program (`mosquitto`, `mosquitto_passwd`), or an error that says how to get it. */
export function binary(name: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(`${name} not found: ${HELP}`);
}

function selfSigned(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl could not make a test certificate (install the Debian package "openssl"): ${r.stderr}`);
  return { cert, key };
}

export interface MosquittoOptions {
  users?: Record<string, string>;
  tls?: boolean;
  /** Keep sessions and queued messages on disk across a restart, as a production broker does. */
  persistence?: boolean;
  /** An ACL file (Mosquitto `acl_file` syntax). */
  aclFile?: string;
  /**
   * A dynamic-security plugin file (gateway/region/broker-acl.ts): accounts and roles come from
   * it instead of `users`, as config/region/mosquitto.conf recommends.
   */
  dynsec?: object;
  /** As `dynsec`, a plugin file already written (by `mosquitto_ctrl dynsec init`), used in place. */
  dynsecFile?: string;
}

/** Where Debian (and others) install Mosquitto's dynamic-security plugin. */
export function dynsecPlugin(): string {
  for (const p of [
    '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so',
    '/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so',
    '/usr/lib/mosquitto_dynamic_security.so',
    '/usr/local/lib/mosquitto_dynamic_security.so',
  ]) {
    if (existsSync(p)) return p;
  }
  throw new Error(`mosquitto_dynamic_security.so not found: ${HELP}`);
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<MosquittoBroker> {
  const bin = binary('mosquitto');
  const dir = mkdtempSync(join(tmpdir(), 'tw-mosquitto-'));
  const port = await freePort();
  const tls = opts.tls ? selfSigned(dir) : null;
  const lines = [
    `listener ${port} 127.0.0.1`,
    ...(tls ? [`certfile ${tls.cert}`, `keyfile ${tls.key}`] : []),
    // Regional instances keep persistent sessions; while one is away its share waits here, unbounded.
    'max_queued_messages 0',
    ...(opts.persistence ? ['persistence true', `persistence_location ${dir}/`, 'autosave_interval 1'] : ['persistence false']),
    ...(opts.aclFile ? [`acl_file ${opts.aclFile}`] : []),
    'log_dest stderr',
    'log_type error',
    'log_type warning',
  ];
  // As root, mosquitto would switch to its own user, which cannot read our temporary files.
  if (process.getuid?.() === 0) lines.push('user root');
  if (opts.dynsec || opts.dynsecFile) {
    const file = opts.dynsecFile ?? join(dir, 'dynamic-security.json');
    if (!opts.dynsecFile) writeFileSync(file, JSON.stringify(opts.dynsec, null, 2));
    lines.push('allow_anonymous false', `plugin ${dynsecPlugin()}`, `plugin_opt_config_file ${file}`);
  } else if (opts.users) {
    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, '');
    for (const [user, password] of Object.entries(opts.users)) {
      const r = spawnSync(binary('mosquitto_passwd'), ['-b', passwd, user, password], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr}`);
    }
    lines.push('allow_anonymous false', `password_file ${passwd}`);
  } else {
    lines.push('allow_anonymous true');
  }
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `${lines.join('\n')}\n`);

  let child: ChildProcess | null = null;
  let out = '';
  const killOnExit = () => child?.kill('SIGKILL');
  process.on('exit', killOnExit);

  const start = async () => {
    const c = spawn(bin, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    c.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    const deadline = Date.now() + 10_000;
    while (!(await accepts(port))) {
      if (c.exitCode !== null) throw new Error(`mosquitto exited with ${c.exitCode}: ${out}`);
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port} within 10 s: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGTERM');
    await exited;
  };

  await start();
  return {
    port,
    url: `${tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    caFile: tls?.cert ?? null,
    start,
    stop,
    async dispose() {
      await stop();
      process.off('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
