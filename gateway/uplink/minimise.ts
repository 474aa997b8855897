import { pointInPolygon, type LonLat } from '../../config/geo';
import type { UplinkRule, UplinkSettings, Zone } from '../../config/schema';
import type { PayloadMode } from './wire';

/**
 * What of a journal event leaves the site: pure, decided from the event's type, its header's
 * subject, its stored payload text and the config. Only the payload is ever minimised: the
 * header is hashed, and is what the region verifies the chain with, so an event leaves with its
 * whole header or as a bare link. Two rules hold whatever the config says:
 *
 * - an event whose header names a person (`subject:<id>`) leaves only when its payload says that
 *   person is shared regionally; otherwise it goes as a bare link, since the header cannot be
 *   changed without breaking the chain;
 * - a position (`{lat, lon}`, or a `[lon, lat]` pair under a position key) leaves only as the
 *   config zone it falls in, unless `exactPositions` lists the event type.
 */

export type Outcome = { kind: 'link' } | { kind: 'event'; mode: PayloadMode; payload: string | null; dropped: string[] };

/**
 * Always sent: an erasure carries only a seq and a reason, and the region must erase its copy
 * of that payload too.
 */
const ALWAYS = new Set(['journal.payload-erased', 'journal.payloads-erased']);

/** Keys whose `[lon, lat]` pair is a position (GeoJSON order, as config/geo.ts). */
const POSITION_KEYS = new Set(['position', 'lonLat', 'gps', 'coordinates', 'location']);
const DEFAULT_SHARED_FLAG = 'sharedRegionally';

export function typeMatches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The object holding the last key of a dotted path, and that key. */
function parentOf(root: Obj, path: string): { parent: Obj; key: string } | null {
  const keys = path.split('.');
  let at: unknown = root;
  for (const k of keys.slice(0, -1)) {
    if (!isObj(at)) return null;
    at = at[k];
  }
  return isObj(at) ? { parent: at, key: keys[keys.length - 1]! } : null;
}

function get(root: Obj, path: string): unknown {
  const p = parentOf(root, path);
  return p ? p.parent[p.key] : undefined;
}

function remove(root: Obj, path: string): boolean {
  const p = parentOf(root, path);
  if (!p || !Object.hasOwn(p.parent, p.key)) return false;
  delete p.parent[p.key];
  return true;
}

/** A zone the reporter already named is kept when the position falls outside every zone. */
function setZone(o: Obj, zone: string | null): void {
  if (zone !== null || typeof o.zone !== 'string') o.zone = zone;
}

const isPair = (v: unknown): v is [number, number] => Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number';

export class UplinkPolicy {
  constructor(
    private readonly settings: Pick<UplinkSettings, 'eventTypes' | 'minimise'> & { exactPositions?: readonly string[] },
    private readonly zones: readonly Pick<Zone, 'id' | 'polygon'>[],
  ) {}

  /** Whether an event of this type leaves the site (with its header), before any payload rule. */
  allows(type: string): boolean {
    return ALWAYS.has(type) || this.settings.eventTypes.some((p) => typeMatches(p, type));
  }

  /** `headerSubject` is the event's header `subject` (e.g. `subject:s-17`), which cannot be minimised. */
  outcome(type: string, payloadText: string | null, headerSubject: string | null = null): Outcome {
    if (!this.allows(type)) return { kind: 'link' };
    const rules = this.settings.minimise.filter((r) => r.types.some((p) => typeMatches(p, type)));
    const namesPerson = headerSubject?.startsWith('subject:') === true;
    if (payloadText === null) {
      // Erased by retention: whether it was shared regionally is no longer known, so only a link.
      return namesPerson || rules.some((r) => r.onlyIfShared) ? { kind: 'link' } : { kind: 'event', mode: 'erased', payload: null, dropped: [] };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(payloadText);
    } catch {
      // The journal stores JSON; anything else cannot be judged, so it does not leave.
      return { kind: 'link' };
    }
    const payload: Obj = isObj(parsed) ? parsed : {};
    const shared = (r: Pick<UplinkRule, 'sharedFlag'>) => get(payload, r.sharedFlag) === true;
    if (namesPerson && !(rules.length > 0 ? rules.some(shared) : shared({ sharedFlag: DEFAULT_SHARED_FLAG }))) return { kind: 'link' };
    if (rules.some((r) => r.onlyIfShared && !shared(r))) return { kind: 'link' };
    if (rules.some((r) => r.withhold)) return { kind: 'event', mode: 'withheld', payload: null, dropped: [] };
    if (!isObj(parsed)) return { kind: 'event', mode: 'full', payload: payloadText, dropped: [] };

    const dropped: string[] = [];
    for (const rule of rules) this.apply(rule, payload, shared(rule), dropped);
    if (!(this.settings.exactPositions ?? []).some((p) => typeMatches(p, type))) this.zoneEverywhere(payload, '', dropped);
    return dropped.length === 0
      ? { kind: 'event', mode: 'full', payload: payloadText, dropped }
      : { kind: 'event', mode: 'minimised', payload: JSON.stringify(payload), dropped };
  }

  /** Every position the rules did not name, anywhere in the payload, reduced to its zone. */
  private zoneEverywhere(o: Obj, prefix: string, dropped: string[]): void {
    this.reduceObject(o, prefix, dropped);
    for (const [k, v] of Object.entries(o)) {
      if (POSITION_KEYS.has(k) && isPair(v)) {
        delete o[k];
        setZone(o, this.zoneAt([v[0], v[1]]));
        dropped.push(`${prefix}${k}`);
      } else if (isObj(v)) {
        this.zoneEverywhere(v, `${prefix}${k}.`, dropped);
      } else if (Array.isArray(v)) {
        v.forEach((x, i) => isObj(x) && this.zoneEverywhere(x, `${prefix}${k}.${i}.`, dropped));
      }
    }
  }

  private apply(rule: UplinkRule, payload: Obj, shared: boolean, dropped: string[]): void {
    for (const f of rule.drop) if (remove(payload, f)) dropped.push(f);
    if (!shared) for (const f of rule.unlessShared) if (remove(payload, f)) dropped.push(f);
    for (const f of rule.zone) this.reduceToZone(payload, f, dropped);
  }

  /**
   * `{lat, lon, …}` loses lat/lon and gains `zone`; a `[lon, lat]` pair is removed and its
   * object gains `zone` (`place.lonLat` → `place.zone`).
   */
  private reduceToZone(payload: Obj, path: string, dropped: string[]): void {
    if (path === '.') {
      this.reduceObject(payload, '', dropped);
      return;
    }
    const p = parentOf(payload, path);
    if (!p) return;
    const v = p.parent[p.key];
    if (isPair(v)) {
      delete p.parent[p.key];
      setZone(p.parent, this.zoneAt([v[0], v[1]]));
      dropped.push(path);
    } else if (isObj(v)) {
      this.reduceObject(v, `${path}.`, dropped);
    }
  }

  private reduceObject(o: Obj, prefix: string, dropped: string[]): void {
    if (typeof o.lat !== 'number' || typeof o.lon !== 'number') return;
    const zone = this.zoneAt([o.lon, o.lat]);
    delete o.lat;
    delete o.lon;
    setZone(o, zone);
    dropped.push(`${prefix}lat`, `${prefix}lon`);
  }

  private zoneAt(point: LonLat): string | null {
    return this.zones.find((z) => pointInPolygon(point, z.polygon))?.id ?? null;
  }
}
