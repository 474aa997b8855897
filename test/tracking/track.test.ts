import { describe, expect, it } from 'vitest';
import { buildGraph, walkTimes } from '../../gateway/tracking/graph';
import { coverageTable, endTrack, fuse, handover, predict, summary, type Track } from '../../gateway/tracking/track';
import { locate, resolvePlace, viewPointIn } from '../../gateway/tracking/zones';
import { sighting, town } from './fixtures';

const graph = buildGraph(town.zones);
const table = coverageTable(town);

function trackOf(...sightings: ReturnType<typeof sighting>[]): { track: Track; types: string[] } {
  let track: Track | null = null;
  const types: string[] = [];
  for (const s of sightings) {
    const r = fuse(track, { ...s, subjectId: s.subjectId! });
    track = r.track;
    types.push(r.type);
  }
  return { track: track!, types };
}

describe('places', () => {
  it('resolves a premises, a camera, a zone and a point to a position and a zone', () => {
    expect(resolvePlace({ premisesId: 'prem-013' }, town)).toMatchObject({ zone: 'victoria-centre', precision: 'premises', position: [-1.147614, 52.955899] });
    const cam = resolvePlace({ cameraId: 'cam-06' }, town)!;
    expect(cam).toMatchObject({ zone: 'bus-station', precision: 'camera', cameraId: 'cam-06' });
    expect(locate(cam.position!, town.zones)).toBe('bus-station'); // where it looks, inside its zone
    expect(resolvePlace({ zone: 'canal-side' }, town)).toMatchObject({ zone: 'canal-side', precision: 'zone' });
    expect(resolvePlace({ lonLat: [-1.15, 52.955] }, town)).toMatchObject({ zone: 'market-square', precision: 'point' });
    expect(resolvePlace({ lonLat: [-1.2, 52.9] }, town)).toMatchObject({ zone: null });
    expect(resolvePlace({ cameraId: 'cam-99' }, town)).toBeNull();
  });

  it('keeps a camera that sees nothing of a zone at the camera itself', () => {
    const cam = town.cameras.find((c) => c.id === 'cam-06')!;
    expect(
      viewPointIn(
        cam,
        town.zones.find((z) => z.id === 'queen-street'),
      ),
    ).toEqual(cam.position);
  });
});

describe('fusing sightings into one track', () => {
  it('orders sightings by when they were seen, from every source, and follows the zones', () => {
    const shop = sighting('2026-03-02T14:00:00Z', { premisesId: 'prem-013' }, { kind: 'shop' });
    const cam = sighting('2026-03-02T14:04:00Z', { cameraId: 'cam-04' }, { kind: 'cctv' });
    const radio = sighting('2026-03-02T14:06:00Z', { lonLat: [-1.147, 52.954] }, { kind: 'radio' });
    const lateShop = sighting('2026-03-02T14:02:00Z', { premisesId: 'prem-007' }, { kind: 'shop' }); // reported late
    const { track, types } = trackOf(shop, cam, radio, lateShop);
    expect(types).toEqual(['new', 'update', 'update', 'update']);
    expect(track.sightings.map((s) => s.id)).toEqual([shop.id, lateShop.id, cam.id, radio.id]);
    expect(track.enteredZones).toEqual(['victoria-centre', 'bridge-street', 'bus-station']);
    expect(track.currentZones).toEqual(['bus-station']);
    expect(summary(track)).toMatchObject({
      current_zones: ['bus-station'],
      entered_zones: ['victoria-centre', 'bridge-street', 'bus-station'],
      sightings: 4,
      sources: ['cctv', 'radio', 'shop'],
    });
  });

  it('ends, and a later sighting starts it anew', () => {
    const { track } = trackOf(sighting('2026-03-02T14:00:00Z', { zone: 'market-square' }));
    const ended = endTrack(track);
    expect(ended).toMatchObject({ state: 'ended', currentZones: [] });
    const again = fuse(ended, { ...sighting('2026-03-02T18:00:00Z', { zone: 'castle-walk' }), subjectId: 'subj-1' });
    expect(again.type).toBe('new');
    expect(again.track).toMatchObject({ state: 'active', currentZones: ['castle-walk'], enteredZones: ['market-square', 'castle-walk'] });
  });
});

describe('predictions and camera handover', () => {
  // From the Victoria Centre into Bridge Street: onward is away from the Victoria Centre.
  const { track } = trackOf(sighting('2026-03-02T14:00:00Z', { premisesId: 'prem-013' }), sighting('2026-03-02T14:03:00Z', { cameraId: 'cam-04' }));
  const seenAt = Date.parse('2026-03-02T14:03:00Z');

  it('keeps every zone reachable in time, both ways, ranked by likelihood with the direction of travel as a weight', () => {
    const p = predict(track, graph, seenAt, 300, table);
    const reachable = [...walkTimes(graph, 'bridge-street')].filter(([z, t]) => z !== 'bridge-street' && t <= 300);
    expect(p.map((x) => x.zone).sort()).toEqual(reachable.map(([z]) => z).sort());
    expect(p.length).toBeGreaterThan(6);
    // Doubling back is kept and weighed, not filtered: the Market Square (90 s) outranks onward zones 180 s away.
    const at = (z: string) => p.findIndex((x) => x.zone === z);
    expect(p.find((x) => x.zone === 'market-square')).toMatchObject({ walkSeconds: 90, onward: false, covered: true });
    expect(at('market-square')).toBeLessThan(at('church-lane'));
    expect(p[0]).toMatchObject({ zone: 'bus-station', onward: true, reachableAt: '2026-03-02T14:05:00.000Z' });
    expect(p.map((x) => x.likelihood)).toEqual([...p.map((x) => x.likelihood)].sort((a, b) => b - a));
  });

  it('widens with the time elapsed since the last sighting', () => {
    expect(predict(track, graph, seenAt, 0, table)).toEqual([]);
    expect(predict(track, graph, seenAt + 100_000, 0, table).map((x) => x.zone)).toEqual(['market-square']);
  });

  it('after a breach in the Victoria Centre, keeps its 60 s main entrance into the Market Square and the camera on it, then and 7 minutes later', () => {
    const { track: t } = trackOf(sighting('2026-03-02T14:00:00Z', { cameraId: 'cam-01' }), sighting('2026-03-02T14:02:00Z', { premisesId: 'prem-013' }));
    const at = Date.parse('2026-03-02T14:02:00Z');
    for (const now of [at, at + 7 * 60_000]) {
      const p = predict(t, graph, now, 300, table);
      expect(p.find((x) => x.zone === 'market-square')).toMatchObject({ walkSeconds: 60, onward: false });
      expect(handover(t, p, table).find((c) => c.cameraId === 'cam-01')).toMatchObject({ zone: 'market-square', reachableAt: '2026-03-02T14:03:00.000Z' });
    }
  });

  it('whichever way he came into the Victoria Centre, every exit is predicted with its camera, and an exit no camera sees is flagged', () => {
    const exits = town.zones.find((z) => z.id === 'victoria-centre')!.neighbours.map((n) => n.zone);
    expect(exits).toEqual(['market-square', 'high-street-north', 'bridge-street', 'queen-street']);
    for (const from of exits) {
      const { track: t } = trackOf(sighting('2026-03-02T14:00:00Z', { zone: from }), sighting('2026-03-02T14:03:00Z', { premisesId: 'prem-013' }));
      const p = predict(t, graph, Date.parse('2026-03-02T14:03:00Z'), 300, table);
      const cams = handover(t, p, table);
      for (const exit of exits) {
        const predicted = p.find((x) => x.zone === exit);
        expect(predicted, `${exit} after coming from ${from}`).toBeDefined();
        const covering = table.get(exit)!.map((c) => c.cameraId);
        expect(predicted!.covered).toBe(covering.length > 0);
        if (covering.length)
          expect(
            cams.some((c) => covering.includes(c.cameraId)),
            `a camera on ${exit}`,
          ).toBe(true);
      }
    }
    expect(table.get('queen-street')).toEqual([]); // no camera looks into Queen Street
  });

  it('hands over in the order the subject could get there', () => {
    const p = predict(track, graph, seenAt, 300, table);
    const cams = handover(track, p, table).filter((c) => c.reachableAt !== null);
    expect(cams.map((c) => c.reachableAt)).toEqual([...cams.map((c) => c.reachableAt!)].sort());
  });

  it('suggests cameras whose field of view covers each zone, the zone’s own camera first', () => {
    expect(table.get('bus-station')![0]).toMatchObject({ cameraId: 'cam-06' });
    expect(table.get('bus-station')!.every((c) => c.share > 0 || c.cameraId === 'cam-06')).toBe(true);
    expect(table.get('canal-side')!.map((c) => c.cameraId)).not.toContain('cam-02');
    const cams = handover(track, predict(track, graph, seenAt, 300, table), table);
    expect(cams[0]).toMatchObject({ cameraId: 'cam-04', zone: 'bridge-street', reachableAt: null });
    expect(cams.find((c) => c.zone === 'bus-station')).toMatchObject({ cameraId: 'cam-06', reachableAt: '2026-03-02T14:05:00.000Z' });
    expect(new Set(cams.map((c) => c.cameraId)).size).toBe(cams.length);
  });
});
