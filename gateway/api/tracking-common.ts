import type { Config } from '../../config/schema';
import type { Clock } from '../clock';
import type { PlaceInput } from '../contract/tracking';
import { Errors } from '../http/errors';
import type { Journal } from '../journal/journal';
import type { Projections } from '../projections';
import type { Hotspots } from '../tracking/hotspots';
import type { PhotoStore } from '../tracking/photo-store';
import { cameraPlaceProblems, type PlaceInput as ResolvablePlace } from '../tracking/zones';

export interface TrackingDeps {
  config: Config;
  journal: Journal;
  projections: Projections;
  /** What "now" is for time-limited decisions (a share with members ends at its expiry). Default: the system clock. */
  clock?: Clock;
  /** Where subjects' photos are kept; without it, photos cannot be uploaded (503). */
  photos?: PhotoStore;
  /**
   * State at a moment (as the role's JSON text) and hotspots, off the event loop
   * (projections/time-travel.ts); without it, computed here by the same functions.
   */
  timeTravel?: { stateJsonAt(untilTs: number, role: string | null): Promise<string>; hotspots(fromMs: number, toMs: number): Promise<Hotspots> };
}

/**
 * A place from an API input, resolved far enough to journal: "where unit X is" becomes that
 * unit's last fix now, so replaying the report later gives the same place.
 */
export function journalPlace(place: PlaceInput, deps: TrackingDeps): ResolvablePlace {
  const { unitId, ...rest } = place;
  if (unitId === undefined || rest.lonLat) return rest;
  const fix = deps.projections.units.get(unitId)?.fix;
  if (!fix) throw Errors.invalid([`place.unitId: unit ${unitId} has no position`]);
  return { ...rest, lonLat: [fix.lon, fix.lat] };
}

/** Every id a place names must exist in the config: a typo is a 400, not a silent nowhere. */
export function checkPlace(place: ResolvablePlace, config: Config): void {
  const issues: string[] = [];
  if (place.premisesId && !config.premises.some((p) => p.id === place.premisesId)) issues.push(`place.premisesId: unknown premises "${place.premisesId}"`);
  if (place.cameraId && !config.cameras.some((c) => c.id === place.cameraId)) issues.push(`place.cameraId: unknown camera "${place.cameraId}"`);
  if (place.zone && !config.zones.some((z) => z.id === place.zone)) issues.push(`place.zone: unknown zone "${place.zone}"`);
  const camera = place.cameraId ? config.cameras.find((c) => c.id === place.cameraId) : undefined;
  // With a camera, a zone or point says where in its picture: it must be somewhere the camera sees.
  if (camera && issues.length === 0) issues.push(...cameraPlaceProblems(camera, place, config.zones).map((p) => `place.${p}`));
  if (issues.length) throw Errors.invalid(issues);
}
