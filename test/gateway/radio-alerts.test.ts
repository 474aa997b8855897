// Issue 21 findings 3 and 4 end to end: the gateway, a PEI simulator on a socat PTY, the real
// API. Every send outcome is journaled at once with its reason; TETRA units get alerts whether
// or not they have been heard; alerts wait for a dead link, then go or fail with a reason.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { JournalEvent } from '../../gateway/journal/types';
import { PeiSimulator } from '../../simulators/radio/pei-sim';
import { ManualClock } from '../helpers/clock';
import { eventually, login, startGateway, testConfig, withCsrf } from '../helpers/gateway';

let gw: Gateway;
let sim: PeiSimulator;
/** Alert timeouts run on this clock: a test moves it past an alert's wait instead of sitting it out. */
const clock = new ManualClock();

beforeAll(async () => {
  const t = testConfig((doc) => {
    // Every unit in tg-town carries a TETRA terminal; none has been heard yet.
    for (const u of doc.units as Array<Record<string, unknown>>) u.bearer = 'tetra';
    (doc.radio as Record<string, unknown>).alertTimeoutSeconds = 3;
  });
  const link = join(t.dir, 'pei-1');
  const config = {
    ...t.config,
    radio: {
      ...t.config.radio,
      controlStations: [{ id: 'pei-1', serialPath: link, baudRate: 115200, optionalCommands: [], talkgroups: ['tg-town'], issiRanges: [] }],
    },
  };
  sim = new PeiSimulator({ path: link, units: [], talkgroup: 9001 });
  await sim.start();
  gw = await startGateway(config, { baseDir: t.dir, peiTiming: { keepaliveIdleMs: 1000, keepaliveTimeoutMs: 1000 }, clock });
  await eventually(() => gw.pei.stations[0]?.linkUp, 10_000, 'PEI link up');
});
afterAll(async () => {
  await gw?.stop();
  await sim?.stop();
});

const journaled = (type: string, where: (e: JournalEvent) => boolean = () => true): JournalEvent[] =>
  [...gw.journal.replay()].filter((e) => e.type === type && where(e));

async function post(body: unknown): Promise<{ status: number; body: { data?: { id: string }; error?: { code: string; message: string } } }> {
  const cookie = await login(gw.httpPort, 'controller');
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/alerts`, {
    method: 'POST',
    headers: { ...withCsrf(cookie), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as never };
}

describe('alerts to TETRA radios', () => {
  it('reach every TETRA unit of the talkgroup, heard or not, and each failure is journaled with its reason at once', async () => {
    sim.outcomes.set(2003, { cme: 37 });
    sim.outcomes.set(2004, { reply: 'short' });
    sim.outcomes.set(2005, { cmgsStatus: 5 });
    const members = gw.config.units.filter((u) => u.talkgroups.includes('tg-town'));
    expect(members).toHaveLength(10);
    expect(members.every((u) => gw.projections.units.unitByIssi(u.issi)?.bearer === null)).toBe(true); // never heard

    const sent = await post({ text: 'Suspect heading to Market Square', talkgroups: ['tg-town'] });
    expect(sent.status).toBe(200);
    const alertId = sent.body.data!.id;
    for (const u of members) await sim.waitForCmgs((c) => c.to === u.issi && c.decoded.kind === 'tl-transfer', 10_000);

    // Settled by the radios' answers, long before the alert's timeout.
    const final = await eventually(
      () => {
        const a = gw.projections.alerts.get(alertId)!;
        return a.recipients.every((r) => r.status !== 'pending') ? a : undefined;
      },
      10_000,
      `all recipients settled: ${JSON.stringify(gw.projections.alerts.get(alertId)?.recipients.map((r) => [r.issi, r.status]))}`,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)} ${JSON.stringify(gw.projections.alerts.get(alertId)?.recipients.map((r) => [r.issi, r.status]))}`);
    });
    const by = Object.fromEntries(final.recipients.map((r) => [r.issi, r]));
    expect(by[2003]).toMatchObject({ status: 'failed', reason: '+CME ERROR: 37' });
    expect(by[2005]).toMatchObject({ status: 'failed', reason: '+CMGS status 5 (failed)' });
    expect(by[2004]).toMatchObject({ status: 'delivered' }); // a short report
    for (const u of members.filter((m) => ![2003, 2005].includes(m.issi))) expect(by[u.issi]?.status, `unit ${u.issi}`).toBe('delivered');
    // When its wait does run out, nobody is left to time out.
    await clock.advancePastReal(final.timeoutMs!);
    expect(journaled('alert.timed-out', (e) => e.ref === alertId)).toEqual([]);

    const cme = journaled('alert.delivery', (e) => e.ref === alertId);
    expect(cme.map((e) => e.payload)).toEqual([{ alertId, unitId: 'unit-03', issi: 2003, status: 'failed', reason: '+CME ERROR: 37' }]);
    const cmgs = journaled('radio.receipt', (e) => (e.payload as { issi: number }).issi === 2005);
    expect(cmgs.at(-1)!.payload).toMatchObject({ status: 'failed', reason: '+CMGS status 5 (failed)' });
    // The wait allows for the station sending one SDS after another.
    expect(final.timeoutMs).toBeGreaterThan(3000);
    for (const k of [2003, 2004, 2005]) sim.outcomes.delete(k);
  });

  it('a text longer than one SDS goes as concatenated parts, and the radio counts as delivered once every part is', async () => {
    const text = `Suspect described as: ${'male, about 30, grey hoodie, white trainers, carrying a blue holdall; '.repeat(4)}`.slice(0, 329).trimEnd() + '.';
    const before = sim.submissions.length;
    const sent = await post({ text, units: ['unit-09'] });
    expect(sent.status).toBe(200);
    const alertId = sent.body.data!.id;
    const r = await eventually(
      () => {
        const x = gw.projections.alerts.get(alertId)!.recipients[0]!;
        return x.status !== 'pending' ? x : undefined;
      },
      10_000,
      'settled',
    );
    expect(r).toMatchObject({ unitId: 'unit-09', status: 'delivered' });
    const parts = sim.submissions.slice(before).filter((c) => c.to === 2009 && c.decoded.kind === 'tl-transfer');
    expect(parts).toHaveLength(2);
    expect(parts.map((c) => (c.decoded.kind === 'tl-transfer' ? c.decoded.text : '')).join('')).toBe(text);
    const pei = journaled('alert.pei-sent', (e) => e.ref === alertId).map((e) => e.payload as { parts?: number[] });
    expect(pei).toHaveLength(1);
    expect(pei[0]!.parts).toHaveLength(2);
    expect(journaled('alert.delivery', (e) => e.ref === alertId).map((e) => e.payload)).toEqual([
      { alertId, unitId: 'unit-09', issi: 2009, status: 'delivered', reason: 'all 2 parts delivered' },
    ]);
  });

  it('one failed part fails the whole concatenated alert for that radio, with the part named', async () => {
    sim.outcomes.set(2008, { reply: 'failed' });
    const sent = await post({ text: 'y'.repeat(300), units: ['unit-08'] });
    const alertId = sent.body.data!.id;
    const r = await eventually(
      () => {
        const x = gw.projections.alerts.get(alertId)!.recipients[0]!;
        return x.status !== 'pending' ? x : undefined;
      },
      10_000,
      'settled',
    );
    sim.outcomes.delete(2008);
    expect(r).toMatchObject({ status: 'failed', reason: 'part 1 of 2 failed' });
  });

  it('a text needing more than 4 SDS parts is refused up front with a 400 naming the limit', async () => {
    const before = journaled('alert.sent').length;
    const res = await post({ text: 'ŵ'.repeat(500), units: ['unit-09'] });
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(
      /500 characters need 5 TETRA SDS parts; at most 4 parts are sent \(488 characters when it has characters outside Latin-1\)/,
    );
    expect(journaled('alert.sent')).toHaveLength(before);
  });

  it('while the link is down an alert is queued (journaled), and sent when the link returns', async () => {
    await sim.vanish();
    await eventually(() => !gw.pei.stations[0]!.linkUp, 15_000, 'link down');
    const sent = await post({ text: 'Queued while down', units: ['unit-09'] });
    expect(sent.status).toBe(200);
    const alertId = sent.body.data!.id;
    await eventually(
      () => journaled('alert.delivery', (e) => e.ref === alertId && (e.payload as { status: string }).status === 'queued').length > 0,
      5000,
      'queued',
    );
    const waiting = await eventually(
      () => (gw.projections.alerts.get(alertId)?.recipients[0]?.reason ? gw.projections.alerts.get(alertId)!.recipients[0] : undefined),
      5000,
      'reason shown',
    );
    expect(waiting).toMatchObject({ status: 'pending', reason: expect.stringMatching(/link down/) as unknown });
    const submissions = sim.submissions.length;
    await sim.restore();
    await eventually(() => gw.pei.stations[0]!.linkUp, 15_000, 'link up');
    await sim.waitForCmgs((c) => sim.submissions.indexOf(c) >= submissions && c.to === 2009, 10_000);
    await eventually(() => gw.projections.alerts.get(alertId)!.recipients[0]!.status === 'delivered', 10_000, 'delivered after recovery');
  });

  it('an alert held for a link that never returns fails with that reason when it expires', async () => {
    await sim.vanish();
    await eventually(() => !gw.pei.stations[0]!.linkUp, 15_000, 'link down');
    const sent = await post({ text: 'Never sent', units: ['unit-10'] });
    const alertId = sent.body.data!.id;
    const recipient = () => gw.projections.alerts.get(alertId)!.recipients[0]!;
    await eventually(() => recipient().reason, 5000, 'held for the link');
    expect(recipient().status).toBe('pending');
    await clock.advancePastReal(gw.projections.alerts.get(alertId)!.timeoutMs!);
    expect(recipient()).toMatchObject({ status: 'failed', reason: expect.stringMatching(/link down until the alert expired/) as unknown });
    await sim.restore();
    await eventually(() => gw.pei.stations[0]!.linkUp, 15_000, 'link up');
  });
});

describe('status 0 from a TETRA terminal', () => {
  it('raises an emergency (the default status map has 0x0000 as emergency)', async () => {
    await sim.sendStatus(2008, 0);
    const em = await eventually(() => gw.projections.emergencies.openFor('unit-08'), 10_000, 'emergency from status 0');
    expect(em).toMatchObject({ issi: 2008, trigger: 'status' });
  });
});

describe('monitoring the radio link', () => {
  it('/readyz and /metrics show the link, last heard, SDS counts and send failures; PEI quarantines are counted', async () => {
    await eventually(() => gw.pei.stations[0]?.linkUp, 15_000, 'link up');
    sim.setFault('garble', true);
    await sim.sendStatus(2001, 0x8004);
    sim.setFault('garble', false);
    await eventually(() => journaled('quarantine.message', (e) => (e.payload as { kind: string }).kind === 'pei').length > 0, 10_000, 'PEI quarantine');

    const ready = (await (await fetch(`http://127.0.0.1:${gw.httpPort}/readyz`)).json()) as { detail: { radio: Array<Record<string, unknown>> } };
    expect(ready.detail.radio[0]).toMatchObject({ id: 'pei-1', linkUp: true, lastHeard: expect.any(Number) as unknown });
    const metrics = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/tw_radio_link_up\{station="pei-1"\} 1/);
    expect(metrics).toMatch(/tw_radio_last_heard_seconds\{station="pei-1"\} [\d.e-]+/);
    expect(metrics).toMatch(/tw_radio_pei_total\{station="pei-1",kind="sds-out"\} [1-9]/);
    expect(metrics).toMatch(/tw_radio_pei_total\{station="pei-1",kind="send-failed"\} [1-9]/); // the +CME ERROR 37 and +CMGS 5 above
    expect(metrics).toMatch(/tw_quarantined_total\{reason="pei"\} [1-9]/);
  });
});
