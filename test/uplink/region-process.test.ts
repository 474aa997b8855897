import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../config/root';
import { REGION_MAIN, START_ENV } from '../../gateway/build';
import { eventually } from '../helpers/gateway';
import { groupMembers, killGroup } from '../helpers/process-group';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto';
import { startPostgres, type PostgresServer } from '../helpers/postgres';
import { BROKER_USERS, REGION_PASSWORD, REGION_USER } from './harness';

/**
 * `npm run region` runs the built bundle (gateway/dist/region.mjs, built by the test setup as by
 * `preregion`) as one node process: a SIGTERM to it, or to the npm in front of it, stops the
 * service and leaves nothing behind (no tsx loader, no shell, no orphaned node).
 */

let pgServer: PostgresServer;
let broker: MosquittoBroker;

beforeAll(async () => {
  [pgServer, broker] = await Promise.all([startPostgres(), startMosquitto({ users: BROKER_USERS })]);
}, 60_000);

afterAll(async () => {
  await broker?.dispose();
  await pgServer?.stop();
});

function regionEnv(instance: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...START_ENV, TW_LOG_LEVEL: 'warn' };
  for (const k of Object.keys(env)) if (k.startsWith('TW_REGION_')) delete env[k];
  return {
    ...env,
    TW_REGION_INSTANCE: instance,
    TW_REGION_MQTT_URL: broker.url,
    TW_REGION_MQTT_USERNAME: REGION_USER,
    TW_REGION_MQTT_PASSWORD: REGION_PASSWORD,
    TW_REGION_PG_URL: pgServer.url,
    TW_REGION_HTTP_PORT: '0',
  };
}

interface Started {
  child: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
}

/** Starts `cmd` as the leader of a new process group, so the test can see whatever it leaves. */
async function startService(cmd: string, args: string[], instance: string): Promise<Started> {
  const child = spawn(cmd, args, { cwd: PROJECT_ROOT, env: regionEnv(instance), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await eventually(
      () => (/Townwatch region \S+: api http/.test(out) ? true : child.exitCode !== null ? Promise.reject(new Error('exited')) : undefined),
      60_000,
      'the region to start',
    );
  } catch (err) {
    killGroup(child.pid!);
    throw new Error(`the regional service did not start (${(err as Error).message}): ${out}`);
  }
  return { child, exited, output: () => out };
}

describe('npm run region', () => {
  it('is the built bundle run by node, built first, like npm start', () => {
    const scripts = (JSON.parse(readFileSync(`${PROJECT_ROOT}/package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.region).toMatch(/(^|\s)node\s.*gateway\/dist\/region\.mjs$/);
    expect(scripts.region).not.toMatch(/tsx/);
    expect(scripts.preregion).toMatch(/gateway\/build\.ts/);
    expect(REGION_MAIN.endsWith('gateway/dist/region.mjs')).toBe(true);
    expect(existsSync(REGION_MAIN), 'the test setup builds it').toBe(true);
  });

  it('runs as a single process that SIGTERM stops with nothing left behind', async () => {
    const svc = await startService(process.execPath, [REGION_MAIN], 'bundle-1');
    const pid = svc.child.pid!;
    try {
      expect(groupMembers(pid), 'one process: the node running the bundle').toEqual([`${pid} ${process.execPath} ${REGION_MAIN}`]);
      svc.child.kill('SIGTERM');
      expect(await Promise.race([svc.exited, new Promise((r) => setTimeout(() => r('still running'), 15_000))])).toBe(0);
      expect(groupMembers(pid)).toEqual([]);
    } finally {
      killGroup(pid);
    }
  }, 90_000);

  it('stops when the npm in front of it gets SIGTERM, leaving no npm, shell or node behind', async () => {
    const svc = await startService('npm', ['run', '--silent', 'region'], 'bundle-2');
    const pgid = svc.child.pid!;
    try {
      const members = groupMembers(pgid);
      expect(
        members.some((m) => m.includes('gateway/dist/region.mjs')),
        members.join('\n'),
      ).toBe(true);
      expect(
        members.some((m) => /tsx/.test(m)),
        members.join('\n'),
      ).toBe(false);
      svc.child.kill('SIGTERM');
      await svc.exited;
      await eventually(() => groupMembers(pgid).length === 0, 15_000, 'every process of `npm run region` to exit').catch(() => {
        throw new Error(`left running:\n${groupMembers(pgid).join('\n')}`);
      });
    } finally {
      killGroup(pgid);
    }
  }, 120_000);

  it('keeps its subcommands: hash-token and retire', () => {
    const hash = spawnSync(process.execPath, [REGION_MAIN, 'hash-token', 'analyst'], {
      cwd: PROJECT_ROOT,
      env: regionEnv('x'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(hash.status, hash.stderr).toBe(0);
    expect(hash.stdout).toMatch(/Bearer analyst:\S+/);
    expect(hash.stdout).toMatch(/TW_REGION_TOKENS='analyst=scrypt\$[^']+'/);
    // The instance the first test stopped without retiring: its session is ended for good.
    const retire = spawnSync(process.execPath, [REGION_MAIN, 'retire', 'bundle-1'], {
      cwd: PROJECT_ROOT,
      env: regionEnv('x'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(retire.status, retire.stderr).toBe(0);
    expect(retire.stdout).toMatch(/Townwatch region bundle-1: retired/);
    const bad = spawnSync(process.execPath, [REGION_MAIN, 'frobnicate'], { cwd: PROJECT_ROOT, env: regionEnv('x'), encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown command "frobnicate"/);
  }, 120_000);
});
