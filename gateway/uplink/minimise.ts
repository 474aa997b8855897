import { pointInPolygon, type LonLat } from '../../config/geo';
import type { UplinkRule, UplinkSettings, Zone } from '../../config/schema';
import type { PayloadMode } from './wire';

/**
 * What of a journal event leaves the site: pure, decided from the event's type, its stored
 * payload text and the config. Only the payload is ever minimised: the header is what the
 * region verifies the chain with, so an event leaves with its whole header or as a bare link.
 */

export type Outcome =
  | { kind: 'link' }
  | { kind: 'event'; mode: PayloadMode; payload: string | null; dropped: string[] };

/**
 * Always sent: an erasure carries only a seq and a reason, and the region must erase its copy
 * of that payload too.
 */
const ALWAYS = new Set(['journal.payload-erased']);

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

export class UplinkPolicy {
  constructor(
    private readonly settings: Pick<UplinkSettings, 'eventTypes' | 'minimise'>,
    private readonly zones: readonly Pick<Zone, 'id' | 'polygon'>[],
  ) {}

  /** Whether an event of this type leaves the site (with its header), before any payload rule. */
  allows(type: string): boolean {
    return ALWAYS.has(type) || this.settings.eventTypes.some((p) => typeMatches(p, type));
  }

  outcome(type: string, payloadText: string | null): Outcome {
    if (!this.allows(type)) return { kind: 'link' };
    const rules = this.settings.minimise.filter((r) => r.types.some((p) => typeMatches(p, type)));
    if (payloadText === null) {
      // Erased by retention: whether it was shared regionally is no longer known, so only a link.
      return rules.some((r) => r.onlyIfShared) ? { kind: 'link' } : { kind: 'event', mode: 'erased', payload: null, dropped: [] };
    }
    if (rules.length === 0) return { kind: 'event', mode: 'full', payload: payloadText, dropped: [] };
    const parsed: unknown = JSON.parse(payloadText);
    const payload: Obj = isObj(parsed) ? parsed : {};
    const shared = (r: UplinkRule) => get(payload, r.sharedFlag) === true;
    if (rules.some((r) => r.onlyIfShared && !shared(r))) return { kind: 'link' };
    if (rules.some((r) => r.withhold)) return { kind: 'event', mode: 'withheld', payload: null, dropped: [] };
    if (!isObj(parsed)) return { kind: 'event', mode: 'full', payload: payloadText, dropped: [] };

    const dropped: string[] = [];
    for (const rule of rules) this.apply(rule, payload, shared(rule), dropped);
    return dropped.length === 0
      ? { kind: 'event', mode: 'full', payload: payloadText, dropped }
      : { kind: 'event', mode: 'minimised', payload: JSON.stringify(payload), dropped };
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
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number') {
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
