import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfigValue } from '../../config/load';
import type { Gateway } from '../../gateway/app';
import { eventually, ROOT, startGateway, testConfig } from '../helpers/gateway';

/**
 * A site keeps its uplink secrets out of the file (`password: ${TW_UPLINK_PASSWORD}`), set only
 * in the gateway's service environment. The commands an engineer runs by hand beside it
 * (`npm run sim`, `npm run journal -- verify`) do not read the uplink, so they must not need
 * that variable; a variable a command does need still fails it, in one line naming the variable
 * and the key.
 */

const UNSET = 'TW_TEST_LAZY_UNSET_PASSWORD';
delete process.env[UNSET];

const withUplinkSecret = (doc: Record<string, unknown>) => {
  doc.uplink = { enabled: true, url: 'mqtts://region.example:8883', username: 'town', password: `\${${UNSET}}` };
};

function run(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
}

describe('a section whose ${VAR} is unset', () => {
  const site = testConfig(withUplinkSecret);

  it('still stops the gateway, which reads every section, naming the variable and the key', () => {
    let err: unknown;
    try {
      loadConfig(site.file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toEqual([`uplink.password: environment variable ${UNSET} is not set`]);
  });

  it('waits, with lazyEnv, until a command reads it', () => {
    const config = loadConfig(site.file, process.env, { lazyEnv: true });
    expect(config.gateway.journal.path).toBe(join(site.dir, 'journal.db'));
    expect(config.site.id).toBe((YAML.parse(readFileSync(site.file, 'utf8')) as { site: { id: string } }).site.id);
    expect(() => config.uplink).toThrow(ConfigError);
    expect(() => config.uplink.url).toThrow(`uplink.password: environment variable ${UNSET} is not set`);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.zones)).toBe(true);
  });

  it('resolves as usual once the variable is set', () => {
    const config = loadConfig(site.file, { ...process.env, [UNSET]: 'secret-1' }, { lazyEnv: true });
    expect(config.uplink.password).toBe('secret-1');
  });

  it('cannot wait when the section is one a config must have', () => {
    const doc = YAML.parse(readFileSync(site.file, 'utf8')) as Record<string, Record<string, unknown>>;
    doc.site!.name = `\${${UNSET}}`;
    expect(() => parseConfigValue(doc, process.env, undefined, { lazyEnv: true })).toThrow(`site.name: environment variable ${UNSET} is not set`);
  });
});

describe('npm run journal -- verify and npm run sim, with the uplink secret unset', () => {
  const site = testConfig(withUplinkSecret);
  let gw: Gateway;

  beforeAll(async () => {
    gw = await startGateway(loadConfig(site.file, { ...process.env, [UNSET]: 'only-the-gateway-has-it' }));
    await gw.journal.append({
      source: 'mqtt:radio-2001',
      type: 'radio.position',
      subject: 'radio:2001',
      payload: { issi: 2001, lat: 52.95, lon: -1.15, fixTime: new Date().toISOString() },
    });
  }, 60_000);

  afterAll(async () => {
    await gw?.stop();
  });

  it('journal verify reads the journal', () => {
    const r = run([join(ROOT, 'gateway/cli/journal.ts'), 'verify'], { TOWNWATCH_CONFIG: site.file });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^ok \d+ events, head [0-9a-f]{64}\n$/);
    expect(r.status).toBe(0);
  }, 60_000);

  it('sim radio walks handsets against the running gateway', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'simulators/cli.ts'), 'radio', '--mqtt', `mqtt://127.0.0.1:${gw.broker.port}`, '--units', '2'],
      { cwd: ROOT, env: { ...process.env, TOWNWATCH_CONFIG: site.file }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await eventually(() => (out.includes('handsets walking') ? true : child.exitCode !== null ? Promise.reject(new Error(out)) : undefined), 60_000, 'sim');
    } finally {
      child.kill('SIGTERM');
    }
    await exited;
    expect(out).not.toMatch(/not set/);
  }, 90_000);

  it('a variable the command does need fails it in one line naming the variable and the key', () => {
    const broken = testConfig((doc) => {
      withUplinkSecret(doc);
      (doc.gateway as Record<string, Record<string, unknown>>).journal!.path = '${TW_TEST_LAZY_JOURNAL_DIR}/journal.db';
    });
    const r = run([join(ROOT, 'gateway/cli/journal.ts'), 'verify'], { TOWNWATCH_CONFIG: broken.file });
    expect(r.stderr).toBe(`journal: gateway.journal.path: environment variable TW_TEST_LAZY_JOURNAL_DIR is not set (config ${broken.file})\n`);
    expect(r.status).toBe(2);

    const sim = run([join(ROOT, 'simulators/cli.ts'), 'radio', '--units', '1'], {
      TOWNWATCH_CONFIG: testConfig((doc) => {
        withUplinkSecret(doc);
        (doc.site as Record<string, unknown>).name = '${TW_TEST_LAZY_SITE_NAME}';
      }).file,
    });
    expect(sim.stderr).toMatch(/^sim: site\.name: environment variable TW_TEST_LAZY_SITE_NAME is not set \(config \S+\)\n$/);
    expect(sim.status).toBe(1);
  }, 90_000);
});
