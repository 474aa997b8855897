import type { Config } from '../../config/schema';
import { isEvent, type EventPayload } from '../contract/events';
import type { JournalEvent } from '../journal/types';
import type { Sighting } from './track';
import { inView, resolvePlace, type ZonePicker } from './zones';

/**
 * The events a sighting can come from, turned into one normalised shape. Shop terminals over
 * MQTT and member consoles over REST both journal `shop.report`; CCTV operators and the
 * Frigate bridge journal `cctv.sighting`; officers, operators and guards reporting through
 * the API journal `sighting.reported`. Pure: the watcher derives `track.sighting` from here,
 * and the result is stored in the journal, so replay never recomputes it.
 */
export const SIGHTING_SOURCES: ReadonlySet<string> = new Set(['shop.report', 'cctv.sighting', 'sighting.reported']);

/**
 * What an officer, operator or guard reports through the API (the catalogue's `sighting.reported`).
 * `sharedRegionally` says whether the named subject is shared regionally: the header names them
 * (`subject:<id>`), so the uplink lets the report out only when this is true (gateway/uplink/minimise.ts).
 */
export type ReportedSightingPayload = EventPayload<'sighting.reported'>;

type Geo = Pick<Config, 'zones' | 'premises' | 'cameras'>;

/** For a camera sighting: how to choose among the zones the camera sees, given whose sighting it is and when. */
export type PickerFor = (subjectId: string | null, atMs: number) => ZonePicker | undefined;

/**
 * The sighting a committed event reports, or null when it is not a sighting source or names
 * no known place. `knownSubject` says whether a subject id is in the gallery: a report naming
 * an unknown id stays unlinked rather than starting a track for a typo.
 */
export function sightingFrom(e: JournalEvent, geo: Geo, knownSubject: (id: string) => boolean, pickFor: PickerFor = () => undefined): Sighting | null {
  if (!isEvent(e, 'shop.report', 'cctv.sighting', 'sighting.reported') || !e.payload) return null;
  const via = e.source === 'api' ? 'api' : 'mqtt';
  const subject = (id: string | null | undefined) => (id && knownSubject(id) ? id : null);
  // A report naming nobody we know stays unlinked, and says whom it named.
  const named = (id: string | null | undefined) => (id && !knownSubject(id) ? { unknownSubjectId: id } : {});
  const base = { id: `sg-${e.id}`, via, causeSeq: e.seq, unitId: null } as const;
  if (e.type === 'shop.report') {
    const p = e.payload;
    const place = resolvePlace({ premisesId: p.premisesId }, geo);
    if (!place) return null;
    return {
      ...base,
      ...place,
      ...named(p.subjectId),
      subjectId: subject(p.subjectId),
      at: p.occurredAt,
      atMs: Date.parse(p.occurredAt),
      kind: 'shop',
      reporter: e.actor ?? e.source,
      description: p.description,
      category: p.category,
      media: p.media ?? [],
    };
  }
  if (e.type === 'cctv.sighting') {
    const p = e.payload;
    const camera = geo.cameras.find((c) => c.id === p.cameraId);
    // Where in the picture, if the operator said and it is somewhere this camera sees (the API
    // refuses anything else; over MQTT a hint that does not fit falls back to the camera's view).
    const lonLat = p.lonLat && camera && inView(camera, p.lonLat) ? p.lonLat : undefined;
    const atMs = Date.parse(p.seenAt);
    const pick = pickFor(subject(p.subjectId), atMs);
    const place = resolvePlace({ cameraId: p.cameraId, zone: p.zone, lonLat }, geo, pick) ?? resolvePlace({ cameraId: p.cameraId }, geo, pick);
    if (!place) return null;
    return {
      ...base,
      ...place,
      ...named(p.subjectId),
      subjectId: subject(p.subjectId),
      at: p.seenAt,
      atMs,
      kind: 'cctv',
      reporter: p.operator,
      description: p.description ?? null,
      category: null,
      media: p.snapshotRef ? [p.snapshotRef] : [],
    };
  }
  const p = e.payload;
  const place = resolvePlace(p.place, geo, pickFor(subject(p.subjectId), Date.parse(p.at)));
  if (!place) return null;
  return {
    ...base,
    ...place,
    ...named(p.subjectId),
    subjectId: subject(p.subjectId),
    at: p.at,
    atMs: Date.parse(p.at),
    kind: p.kind,
    unitId: p.unitId,
    reporter: e.actor,
    description: p.description,
    category: null,
    media: p.media,
  };
}
