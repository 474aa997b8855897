import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { DockLive } from '../../gateway/evidence/service';
import { DockSimulator, fileSha256 } from '../../simulators/dock/dock-sim';
import { startDockGatewayWithSim, until } from '../devices/dock/harness';
import { login, withCsrf } from '../helpers/gateway';

const SEED = 4;
const SIZE = 1_500_000;
let gw: Gateway;
let stop: (() => Promise<void>) | undefined;
let sim: DockSimulator;
let cookie: string;

beforeAll(async () => {
  ({ gw, sim, stop } = await startDockGatewayWithSim({
    seed: SEED,
    cameras: [{ serial: 'BWC-0003', bay: 4, files: [{ name: 'night-9.mp4', size: SIZE }], docked: false }],
  }));
  cookie = await login(gw.httpPort, 'controller');
}, 60_000);

afterAll(async () => {
  await stop?.();
});

async function docks(): Promise<DockLive[]> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/docks`, { headers: withCsrf(cookie) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: DockLive[] }).data;
}

describe('offload progress in /api/docks over a socat PTY', () => {
  it('G19 shows the durable offset per bay and file, and after undocking keeps the final durable offset, not an older one', async () => {
    sim.dock('BWC-0003');
    const fileNo = (1 << 16) | 1;
    const key = { dockId: 'dock-1', cam: 'BWC-0003', fileNo, sha256: await fileSha256(SEED, 'BWC-0003', 'night-9.mp4', SIZE) };
    let during: DockLive['transfers'][string] | undefined;
    await until(() => (during = gw.evidence.docks()[0]?.transfers[`BWC-0003/${fileNo}`]) !== undefined && during.offset > 0.3 * SIZE, 30_000, '30 %');
    expect(during).toMatchObject({ cam: 'BWC-0003', bay: 4, name: 'night-9.mp4', size: SIZE, state: 'receiving' });
    sim.undock('BWC-0003');
    await until(() => [...gw.journal.replay()].some((e) => e.type === 'dock.event' && (e.payload as { e: string }).e === 'undocked'), 10_000, 'undocked');
    // The rate limit is a quarter of a second: well past it, the API must say what the disk says.
    await new Promise((r) => setTimeout(r, 1000));
    const durable = await gw.evidence.store.durableOffset(key);
    expect(durable).toBeGreaterThan(0.3 * SIZE);
    expect(durable).toBeLessThan(SIZE);
    const t = (await docks())[0]!.transfers[`BWC-0003/${fileNo}`];
    expect(t).toMatchObject({ offset: durable, state: 'undocked', bay: 4, size: SIZE });

    // Docked again: it resumes, and ends verified at the full size.
    sim.dock('BWC-0003');
    await sim.whenSettled();
    await until(() => gw.evidence.docks()[0]?.transfers[`BWC-0003/${fileNo}`]?.state === 'verified', 10_000, 'verified');
    expect((await docks())[0]!.transfers[`BWC-0003/${fileNo}`]).toMatchObject({ offset: SIZE, state: 'verified' });
  });
});
