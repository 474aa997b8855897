import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDeathGuard, redactUrls, spawnTied, stopChild, TailBuffer, type DeathGuard } from '../../../devices/cctv/child';
import { eventually, ROOT } from '../../helpers/gateway';
import { alive } from './sim-helper';

describe('children tied to the process that started them', () => {
  it('uses setpriv --pdeathsig on this system', () => {
    expect(defaultDeathGuard()).toBe('pdeathsig');
  });

  for (const guard of ['pdeathsig', 'stdin-watchdog'] as DeathGuard[]) {
    it(`${guard}: the child dies when its parent is SIGKILLed`, async () => {
      const parent = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/devices/cctv/tied-parent.ts'), guard], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      parent.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const pid = await eventually(() => (/^(\d+)\n/.exec(out) ? Number(/^(\d+)\n/.exec(out)![1]) : undefined), 20_000, 'the tied child to start');
      expect(alive(pid)).toBe(true);
      parent.kill('SIGKILL');
      await eventually(() => !alive(pid), 10_000, `child ${pid} to die with its parent`);
    });

    it(`${guard}: signals reach the program itself, and its exit is ours to see`, async () => {
      const child = spawnTied('sleep', ['300'], { guard });
      await new Promise((r) => child.once('spawn', r));
      const pid = child.pid!;
      await stopChild(child, 2000);
      expect(child.signalCode ?? child.exitCode).toBe('SIGTERM');
      expect(alive(pid)).toBe(false);
    });
  }

  it('keeps the last meaningful stderr line, without credentials or the URL prefix', () => {
    const tail = new TailBuffer(64);
    tail.push('x'.repeat(200));
    tail.push('\nrtsp://admin:secret@10.0.0.9/stream1: Server returned 401 Unauthorized\nLast message repeated 2 times\n');
    expect(tail.lastLine('rtsp://admin:secret@10.0.0.9/stream1')).toBe('Server returned 401 Unauthorized');
    expect(redactUrls('open rtsp://admin:secret@10.0.0.9/s failed')).toBe('open rtsp://***@10.0.0.9/s failed');
  });
});
