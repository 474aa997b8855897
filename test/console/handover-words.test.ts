import { describe, expect, it } from 'vitest';
import { blindSpots, chanceText, zoneChances } from '../../console/src/handover-words';
import type { Prediction } from '../../gateway/contract/tracking-views';

const p = (zone: string, likelihood: number, covered = true, walkSeconds = 60): Prediction => ({
  zone,
  likelihood,
  covered,
  walkSeconds,
  reachableAt: '2026-12-07T06:00:00.000Z',
  onward: true,
});

describe('a predicted zone’s likelihood in words', () => {
  it('is a share of all the ways out, in percent, with words against the likeliest', () => {
    const chances = zoneChances([p('b', 0.3), p('a', 0.6), p('c', 0.1), p('d', 0.6), p('e', 0.2)]);
    expect(chances.map((c) => [c.zone, chanceText(c)])).toEqual([
      ['a', '33 % (most likely)'],
      ['d', '33 % (most likely)'],
      ['b', '17 % (possible)'],
      ['e', '11 % (possible)'],
      ['c', '6 % (unlikely)'],
    ]);
  });

  it('flags the likely zones no camera covers, not the unlikely ones', () => {
    const chances = zoneChances([p('a', 1), p('b', 0.7, false), p('c', 0.2, false)]);
    expect(blindSpots(chances).map((c) => c.zone)).toEqual(['b']);
  });

  it('says nothing is likely when nothing is predicted', () => {
    expect(zoneChances([])).toEqual([]);
    expect(zoneChances([p('a', 0)]).map(chanceText)).toEqual(['0 % (unlikely)']);
  });
});
