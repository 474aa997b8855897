/**
 * A deep copy of a set of projections, for time travel's checkpoints (time-travel-worker.ts):
 * the copy is then replayed forward without touching the original. Generic rather than a
 * restore per projection, so a new projection needs nothing here; it keeps prototypes (the
 * copy is still a Projections) and aliasing (units keeps the same view in two maps, and so
 * does the copy). `shared` objects (the config) are read-only and kept by reference.
 */
export function deepCopy<T>(value: T, shared: ReadonlySet<object> = new Set()): T {
  const seen = new Map<object, unknown>();
  const copy = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v; // primitives, and functions kept as they are
    if (shared.has(v)) return v;
    const done = seen.get(v);
    if (done !== undefined) return done;
    if (v instanceof Map) {
      const m = new Map<unknown, unknown>();
      seen.set(v, m);
      for (const [k, x] of v) m.set(copy(k), copy(x));
      return m;
    }
    if (v instanceof Set) {
      const s = new Set<unknown>();
      seen.set(v, s);
      for (const x of v) s.add(copy(x));
      return s;
    }
    if (v instanceof Date) return new Date(v.getTime());
    if (Array.isArray(v)) {
      const a: unknown[] = new Array<unknown>(v.length);
      seen.set(v, a);
      for (let i = 0; i < v.length; i++) a[i] = copy(v[i]);
      return a;
    }
    const o = Object.create(Object.getPrototypeOf(v) as object | null) as Record<string, unknown>;
    seen.set(v, o);
    for (const k of Object.keys(v)) o[k] = copy((v as Record<string, unknown>)[k]);
    return o;
  };
  return copy(value) as T;
}
