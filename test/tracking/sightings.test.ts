import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../gateway/tracking/graph';
import { checkMove, consistentZone } from '../../gateway/tracking/plausible';
import { coverageTable, fuse, handover, predict, type Sighting, type Track } from '../../gateway/tracking/track';
import { cameraPlaceProblems, cameraViews, resolvePlace } from '../../gateway/tracking/zones';
import { sighting, town } from './fixtures';

const graph = buildGraph(town.zones);
const table = coverageTable(town);
const ctx = { graph, zones: town.zones, walkSpeedMps: town.tracking.walkSpeedMps, cameras: town.cameras };
const cam08 = town.cameras.find((c) => c.id === 'cam-08')!;

/** Fuses as the watcher does: each sighting judged against the track so far. */
function follow(...list: Sighting[]): { track: Track; judged: Sighting[] } {
  let track: Track | null = null;
  const judged: Sighting[] = [];
  for (const s of list) {
    const r = checkMove(track, s, ctx);
    if (r.confirmed) track = fuse(track, { ...r.confirmed, subjectId: 'subj-1' }).track;
    track = fuse(track, { ...r.sighting, subjectId: 'subj-1' }).track;
    judged.push(r.sighting);
  }
  return { track: track!, judged };
}

describe('camera sightings are placed where the camera looks', () => {
  it('the towpath camera also looks across the water into the Bus Station (the handover list says so)', () => {
    expect(cameraViews(cam08, town.zones).map((v) => v.zone)).toEqual(['canal-side', 'bus-station']);
    expect(table.get('bus-station')!.map((c) => c.cameraId)).toContain('cam-08');
  });

  it('in the zone the operator names, which must be one the camera sees', () => {
    expect(resolvePlace({ cameraId: 'cam-08', zone: 'bus-station' }, town)).toMatchObject({ zone: 'bus-station', precision: 'camera', cameraId: 'cam-08' });
    expect(resolvePlace({ cameraId: 'cam-08', zone: 'market-square' }, town)).toBeNull();
    expect(cameraPlaceProblems(cam08, { zone: 'market-square' }, town.zones)).toEqual([
      'zone: camera cam-08 does not look into zone "market-square" (it sees canal-side, bus-station)',
    ]);
  });

  it('at the point picked in the picture, which must be in its field of view', () => {
    const inPicture = [-1.1475, 52.9519] as const; // on the towpath, west of the camera
    expect(cameraPlaceProblems(cam08, { lonLat: inPicture }, town.zones)).toEqual([]);
    expect(resolvePlace({ cameraId: 'cam-08', lonLat: inPicture }, town)).toMatchObject({ zone: 'canal-side', precision: 'point', position: inPicture });
    expect(cameraPlaceProblems(cam08, { lonLat: [-1.144, 52.9519] }, town.zones)[0]).toMatch(/not in camera cam-08's field of view/); // behind it
  });

  it('without either, in the zone it sees that follows on from the track: a Bus Station shop report, then the towpath camera 31 s later', () => {
    const { track } = follow(sighting('2026-03-02T14:00:00Z', { premisesId: 'prem-016' }, { kind: 'shop' }));
    const pick = consistentZone(track, Date.parse('2026-03-02T14:00:31Z'), ctx);
    expect(resolvePlace({ cameraId: 'cam-08' }, town, pick)).toMatchObject({ zone: 'bus-station', precision: 'camera' });
    expect(resolvePlace({ cameraId: 'cam-08' }, town)).toMatchObject({ zone: 'canal-side' }); // no track: its main view
  });

  it('prefers the camera’s best view among the zones he could have reached by then', () => {
    const { track } = follow(sighting('2026-03-02T14:00:00Z', { premisesId: 'prem-013' }, { kind: 'shop' })); // Victoria Centre
    expect(
      cameraViews(
        town.cameras.find((c) => c.id === 'cam-04')!,
        town.zones,
      ).map((v) => v.zone),
    ).toEqual(['bridge-street', 'bus-station', 'victoria-centre']);
    const place = (at: string) => resolvePlace({ cameraId: 'cam-04' }, town, consistentZone(track, Date.parse(at), ctx))!.zone;
    expect(place('2026-03-02T14:02:00Z')).toBe('bridge-street'); // 120 s' walk: he could be in Bridge Street
    expect(place('2026-03-02T14:00:10Z')).toBe('victoria-centre'); // 10 s later: still where the camera looks into the centre
  });
});

describe('a sighting that implies an impossible move', () => {
  const shop = sighting('2026-03-02T14:00:00Z', { premisesId: 'prem-016' }, { kind: 'shop' });
  const towpath = sighting('2026-03-02T14:00:31Z', { cameraId: 'cam-08', zone: 'canal-side' });

  it('is kept and flagged with the speed it implies, and steers neither the current zone nor the predictions', () => {
    const { track, judged } = follow(shop, towpath);
    expect(judged[1]!.implausible).toMatchObject({ fromSightingId: shop.id, fromZone: 'bus-station', elapsedSeconds: 31, confirmed: false });
    expect(judged[1]!.implausible!.impliedSpeedMps).toBeGreaterThan(5);
    expect(track.sightings.map((s) => s.id)).toEqual([shop.id, towpath.id]);
    expect(track.currentZones).toEqual(['bus-station']);
    const p = predict(track, graph, towpath.atMs, 300, table);
    expect(p.find((x) => x.zone === 'high-street-south')).toMatchObject({ walkSeconds: 60 }); // from the Bus Station
    expect(p.find((x) => x.zone === 'wharf-road')).toMatchObject({ walkSeconds: 120 });
    expect(handover(track, p, table)[0]).toMatchObject({ zone: 'bus-station', reachableAt: null });
  });

  it('a move a person could run is not flagged', () => {
    const { judged } = follow(shop, sighting('2026-03-02T14:06:30Z', { cameraId: 'cam-08', zone: 'canal-side' }));
    expect(judged[1]!.implausible).toBeUndefined();
  });

  it('is confirmed by a later sighting that follows on from it, and then steers', () => {
    const later = sighting('2026-03-02T14:00:45Z', { zone: 'canal-side' }, { kind: 'radio' });
    const { track, judged } = follow(shop, towpath, later);
    expect(judged[2]!.implausible).toBeUndefined();
    expect(track.sightings.find((s) => s.id === towpath.id)!.implausible).toMatchObject({ confirmed: true });
    expect(track.currentZones).toEqual(['canal-side']);
  });
});
