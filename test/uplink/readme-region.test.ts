import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../config/root';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto';
import { freePort } from '../helpers/net';
import { startPostgres, type PostgresServer } from '../helpers/postgres';

/**
 * The README's "Step by step on one machine" for the region, run as written: the `sh` block of
 * its "Region" section, line by line, against real Mosquitto (dynamic security, TLS) and
 * PostgreSQL. Only the `<…>` placeholders are replaced, and only with what the README says they
 * are; the environment variables set are the ones the README names (add-site.sh's). Where the
 * README says to restart mosquitto, the broker is started on the file `init` wrote.
 */

const ADMIN_PASSWORD = 'admin-secret-5772';
const NEW_PASSWORD = 'account-secret-1414';

let pgServer: PostgresServer;
let broker: MosquittoBroker | null = null;
let dir: string;
let region: ChildProcess | null = null;

beforeAll(async () => {
  pgServer = await startPostgres();
  dir = mkdtempSync(join(tmpdir(), 'tw-readme-region-'));
}, 60_000);

afterAll(async () => {
  if (region?.pid) {
    try {
      process.kill(-region.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  await broker?.dispose();
  await pgServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The commands of the README's region walkthrough (the `sh` fence of the "Region" section). */
function readmeCommands(): string[] {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Region');
  const end = readme.indexOf('\n## ', start + 1);
  expect(start, 'README has a "## Region" section').toBeGreaterThan(0);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks, 'one sh block in the Region section').toHaveLength(1);
  return blocks[0]!.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}

function placeholders(line: string): string[] {
  return [...line.matchAll(/<[^<>]+>/g)].map((m) => m[0]);
}

describe('the README region walkthrough', () => {
  it('works as written against real Mosquitto and PostgreSQL', async () => {
    const lines = readmeCommands();
    const dynsecFile = join(dir, 'dynamic-security.json');
    const apiPort = await freePort();
    // What the README tells the reader to supply; hash-token's output is filled in once printed.
    const values = new Map<string, string>([
      ['<region password>', NEW_PASSWORD],
      ['<postgres url>', pgServer.url],
      ['<api port, e.g. 8090>', String(apiPort)],
    ]);
    let env: NodeJS.ProcessEnv = { ...process.env, TW_LOG_LEVEL: 'warn', MOSQ_ADMIN_PASSWORD: ADMIN_PASSWORD, NEW_PASSWORD, DYNSEC_FILE: dynsecFile };
    for (const k of Object.keys(env)) if (k.startsWith('TW_REGION_')) delete env[k];
    const outputs: string[] = [];

    for (const raw of lines) {
      const unknown = placeholders(raw).filter((p) => !values.has(p));
      expect(unknown, `placeholders in "${raw}" that the test cannot fill`).toEqual([]);
      let line = raw;
      for (const [k, v] of values) line = line.split(k).join(v);

      if (/&\s*(#.*)?$/.test(line)) {
        // Left running in the background, as the README does; its process group is stopped at the end.
        region = spawn('bash', ['-c', line.replace(/&\s*(#.*)?$/, '')], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
        let out = '';
        region.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        region.stderr!.on('data', (d: Buffer) => (out += d.toString()));
        outputs.push(`[${line}] (background)`);
        region.once('exit', (code) => outputs.push(`[background exited ${code}] ${out}`));
        continue;
      }
      if (/^export /.test(line)) {
        const r = spawnSync('bash', ['-c', `${line} && env -0`], { cwd: PROJECT_ROOT, env, encoding: 'utf8' });
        expect(r.status, `${line}\n${r.stderr}`).toBe(0);
        env = Object.fromEntries(
          r.stdout
            .split('\0')
            .filter(Boolean)
            .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
        );
        continue;
      }
      const r = spawnSync('bash', ['-c', line], { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 120_000 });
      outputs.push(`[${line}] ${r.stdout}${r.stderr}`);
      expect(r.status, `"${line}" failed:\n${outputs.join('\n')}`).toBe(0);

      if (line.includes('add-site.sh init')) {
        // "then restart mosquitto": the broker, TLS as recommended, on the file init wrote.
        broker = await startMosquitto({ tls: true, dynsecFile });
        env = { ...env, MOSQ_HOST: '127.0.0.1', MOSQ_PORT: String(broker.port), MOSQ_CAFILE: broker.caFile! };
        values.set('<broker url, e.g. mqtts://localhost:8883>', broker.url);
        values.set('<broker CA file>', broker.caFile!);
      }
      if (line.includes('hash-token')) {
        values.set('<token hash-token printed>', /Bearer analyst:(\S+)/.exec(r.stdout)![1]!);
        values.set('<the TW_REGION_TOKENS value hash-token printed>', /TW_REGION_TOKENS='([^']+)'/.exec(r.stdout)![1]!);
      }
      if (line.includes('/readyz')) expect(JSON.parse(r.stdout)).toMatchObject({ ready: true });
      if (line.includes('/api/sites')) expect(JSON.parse(r.stdout)).toEqual({ data: [] });
    }
    expect(region, 'the README starts the region').not.toBeNull();

    // What the walkthrough set up holds: the site's account may not join the region's group.
    const site = await mqtt.connectAsync(broker!.url, {
      username: 'north-town',
      password: NEW_PASSWORD,
      ca: readFileSync(broker!.caFile!),
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    try {
      await expect(site.subscribeAsync('$share/region/tw/v1/region/+/events', { qos: 1 })).rejects.toThrow(/Not authorized/);
    } finally {
      await site.endAsync(true);
    }
  }, 240_000);
});
