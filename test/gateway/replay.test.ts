import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { Projections } from '../../gateway/projections';
import { Fleet } from '../../simulators/radio/fleet';
import { Handset } from '../../simulators/radio/handset';
import { ManualClock } from '../helpers/clock';
import { demoPassword, eventually, startGateway, testConfig } from '../helpers/gateway';

let gw: Gateway;

beforeAll(async () => {
  gw = await startGateway(testConfig().config);
});
afterAll(async () => {
  await gw.stop();
});

describe('projections', () => {
  it('replay from zero gives the same state as the live run', async () => {
    const fleet = new Fleet({ url: `mqtt://127.0.0.1:${gw.broker.port}`, config: gw.config, units: 6, rateHz: 20, passwordFor: demoPassword, seed: 7 });
    await fleet.start();
    const h = fleet.handsets[0]!;
    await h.status(32770); // on scene
    await h.ptt('start', 9001);
    await new Promise((r) => setTimeout(r, 1200));
    await fleet.stop();
    await eventually(() => gw.projections.devices.online().length === 0);

    const live = gw.projections.snapshot();
    expect(live.units.filter((u) => u.fix !== null)).toHaveLength(6);
    expect(live.units.find((u) => u.issi === h.issi)).toMatchObject({ state: 'on-scene', online: false, talking: null });

    const rebuilt = new Projections(gw.config).replay(gw.journal.replay()).snapshot();
    expect(rebuilt).toEqual(live);
  });

  it('a silent unit becomes lost-contact once, and the next message clears it', async () => {
    const { config } = testConfig();
    const silenceMs = config.gateway.unitLostContactSeconds * 1000;
    const clock = new ManualClock();
    const g = await startGateway(config, { clock });
    try {
      const h = new Handset({
        url: `mqtt://127.0.0.1:${g.broker.port}`,
        issi: 2005,
        username: 'radio-2005',
        password: demoPassword('radio-2005'),
        config,
        startZone: config.zones[0]!.id,
        seed: 1,
      });
      await h.connect();
      await h.move(1); // acknowledged once journaled and applied
      const unit = () => g.projections.units.unitByIssi(2005)!;
      const lostCount = () => (g.journal.database.prepare("SELECT count(*) AS n FROM events WHERE type = 'unit.lost-contact'").get() as { n: number }).n;
      await clock.advancePastReal(silenceMs - 1000);
      expect(unit().lostContact).toBe(false); // still within the allowed silence
      await clock.advance(10_000); // two checks (every 5 s) later, past the silence
      expect(unit().lostContact).toBe(true);
      await clock.advance(10 * silenceMs); // many more checks
      expect(lostCount()).toBe(1); // journaled once, not on every check
      await h.move(1);
      expect(unit().lostContact).toBe(false);
      await h.close();
    } finally {
      await g.stop();
    }
  });
});
