// Issue 21 findings 2 and 5 over a real socat PTY, against the simulator answering as a
// Motorola and as a Sepura terminal: the SDS service and talkgroups are chosen at start-up,
// and a refused start-up command keeps the link down unless the config names it optional.
import { describe, expect, it } from 'vitest';
import { next, rig } from './pei-harness';

describe('PEI start-up per EN 300 392-5', () => {
  it('a Motorola-like terminal: CTSDS before any CMGS, CTGS for the talkgroups, its refused optional command skipped', async () => {
    const r = await rig({ profile: 'motorola' }, { optionalCommands: ['AT+CTOM?'], talkgroups: [9001, 9002] });
    try {
      await next(r.adapter, 'radio.link', (e) => e.state === 'up').catch(() => undefined);
      expect(r.adapter.linkUp).toBe(true);
      expect(r.sim.received).toContain('AT+CTSDS=12,0,0,0,1');
      expect(r.sim.received).toContain('AT+CTGS=1,9001');
      expect(r.sim.received).toContain('AT+CTGS=1,9002');
      // The terminal only takes type 4 user data once CTSDS has chosen it: the alert goes.
      const receipt = next(r.adapter, 'radio.receipt');
      const { msgRef } = await r.adapter.sendText(2001, 'Alert');
      expect(await receipt).toMatchObject({ msgRef, status: 'delivered' });
      expect(r.sim.received.indexOf('AT+CTSDS=12,0,0,0,1')).toBeLessThan(r.sim.received.findIndex((l) => l.startsWith('AT+CMGS')));
    } finally {
      await r.close();
    }
  });

  it('a refused command the config does not name optional keeps the link down, with the reason', async () => {
    const r = await rig({ profile: 'motorola' });
    try {
      const down = r.events.find((e) => e.type === 'radio.link') ?? (await next(r.adapter, 'radio.link'));
      expect(down).toMatchObject({ state: 'down', reason: expect.stringMatching(/AT\+CTOM\? refused \(\+CME ERROR: 35\).*optionalCommands/) as unknown });
      await new Promise((resolve) => setTimeout(resolve, 300)); // a retry or two: still down
      expect(r.adapter.linkUp).toBe(false);
      expect(r.adapter.ownIssi).toBeNull();
    } finally {
      await r.close();
    }
  });

  it('a Sepura-like terminal with its refused registration named optional comes up', async () => {
    const r = await rig({ profile: 'sepura' }, { optionalCommands: ['AT+CTSP=1,3,2'] });
    try {
      if (!r.adapter.linkUp) await next(r.adapter, 'radio.link', (e) => e.state === 'up');
      expect(r.adapter.ownIssi).toBe(1000001);
    } finally {
      await r.close();
    }
  });
});
