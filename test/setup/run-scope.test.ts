import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/gateway';

function alive(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('the test run’s sweep (test/setup/run-scope.ts)', () => {
  it('kills what a test left running, however it was detached, and removes the run’s temporary folder', () => {
    // A run of its own, in a child: setup, a server-like process orphaned to init, teardown.
    const script = `
      import setup from './test/setup/run-scope.ts';
      import { execFileSync } from 'node:child_process';
      import { mkdtempSync, writeFileSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      import { join } from 'node:path';
      const teardown = setup();
      const folder = mkdtempSync(join(tmpdir(), 'tw-pg-'));
      writeFileSync(join(folder, 'postmaster.pid'), 'x');
      // Started through a shell that exits at once, as a crashed worker leaves its servers.
      const pid = Number(execFileSync('sh', ['-c', 'sleep 600 >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' }));
      await teardown();
      process.stdout.write(JSON.stringify({ pid, folder }));
    `;
    // Two shells above it carry the mark too, as npm and its script shell do under .ci/run:
    // the sweep must spare every ancestor, not only its parent.
    const inner = '"$0" --import tsx --input-type=module -e "$1"; status=$?; echo; exit $status';
    const r = spawnSync('sh', ['-c', 'sh -c "$2" "$0" "$1" && echo "the shells above the run survived"', process.execPath, script, inner], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, TW_TEST_RUN: `sweep-${process.pid}` },
    });
    expect(r.status, r.stderr).toBe(0);
    const [json, survived] = r.stdout.trim().split('\n');
    expect(survived).toBe('the shells above the run survived');
    const { pid, folder } = JSON.parse(json!) as { pid: number; folder: string };
    expect(r.stderr).toMatch(new RegExp(`killed 1 process\\(es\\)[^]*${pid} sleep 600`));
    expect(alive(pid)).toBe(false);
    expect(existsSync(folder)).toBe(false);
  });
});
