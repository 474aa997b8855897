import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../gateway/tracking/graph';
import { coverageTable, endTrack, fuse, handover, predict, summary, type Track } from '../../gateway/tracking/track';
import { cameraAimPoint, locate, resolvePlace } from '../../gateway/tracking/zones';
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

  it('keeps a camera whose view centre leaves its zone at the camera itself', () => {
    const cam = town.cameras.find((c) => c.id === 'cam-06')!;
    const outward = { ...cam, bearingDeg: 90, rangeM: 2000 };
    expect(cameraAimPoint(outward, town.zones)).toEqual(cam.position);
  });
});

describe('fusing sightings into one track', () => {
  it('orders sightings by when they were seen, from every source, and follows the zones', () => {
    const shop = sighting('2026-03-02T14:00:00Z', { premisesId: 'prem-013' }, { kind: 'shop' });
    const cam = sighting('2026-03-02T14:04:00Z', { cameraId: 'cam-04' }, { kind: 'cctv' });
    const radio = sighting('2026-03-02T14:06:00Z', { lonLat: [-1.1470, 52.9540] }, { kind: 'radio' });
    const lateShop = sighting('2026-03-02T14:02:00Z', { premisesId: 'prem-007' }, { kind: 'shop' }); // reported late
    const { track, types } = trackOf(shop, cam, radio, lateShop);
    expect(types).toEqual(['new', 'update', 'update', 'update']);
    expect(track.sightings.map((s) => s.id)).toEqual([shop.id, lateShop.id, cam.id, radio.id]);
    expect(track.enteredZones).toEqual(['victoria-centre', 'bridge-street', 'bus-station']);
    expect(track.currentZones).toEqual(['bus-station']);
    expect(summary(track)).toMatchObject({ current_zones: ['bus-station'], entered_zones: ['victoria-centre', 'bridge-street', 'bus-station'], sightings: 4, sources: ['cctv', 'radio', 'shop'] });
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
  const { track } = trackOf(
    sighting('2026-03-02T14:00:00Z', { premisesId: 'prem-013' }),
    sighting('2026-03-02T14:03:00Z', { cameraId: 'cam-04' }),
  );
  const seenAt = Date.parse('2026-03-02T14:03:00Z');

  it('lists the zones reachable in time, onward ones first, then by walking time', () => {
    const p = predict(track, graph, seenAt, 300);
    expect(p.map((x) => [x.zone, x.walkSeconds, x.onward])).toEqual([
      ['bus-station', 120, true], ['station-approach', 120, true], ['church-lane', 180, true], ['high-street-south', 180, true],
      ['park-row', 240, true], ['wharf-road', 240, true],
    ]);
    // Doubling back comes after, however close: the Market Square is 90 s away.
    expect(predict(track, graph, seenAt, 300, 20).slice(6, 8).map((x) => [x.zone, x.onward])).toEqual([['market-square', false], ['victoria-centre', false]]);
    expect(p[0]!.reachableAt).toBe('2026-03-02T14:05:00.000Z');
  });

  it('widens with the time elapsed since the last sighting', () => {
    expect(predict(track, graph, seenAt, 0)).toEqual([]);
    expect(predict(track, graph, seenAt + 100_000, 0).map((x) => x.zone)).toEqual(['market-square']);
  });

  it('suggests cameras whose field of view covers each zone, the zone’s own camera first', () => {
    expect(table.get('bus-station')![0]).toMatchObject({ cameraId: 'cam-06' });
    expect(table.get('bus-station')!.every((c) => c.share > 0 || c.cameraId === 'cam-06')).toBe(true);
    expect(table.get('canal-side')!.map((c) => c.cameraId)).not.toContain('cam-02');
    const cams = handover(track, predict(track, graph, seenAt, 300), table);
    expect(cams[0]).toMatchObject({ cameraId: 'cam-04', zone: 'bridge-street', reachableAt: null });
    expect(cams.find((c) => c.zone === 'bus-station')).toMatchObject({ cameraId: 'cam-06', reachableAt: '2026-03-02T14:05:00.000Z' });
    expect(new Set(cams.map((c) => c.cameraId)).size).toBe(cams.length);
  });
});
