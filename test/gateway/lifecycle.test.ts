import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { GATEWAY_MAIN, START_ENV } from '../../gateway/build';
import { connectMqtt, ROOT, spawnGateway, testConfig } from '../helpers/gateway';

const run = promisify(execFile);

function startOnly(configFile: string): Promise<{ code: number; stderr: string }> {
  return run(process.execPath, [GATEWAY_MAIN], {
    cwd: ROOT,
    env: { ...process.env, TOWNWATCH_CONFIG: configFile, TW_NO_SIM: '1' },
    timeout: 20_000,
  }).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
  );
}

/** The process `npm start` runs: the bundle in gateway/dist (built by the test setup). */
describe('gateway process', () => {
  it('stops on SIGTERM within 5 s with exit code 0, with clients connected', async () => {
    const gw = await spawnGateway(testConfig().file, { built: true });
    const client = await connectMqtt(gw.mqttPort, 'radio-2001', { clientId: 'radio-2001-term' });
    client.on('error', () => undefined);
    // Acknowledged only once the bundled journal writer has committed it.
    await client.publishAsync('tw/v1/radio/2001/status', JSON.stringify({ value: 1 }), { qos: 1 });
    const started = Date.now();
    gw.child.kill('SIGTERM');
    const code = await gw.exited;
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    client.end(true);
  });

  it('is what npm start runs: the bundle, with the environment the tests and benches give it', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const env = Object.entries(START_ENV)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    // `exec`: npm's shell hands over to node, so a signal to npm reaches the gateway (demo-start.test.ts).
    expect(pkg.scripts.start).toBe(`exec env ${env} node --enable-source-maps gateway/dist/main.mjs`);
  });

  it('refuses a config error with exit 1, naming the path', async () => {
    const { file } = testConfig((doc) => {
      (doc.zones as Array<Record<string, unknown>>)[0]!.colour = 'red';
    });
    const r = await startOnly(file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^zones\.0\.colour: unknown key$/m);
  });

  it('refuses to start in production with a demo password', async () => {
    const { file } = testConfig((doc) => {
      (doc.site as Record<string, unknown>).mode = 'production';
    });
    const r = await startOnly(file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing to start in production/);
    expect(r.stderr).toMatch(/accounts\.\d+\.passwordHash: account "[^"]+" still has the demo town's password/);
  });

  it('reports an unreadable config file clearly', async () => {
    const { dir } = testConfig();
    const missing = join(dir, 'nope.yaml');
    writeFileSync(join(dir, 'placeholder'), '');
    const r = await startOnly(missing);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read config file/);
  });
});
