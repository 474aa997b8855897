import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/gateway';
import { pathWithout } from '../helpers/path';

const SCRIPT = join(ROOT, 'config/system-deps.sh');

/** Runs the script as a user who cannot install (nobody), on a PATH without socat. */
function runWithoutSocat(purpose: string) {
  return spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', 'bash', SCRIPT, purpose], {
    env: { PATH: pathWithout(['socat']), HOME: '/nonexistent' },
    encoding: 'utf8',
  });
}

describe('config/system-deps.sh (npm test’s pretest, npm start’s prestart)', () => {
  it('stops the tests at once with one line naming the exact install command when it cannot install', () => {
    const r = runWithoutSocat('test');
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/install them with: sudo apt-get install -y socat$/);
  });

  it('lets the demo start anyway, saying which package turns the simulators on', () => {
    const r = runWithoutSocat('demo');
    expect(r.status).toBe(0);
    expect(r.stderr.trim()).toBe('system-deps: some demo simulators will be off; turn them on with: sudo apt-get install -y socat');
  });

  it('passes on this machine, which has every package', () => {
    const r = spawnSync('bash', [SCRIPT, 'test'], { encoding: 'utf8', env: { ...process.env, TW_SYSTEM_DEPS_INSTALL: '0' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/all present for test/);
  });

  it('is what npm test and npm start run first', async () => {
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { scripts: Record<string, string> };
    expect(pkg.scripts.pretest).toBe('bash config/system-deps.sh test');
    expect(pkg.scripts.prestart).toMatch(/^bash config\/system-deps\.sh demo && /);
  });
});
