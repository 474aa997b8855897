// Issue 21 findings 7 and 8 (inbound half) over a real socat PTY: immediate text, LIP time
// elapsed, echo left on, URCs between a command's echo and its OK, and unknown lines counted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { next, rig, type Rig } from './pei-harness';

describe('inbound PEI traffic as real terminals send it', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig({ profile: 'motorola' }, { optionalCommands: ['AT+CTOM?'] });
    if (!r.adapter.linkUp) await next(r.adapter, 'radio.link', (e) => e.state === 'up');
  });
  afterAll(async () => {
    await r?.close();
  });

  it('an immediate text (PI 0x89) is a text, and its requested report is sent', async () => {
    const got = next(r.adapter, 'radio.text');
    const msgRef = await r.sim.sendText(2001, 'Flash: man with knife', { immediate: true });
    expect(await got).toMatchObject({ issi: 2001, text: 'Flash: man with knife', msgRef });
    await r.sim.waitForCmgs((c) => c.to === 2001 && c.decoded.kind === 'tl-report' && c.decoded.msgRef === msgRef);
  });

  it('a LIP fix reported as up to 5 minutes old is not shown as fresh', async () => {
    const got = next(r.adapter, 'radio.position', (e) => e.issi === 2002);
    await r.sim.sendPosition(2002, { lat: 52.954, lon: -1.146, timeElapsed: 1 });
    const e = await got;
    expect(Date.now() - Date.parse(e.fixTime)).toBeGreaterThanOrEqual(5 * 60_000 - 1000);
  });

  it('with echo stuck on, echoed CMGS user data is not quarantined and the send succeeds', async () => {
    r.sim.setFault('echo-stuck', true);
    const bad = r.events.filter((e) => e.type === 'radio.malformed').length;
    const { msgRef } = await r.adapter.sendText(2001, 'Echo test');
    await r.sim.waitForCmgs((c) => c.decoded.kind === 'tl-transfer' && c.decoded.msgRef === msgRef);
    expect(r.events.filter((e) => e.type === 'radio.malformed').length).toBe(bad);
    r.sim.setFault('echo-stuck', false);
  });

  it("a URC written between a command's echo and its OK is still decoded, and an unknown line is counted", async () => {
    const before = r.adapter.stats.unknownLines;
    // The next answer (the keepalive AT, after 300 ms of quiet) carries a status SDS and an unknown URC.
    r.sim.interleaveNext(['+CTSDSR: 13,2001,0,1000001,0,16', '8004', '+CREG: 1']);
    const status = await next(r.adapter, 'radio.status', (e) => e.value === 0x8004);
    expect(status.issi).toBe(2001);
    expect(r.adapter.linkUp).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.adapter.stats.unknownLines).toBeGreaterThan(before);
    const { msgRef } = await r.adapter.sendText(2002, 'After');
    await r.sim.waitForCmgs((c) => c.decoded.kind === 'tl-transfer' && c.decoded.msgRef === msgRef);
    expect(r.adapter.stats.sdsOut).toBeGreaterThan(0);
    expect(r.adapter.stats.lastHeard).not.toBeNull();
  });
});
