import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { checkProductionSafety, loadConfig } from '../../config/load';
import { hashPassword, verifyPassword } from '../../gateway/auth/password';
import { FAKE_HASH, minimalDoc, tempDir } from '../config/helpers';
import { ROOT } from '../helpers/gateway';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** A production site whose listeners are on loopback and whose accounts have strong passwords. */
function prodDoc() {
  const doc = minimalDoc() as ReturnType<typeof minimalDoc> & { gateway: Record<string, unknown>; uplink?: Record<string, unknown> };
  doc.site.mode = 'production';
  doc.gateway = { http: { host: '127.0.0.1' }, mqtt: { host: '127.0.0.1' } };
  return doc;
}

const problemsOf = (doc: unknown) => checkProductionSafety(loadConfig(tmp.write(doc), {}), verifyPassword);

describe('production refuses weak passwords by checking them, not by comparing hash strings', () => {
  it('refuses "<username>-demo" hashed again with a new salt', async () => {
    const doc = prodDoc();
    doc.accounts[0]!.passwordHash = await hashPassword('controller-demo');
    expect(await problemsOf(doc)).toEqual([
      'accounts.0.passwordHash: account "controller": its password is the demo rule "<username>-demo"; change it before production',
    ]);
  });

  it('refuses well-known weak passwords and API tokens, naming the account', async () => {
    const doc = prodDoc();
    doc.accounts[1]!.passwordHash = await hashPassword('changeme');
    doc.accounts[2]!.passwordHash = await hashPassword('shop-a');
    doc.accounts[0]!.apiTokenHash = await hashPassword('townwatch');
    expect(await problemsOf(doc)).toEqual([
      'accounts.0.apiTokenHash: account "controller": its API token is a well-known weak password ("townwatch"); change it before production',
      'accounts.1.passwordHash: account "radio-3001": its password is a well-known weak password ("changeme"); change it before production',
      'accounts.2.passwordHash: account "shop-a": its password is the username itself; change it before production',
    ]);
  });

  it('accepts a strong password', async () => {
    const doc = prodDoc();
    doc.accounts[0]!.passwordHash = await hashPassword('Vn7-quartz-lantern-41');
    expect(await problemsOf(doc)).toEqual([]);
  });
});

describe('production refuses clear text off the machine', () => {
  it('refuses the console on plain HTTP off loopback, but not with TLS', async () => {
    const doc = prodDoc();
    doc.gateway.http = { host: '0.0.0.0' };
    expect(await problemsOf(doc)).toEqual([expect.stringMatching(/^gateway\.http\.host: the console would be plain HTTP on 0\.0\.0\.0 .*gateway\.tls/)]);
    doc.gateway.tls = 'auto';
    expect(await problemsOf(doc)).toEqual([]);
  });

  it('refuses the plain MQTT listener off loopback, even with TLS (devices use the TLS listener)', async () => {
    const doc = prodDoc();
    doc.gateway.mqtt = { host: '0.0.0.0' };
    doc.gateway.tls = { cert: 'c.pem', key: 'k.pem' };
    expect(await problemsOf(doc)).toEqual([expect.stringMatching(/^gateway\.mqtt\.host: plain MQTT on 0\.0\.0\.0 .*127\.0\.0\.1.*port 8883/)]);
  });

  it('refuses an uplink over mqtt:// or ws://, not mqtts:// or wss://', async () => {
    const doc = prodDoc();
    for (const [url, refused] of [
      ['mqtt://region.example:1883', true],
      ['ws://region.example/mqtt', true],
      ['mqtts://region.example:8883', false],
      ['wss://region.example/mqtt', false],
    ] as const) {
      doc.uplink = { enabled: true, url };
      const problems = await problemsOf(doc);
      if (refused) expect(problems, url).toEqual([expect.stringMatching(/^uplink\.url: the uplink to (mqtt|ws):\/\/ is not encrypted/)]);
      else expect(problems, url).toEqual([]);
    }
  });

  it('does not apply in demo mode', async () => {
    const doc = prodDoc();
    doc.site.mode = 'demo';
    doc.gateway = {};
    doc.accounts[0]!.passwordHash = await hashPassword('controller-demo');
    expect(await problemsOf(doc)).toEqual([]);
  });
});

describe('the gateway', () => {
  it('refuses to start in production with a rehashed demo password, naming the account', async () => {
    const doc = prodDoc();
    doc.gateway = {
      ...doc.gateway,
      http: { host: '127.0.0.1', port: 0 },
      mqtt: { host: '127.0.0.1', port: 0 },
      journal: { path: join(tmp.dir, 'j.db') },
      dataDir: tmp.dir,
    };
    doc.accounts[0]!.passwordHash = await hashPassword('controller-demo');
    doc.accounts[1]!.passwordHash = FAKE_HASH;
    const file = tmp.write(YAML.stringify(doc));
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'gateway/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, TOWNWATCH_CONFIG: file, TW_NO_SIM: '1', TW_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // A gateway that does start (the bug) must not outlive the test.
    const deadline = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve)).finally(() => clearTimeout(deadline));
    expect(out).not.toContain('Townwatch is running');
    expect(code).toBe(1);
    expect(out).toContain('townwatch: refusing to start in production:');
    expect(out).toContain('accounts.0.passwordHash: account "controller": its password is the demo rule "<username>-demo"');
  }, 30_000);
});
