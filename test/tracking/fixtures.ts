import { defaultConfigPath, loadConfig } from '../../config/load';
import type { LonLat } from '../../config/geo';
import type { CboRecord } from '../../gateway/tracking/cbo';
import type { Sighting, SourceKind } from '../../gateway/tracking/track';
import { resolvePlace, type PlaceInput } from '../../gateway/tracking/zones';

/** The demo town: its zones, walks, premises and cameras are the fixtures. */
export const town = loadConfig(defaultConfigPath, {});
export const TZ = town.site.timezone;

let n = 0;

/** A sighting as the watcher would derive it, placed through the real place resolution. */
export function sighting(at: string, place: PlaceInput, opts: { subjectId?: string | null; kind?: SourceKind } = {}): Sighting {
  const where = resolvePlace(place, town);
  if (!where) throw new Error(`no such place ${JSON.stringify(place)}`);
  n++;
  return {
    id: `sg-${n}`,
    subjectId: opts.subjectId === undefined ? 'subj-1' : opts.subjectId,
    at,
    atMs: Date.parse(at),
    kind: opts.kind ?? 'cctv',
    via: 'api',
    reporter: 'operator',
    unitId: null,
    description: null,
    category: null,
    media: [],
    causeSeq: n,
    ...where,
  };
}

export function cbo(overrides: Partial<CboRecord> = {}): CboRecord {
  return {
    id: 'cbo-1',
    subjectId: 'subj-1',
    reference: 'DT/2026/0042',
    conditions: 'Not to enter the Bus Station between 20:00 and 06:00 on Fridays',
    excludedZones: ['bus-station'],
    excludedAreas: [],
    excludedPremises: [],
    windows: [{ days: ['fri'], from: '20:00', to: '06:00' }],
    startsAt: '2026-01-01T00:00:00Z',
    expiresAt: '2026-12-31T00:00:00Z',
    sharedWithMembers: true,
    state: 'issued',
    history: [],
    ...overrides,
  };
}

/** ~1 m of longitude at the town's latitude. */
export const ONE_METRE_LON = 1 / (111_320 * Math.cos((52.953 * Math.PI) / 180));

export const at = (lon: number, lat: number): { lonLat: LonLat } => ({ lonLat: [lon, lat] });
