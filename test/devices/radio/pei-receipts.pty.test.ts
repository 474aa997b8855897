// Issue 21 finding 1 and the report half of 7, over a real socat PTY: the gateway asks for
// the report form it reads, reads short and long reports anyway, and answers as a consumer must.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { next, rig, type Rig } from './pei-harness';

describe('SDS-TL delivery reports over a PTY', () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig();
  });
  afterAll(async () => {
    await r?.close();
  });

  it('asks for the standard report form (service selection bit set)', async () => {
    const { msgRef } = await r.adapter.sendText(2001, 'Return to base');
    const cmgs = await r.sim.waitForCmgs((c) => c.decoded.kind === 'tl-transfer' && c.decoded.msgRef === msgRef);
    expect(cmgs.decoded).toMatchObject({ kind: 'tl-transfer', standardReportOnly: true, reportRequest: 1 });
  });

  it("reads a terminal's SDS-SHORT-REPORT (+CTSDSR: 12,…,16) as a delivery, not a quarantine", async () => {
    r.sim.outcomes.set(2002, { reply: 'short' });
    const receipt = next(r.adapter, 'radio.receipt', (e) => e.issi === 2002);
    const { msgRef } = await r.adapter.sendText(2002, 'Shop theft, Market St');
    expect(await receipt).toMatchObject({ msgRef, issi: 2002, status: 'delivered', raw: { header: expect.stringMatching(/,16$/) as unknown } });
    expect(r.events.filter((e) => e.type === 'radio.malformed')).toEqual([]);
    r.sim.outcomes.delete(2002);
  });

  it('a "consumed" report is read, not delivered', async () => {
    r.sim.outcomes.set(2001, { reply: 'consumed' });
    const receipt = next(r.adapter, 'radio.receipt', (e) => e.issi === 2001);
    const { msgRef } = await r.adapter.sendText(2001, 'Opened?');
    expect(await receipt).toMatchObject({ msgRef, status: 'read' });
    r.sim.outcomes.delete(2001);
  });

  it('a text asking for both reports gets "received" and then "consumed"', async () => {
    const msgRef = await r.sim.sendText(2001, 'Both please', { requestReport: 3 });
    const reports = async () => r.sim.submissions.filter((c) => c.to === 2001 && c.decoded.kind === 'tl-report' && c.decoded.msgRef === msgRef);
    await r.sim.waitForCmgs((c) => c.to === 2001 && c.decoded.kind === 'tl-report' && c.decoded.msgRef === msgRef && c.decoded.deliveryStatus === 2);
    expect((await reports()).map((c) => c.decoded.kind === 'tl-report' && c.decoded.deliveryStatus)).toEqual([0, 2]);
  });

  it('a report that asks for acknowledgement gets an SDS-ACK', async () => {
    const receipt = next(r.adapter, 'radio.receipt', (e) => e.msgRef === 77);
    await r.sim.sendReport(2002, 77, 0x00, true);
    await receipt;
    const ack = await r.sim.waitForCmgs((c) => c.to === 2002 && c.decoded.kind === 'tl-ack');
    expect(ack.decoded).toEqual({ kind: 'tl-ack', msgRef: 77, deliveryStatus: 0 });
  });
});
