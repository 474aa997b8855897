import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../../gateway/auth/password';
import { haversineMetres, pointInPolygon, polygonCentroid, type LonLat } from '../../config/geo';
import { checkProductionSafety, defaultConfigPath, loadConfig } from '../../config/load';
import { ACCOUNT_ROLES, CONSOLE_ROLES, type Config, type Zone } from '../../config/schema';

const cfg = loadConfig(defaultConfigPath, {});
const CENTRE: LonLat = [-1.15, 52.955];

function zone(id: string): Zone {
  const z = cfg.zones.find((c) => c.id === id);
  if (!z) throw new Error(`no zone ${id}`);
  return z;
}

/** Shortest walking seconds between zones (Dijkstra over the neighbour graph). */
function walkSeconds(config: Config, from: string, to: string): number {
  const dist = new Map<string, number>([[from, 0]]);
  const done = new Set<string>();
  for (;;) {
    let here: string | undefined;
    for (const [id, d] of dist) if (!done.has(id) && (here === undefined || d < (dist.get(here) ?? Infinity))) here = id;
    if (here === undefined) return Infinity;
    if (here === to) return dist.get(here) ?? Infinity;
    done.add(here);
    const base = dist.get(here) ?? Infinity;
    for (const n of config.zones.find((z) => z.id === here)?.neighbours ?? []) {
      if (base + n.walkSeconds < (dist.get(n.zone) ?? Infinity)) dist.set(n.zone, base + n.walkSeconds);
    }
  }
}

describe('demo town', () => {
  it('has the expected inventory', () => {
    expect(cfg.site).toMatchObject({ id: 'demo-town', name: 'Demo Town', mode: 'demo', timezone: 'Europe/London' });
    expect(cfg.zones.length).toBeGreaterThanOrEqual(12);
    expect(cfg.premises).toHaveLength(20);
    expect(cfg.cameras.map((c) => c.id)).toEqual(['cam-01', 'cam-02', 'cam-03', 'cam-04', 'cam-05', 'cam-06', 'cam-07', 'cam-08']);
    expect(cfg.talkgroups).toEqual([
      { id: 'tg-town', gssi: 9001, name: 'Town Net' },
      { id: 'tg-police', gssi: 9002, name: 'Police Ops' },
    ]);
    expect(cfg.units).toHaveLength(10);
    expect(cfg.units.map((u) => u.issi)).toEqual([2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2009, 2010]);
    expect(new Set(cfg.units.map((u) => u.role))).toEqual(new Set(['police', 'pcso', 'security', 'warden']));
    expect(cfg.docks.map((d) => [d.id, d.bays])).toEqual([
      ['dock-1', 6],
      ['dock-2', 6],
      ['dock-3', 6],
    ]);
    for (const c of cfg.cameras) expect(c.rtspUrl).toBe(`rtsp://127.0.0.1:8554/${c.id}`);
  });

  it('has the standard radio status codes', () => {
    const codes = cfg.radio.statusCodes;
    expect(codes['32768']?.state).toBe('available');
    expect(codes['32769']?.state).toBe('en-route');
    expect(codes['32770']?.state).toBe('on-scene');
    expect(codes['32771']?.state).toBe('busy');
    expect(codes['32772']?.state).toBe('off-duty');
    expect(codes['65535']).toMatchObject({ state: 'busy', emergency: true });
    // Real TETRA terminals send status 0 for the emergency button (issue 21, finding 6).
    expect(codes['0']).toMatchObject({ emergency: true });
  });

  it("declares the wardens' TETRA radios and the control station's talkgroups", () => {
    expect(cfg.units.filter((u) => u.bearer === 'tetra').map((u) => u.issi)).toEqual([2009, 2010]);
    expect(cfg.radio.controlStations[0]).toMatchObject({ optionalCommands: [], talkgroups: ['tg-town'] });
  });

  it('has accounts for every role and console role', () => {
    expect(new Set(cfg.accounts.map((a) => a.role))).toEqual(new Set(ACCOUNT_ROLES));
    const consoles = new Map(cfg.accounts.filter((a) => a.role === 'console').map((a) => [a.consoleRole, a.username]));
    expect(new Set(consoles.keys())).toEqual(new Set(CONSOLE_ROLES));
    expect(Object.fromEntries(consoles)).toEqual({
      controller: 'controller',
      'cctv-operator': 'operator',
      'security-manager': 'secmgr',
      police: 'police',
      member: 'member',
      engineer: 'engineer',
    });
    const byName = new Map(cfg.accounts.map((a) => [a.username, a]));
    for (let issi = 2001; issi <= 2010; issi++) expect(byName.get(`radio-${issi}`)).toMatchObject({ role: 'handset', issi });
    expect(byName.get('radio-gateway')).toMatchObject({ role: 'control-station', issiRanges: [[2001, 8999]] });
    const shops = cfg.accounts.filter((a) => a.role === 'shop-terminal');
    expect(shops.length).toBeGreaterThanOrEqual(3);
    for (const s of shops) expect(s.username).toBe(`shop-${s.premisesId}`);
    for (const d of ['dock-1', 'dock-2', 'dock-3']) expect(byName.get(d)).toMatchObject({ role: 'dock', dockId: d });
    expect(byName.get('cctv')?.role).toBe('camera-system');
    expect(byName.get('service')?.role).toBe('service');
  });

  it('uses <username>-demo as every password, and is safe only in demo mode', async () => {
    for (const a of cfg.accounts) {
      expect(await verifyPassword(`${a.username}-demo`, a.passwordHash), a.username).toBe(true);
    }
    expect(await verifyPassword('controller-demo', cfg.accounts[1]?.passwordHash ?? '')).toBe(false);
    expect(await checkProductionSafety(cfg, verifyPassword)).toEqual([]);
  });

  it('places every premises and camera inside its own zone and no other', () => {
    const placed = [
      ...cfg.premises.map((p) => ({ what: p.id, zone: p.zone, at: p.position })),
      ...cfg.cameras.map((c) => ({ what: c.id, zone: c.zone, at: c.position })),
    ];
    for (const p of placed) {
      const containing = cfg.zones.filter((z) => pointInPolygon(p.at, z.polygon)).map((z) => z.id);
      expect(containing, p.what).toEqual([p.zone]);
    }
  });

  it('keeps everything within about 600 m of the centre', () => {
    const points = [...cfg.zones.flatMap((z) => z.polygon), ...cfg.premises.map((p) => p.position), ...cfg.cameras.map((c) => c.position)];
    for (const p of points) expect(haversineMetres(CENTRE, p)).toBeLessThan(620);
  });

  it('has zones that do not overlap', () => {
    // Sample a fine grid over the town; no sample may fall in two zones.
    const step = 0.0001; // ~7 m east-west, ~11 m north-south
    let inside = 0;
    for (let lon = CENTRE[0] - 0.01; lon < CENTRE[0] + 0.01; lon += step) {
      for (let lat = CENTRE[1] - 0.006; lat < CENTRE[1] + 0.006; lat += step) {
        const hits = cfg.zones.filter((z) => pointInPolygon([lon, lat], z.polygon)).map((z) => z.id);
        expect(hits.length, `${lon},${lat} in ${hits.join('+')}`).toBeLessThanOrEqual(1);
        inside += hits.length;
      }
    }
    expect(inside).toBeGreaterThan(1000); // the grid really did cover the zones
  });

  it('has a connected walking graph with realistic times', () => {
    const seen = new Set<string>([cfg.zones[0]?.id ?? '']);
    const queue = [...seen];
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      for (const n of zone(id).neighbours) {
        if (!seen.has(n.zone)) {
          seen.add(n.zone);
          queue.push(n.zone);
        }
      }
    }
    expect([...seen].sort()).toEqual(cfg.zones.map((z) => z.id).sort());
    for (const z of cfg.zones) for (const n of z.neighbours) expect(n.walkSeconds).toBeGreaterThanOrEqual(60);
    for (const z of cfg.zones) for (const n of z.neighbours) expect(n.walkSeconds).toBeLessThanOrEqual(300);
  });

  it('has a zone that is near as the crow flies but a long walk (the canal)', () => {
    const target = polygonCentroid(zone('bus-station').polygon);
    const canal = polygonCentroid(zone('canal-side').polygon);
    const square = polygonCentroid(zone('market-square').polygon);
    // Canal Side is closer in a straight line than the Market Square is...
    expect(haversineMetres(canal, target)).toBeLessThan(haversineMetres(square, target));
    // ...but walking from it takes far longer, so ranking by distance would pick the wrong unit.
    const fromCanal = walkSeconds(cfg, 'canal-side', 'bus-station');
    const fromSquare = walkSeconds(cfg, 'market-square', 'bus-station');
    expect(fromCanal).toBeGreaterThanOrEqual(2 * fromSquare);
    expect(zone('canal-side').neighbours.some((n) => n.zone === 'bus-station')).toBe(false);
  });
});
