import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { STATEMENTS } from '../../../devices/dock/conformance/statements';
import { DockSimulator, fileSha256 } from '../../../simulators/dock/dock-sim';
import type { FaultName } from '../../../simulators/dock/faults';
import { openPtyPair, type PtyPair } from '../../../simulators/dock/pty';
import { ROOT } from '../../helpers/gateway';

const run = promisify(execFile);
/** The simulator's timers, scaled down, and the same told to the kit. */
// 600 ms leaves room for a loaded CI machine to deliver frames late (D12 allows 0.2× early).
const TIMING = { retransmitMs: 600, heartbeatMs: 1000, maxTries: 10 } as const;
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function simulatedDock(fault?: FaultName): Promise<{ pty: PtyPair; sim: DockSimulator; out: string }> {
  const out = await mkdtemp(join(tmpdir(), 'tw-conformance-'));
  const pty = await openPtyPair();
  cleanups.push(async () => {
    await pty.close();
    await rm(out, { recursive: true, force: true });
  });
  const sim = new DockSimulator({
    ...TIMING,
    path: pty.dockPath,
    cable: pty,
    dockId: 'dock-1',
    bays: 6,
    seed: 18,
    cameras: [
      {
        serial: 'BWC-0001',
        bay: 1,
        files: [
          { name: 'BWC-0001_0001.mp4', size: 30_000 },
          { name: 'BWC-0001_0002.mp4', size: 5_000 },
        ],
      },
      { serial: 'BWC-0002', bay: 2, files: [{ name: 'BWC-0002_0001.mp4', size: 7_000 }] },
    ],
  });
  if (fault) sim.setFault(fault, true);
  await sim.start();
  cleanups.push(() => sim.stop());
  return { pty, sim, out };
}

async function conformance(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = join(ROOT, 'devices/dock/conformance/cli.ts');
  return run(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: ROOT }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

const timingArgs = ['--retransmit-ms', String(TIMING.retransmitMs), '--heartbeat-ms', String(TIMING.heartbeatMs)];
const rows = (stdout: string): Map<string, string> =>
  new Map(STATEMENTS.map((s) => [s.id, new RegExp(`^${s.id}\\s+(PASS|FAIL|SKIP)`, 'm').exec(stdout)?.[1] ?? 'missing']));

describe('npm run dock:conformance against the independent simulator over a socat PTY', () => {
  it('passes every statement, erasing only the recording it saved first', { timeout: 60_000 }, async () => {
    const { pty, sim, out } = await simulatedDock();
    const res = await conformance(['--port', pty.gatewayPath, ...timingArgs, '--allow-erase', '--out', out]);
    expect(res.stdout).toContain(`${STATEMENTS.length} pass, 0 fail, 0 skipped`);
    expect([...rows(res.stdout).values()].every((v) => v === 'PASS')).toBe(true);
    expect(res.code).toBe(0);
    // The kit erased exactly one recording, and kept its bytes: the ones the camera recorded.
    expect([...sim.erased]).toEqual(['BWC-0001/BWC-0001_0001.mp4']);
    const saved = await readFile(join(out, `BWC-0001_${(1 << 16) | 1}_BWC-0001_0001.mp4`));
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(saved).digest('hex')).toBe(await fileSha256(18, 'BWC-0001', 'BWC-0001_0001.mp4', 30_000));
  });

  it('names the statement a broken dock breaks: bad-hash fails D16 offer-hash and exits 1', { timeout: 60_000 }, async () => {
    const { pty, sim } = await simulatedDock('bad-hash');
    const res = await conformance(['--port', pty.gatewayPath, ...timingArgs]);
    const verdicts = rows(res.stdout);
    expect(verdicts.get('D16 offer-hash')).toBe('FAIL');
    expect(res.stdout).toMatch(/^D16 offer-hash\s+FAIL\s+offered [0-9a-f]{16}…, bytes hash to [0-9a-f]{16}…$/m);
    // The link-layer statements still pass: the kit tells which promise is broken, not just "broken".
    for (const id of ['D1 hello-payload', 'D7 nak-damaged', 'D11 window', 'D12 retransmit', 'D14 data-chunks', 'D17 relink'] as const)
      expect(verdicts.get(id), id).toBe('PASS');
    expect(res.code).toBe(1);
    expect(sim.erased.size).toBe(0);
  });

  it('catches a dock that erases on FILE_DONE without waiting for ERASE_OK: erase-early fails D18 keep-until-erase', { timeout: 60_000 }, async () => {
    const { pty, sim } = await simulatedDock('erase-early');
    const res = await conformance(['--port', pty.gatewayPath, ...timingArgs]);
    const verdicts = rows(res.stdout);
    expect(verdicts.get('D18 keep-until-erase')).toBe('FAIL');
    expect(res.stdout).toMatch(/^D18 keep-until-erase\s+FAIL\s+the recording was not offered again after FILE_DONE without ERASE_OK$/m);
    expect(verdicts.get('D16 offer-hash')).toBe('PASS');
    expect(res.code).toBe(1);
    // The kit never sent ERASE_OK; the broken dock erased anyway.
    expect([...sim.erased]).toEqual(['BWC-0001/BWC-0001_0001.mp4']);
  });

  it('without --allow-erase never lets the dock erase, and says what it skipped', { timeout: 60_000 }, async () => {
    const { pty, sim } = await simulatedDock();
    const res = await conformance(['--port', pty.gatewayPath, ...timingArgs]);
    expect(rows(res.stdout).get('D19 erase-after-ok')).toBe('SKIP');
    expect(res.stdout).toContain(`${STATEMENTS.length - 1} pass, 0 fail, 1 skipped`);
    expect(res.code).toBe(0);
    expect(sim.erased.size).toBe(0);
  });

  it('fails every statement, saying why, when the port cannot be opened', { timeout: 20_000 }, async () => {
    const res = await conformance(['--port', '/nonexistent/ttyUSB9', '--hello-timeout-ms', '300']);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/^D1 hello-payload\s+FAIL\s+not reached \(no HELLO .*cannot open \/nonexistent\/ttyUSB9/m);
    expect(res.stdout).toContain(`0 pass, ${STATEMENTS.length} fail, 0 skipped`);
  });

  it('refuses to run without a port', async () => {
    const res = await conformance([]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('usage: npm run dock:conformance -- --port');
  });
});
