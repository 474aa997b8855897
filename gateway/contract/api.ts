import { z } from 'zod';

/** Bodies and queries of the REST API; the console uses the same types. */

export const LoginBody = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginBody = z.infer<typeof LoginBody>;

/** The `:id` of a route (events, evidence digests, cameras, subjects…). */
export const IdParams = z.strictObject({ id: z.string().min(1).max(128) });

export const PageQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export interface Me {
  username: string;
  /** The name people read (people administration); the username where none is set. */
  displayName: string;
  consoleRole: string | null;
  premisesId: string | null;
}

/** Every response: `{ data }` on success, `{ error: { code, message } }` on failure. */
export type ApiResponse<T> = { data: T } | { error: { code: string; message: string; details?: unknown } };

/**
 * What `POST /api/login` and `GET /api/me` return to the console: who is logged in, the CSRF
 * token every state-changing cookie request must carry as `x-csrf-token`, and the idle timeout
 * after which the session ends.
 */
export interface SessionInfo extends Me {
  csrfToken: string | null;
  sessionTtlMinutes: number;
}

export const CSRF_HEADER = 'x-csrf-token';

/** A GeoJSON-order position: [longitude, latitude]. */
export type LonLat = readonly [number, number];

/**
 * `GET /api/site`: the demo town (or a real one) as the console draws it, derived from the
 * config: no tile server needed. What a role gets is trimmed to what it may see: a member gets
 * the zones and premises, not the units, cameras or talkgroups.
 */
export interface SiteInfo {
  site: { id: string; name: string; timezone: string };
  zones: Array<{ id: string; name: string; polygon: LonLat[]; neighbours: Array<{ zone: string; walkSeconds: number }> }>;
  premises: Array<{ id: string; name: string; zone: string; position: LonLat; kind: string | null }>;
  cameras: Array<{ id: string; name: string; zone: string; position: LonLat; bearingDeg: number; fovDeg: number; rangeM: number; ptz: boolean }>;
  talkgroups: Array<{ id: string; gssi: number; name: string }>;
  units: Array<{ id: string; callsign: string; role: string; issi: number; talkgroups: string[] }>;
  statusCodes: Array<{ value: number; state: string; label: string; emergency: boolean }>;
  /** Response grades, most urgent first (for grading incidents). */
  incidentGrades: Array<{ id: string; label: string; targetMinutes: number }>;
  console: { tileUrl: string | null; tileAttribution: string | null };
}

/** Evidence views the REST API returns (`GET /api/docks`, `GET /api/evidence/:id/custody`). */
export type { DockLive, CustodyEntry, MismatchAlarm } from './views';
