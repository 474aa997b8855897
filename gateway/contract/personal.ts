import { EVENTS, type EventSpec } from './events';

/**
 * A payload without what identifies or locates a person, by the event catalogue's own account of
 * each type (`privacy`: the personal paths, and the paths holding a position): what a reader gets
 * of an event the access policy does not give it (the engineer's raw journal: a radio text
 * without its words, a shop report without its description or the person it names). The header
 * and the chain's hashes are the caller's to keep. A type the catalogue does not know keeps
 * nothing (null): fail closed.
 */
export function withoutPersonal(type: string, payload: unknown): unknown {
  const spec: EventSpec | undefined = (EVENTS as Record<string, EventSpec | undefined>)[type];
  if (!spec || typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  const copy = structuredClone(payload) as Record<string, unknown>;
  for (const path of spec.privacy.personal) removePath(copy, path);
  for (const path of spec.privacy.positions) {
    if (path !== '.') removePath(copy, path);
    else {
      delete copy.lat;
      delete copy.lon;
    }
  }
  return copy;
}

function removePath(root: Record<string, unknown>, path: string): void {
  const keys = path.split('.');
  let at: unknown = root;
  for (const k of keys.slice(0, -1)) {
    if (typeof at !== 'object' || at === null) return;
    at = (at as Record<string, unknown>)[k];
  }
  if (typeof at === 'object' && at !== null) delete (at as Record<string, unknown>)[keys[keys.length - 1]!];
}
