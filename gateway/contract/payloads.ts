import { z } from 'zod';

/**
 * Payload schemas of the MQTT topics. Every inbound payload is parsed with one of these before
 * it reaches the journal; anything else is quarantined with zod's path and message.
 */

/** Device clocks drift; a time more than this far ahead of ours is a bad input, not a fact. */
const MAX_FUTURE_MS = 5 * 60_000;

export const isoTime = z.iso.datetime({ offset: true }).refine((s) => Date.parse(s) <= Date.now() + MAX_FUTURE_MS, 'time is in the future');

const text = (max: number) => z.string().min(1).max(max);
export const latitude = z.number().min(-90).max(90);
export const longitude = z.number().min(-180).max(180);

export const RadioPosition = z.strictObject({
  lat: latitude,
  lon: longitude,
  accuracyM: z.number().nonnegative().max(100_000).nullable().optional(),
  speedKmh: z.number().nonnegative().max(500).nullable().optional(),
  headingDeg: z.number().min(0).max(360).nullable().optional(),
  fixTime: isoTime,
});

export const RadioPtt = z.strictObject({
  state: z.enum(['start', 'stop']),
  talkgroup: z.int().min(1).max(16_777_215),
});

export const RadioStatus = z.strictObject({ value: z.int().min(0).max(65_535) });

export const RadioEmergency = z.strictObject({ state: z.enum(['pressed', 'cancelled']) });

export const RadioText = z.strictObject({ to: z.int().min(1).max(16_777_215), text: text(1000) });

export const RadioReceipt = z.strictObject({
  msgId: text(64),
  status: z.enum(['delivered', 'read', 'failed']),
});

export const RadioPresence = z.strictObject({ online: z.boolean() });

export const Downlink = z.strictObject({
  msgId: text(64),
  kind: z.enum(['text', 'alert', 'dispatch']),
  priority: z.enum(['normal', 'urgent', 'emergency']),
  from: text(64),
  text: text(1000),
  ackRequested: z.boolean(),
});

export const ShopReport = z.strictObject({
  kind: z.enum(['incident', 'sighting']),
  category: z.enum(['theft', 'abuse', 'violence', 'suspicious', 'cbo-breach', 'damage', 'other']),
  occurredAt: isoTime,
  description: text(2000),
  subjectId: text(64).optional(),
  media: z.array(text(256)).max(10).optional(),
});

export const CctvSighting = z.strictObject({
  seenAt: isoTime,
  operator: text(64),
  subjectId: text(64).optional(),
  description: text(2000).optional(),
  snapshotRef: text(256).optional(),
  /** Where in the picture he was, if the operator says: a zone the camera looks into, or a point in its view. */
  zone: text(64).optional(),
  lonLat: z.tuple([longitude, latitude]).optional(),
});

/** A moment on a camera with a note; `incidentId` attaches it to an incident (its bundle lists it). */
export const CctvBookmark = z.strictObject({ at: isoTime, operator: text(64), note: text(2000), incidentId: text(64).optional() });

export const CctvFault = z.strictObject({ operator: text(64), fault: text(500) });

/**
 * Frigate's `frigate/events` (docs.frigate.video/integrations/mqtt): one message per change of
 * a tracked object, `{type, before, after}`. Frigate adds fields between versions (box, region,
 * snapshot, attributes…), so unknown keys are dropped rather than refused; these are the ones
 * we use. Times are Unix seconds.
 */
const unixSeconds = z.number().nonnegative().max(32_503_680_000); // before year 3000
const FrigateObject = z.object({
  id: text(128),
  camera: text(128),
  label: text(64),
  sub_label: z.union([z.string().max(128), z.tuple([z.string().max(128), z.number()]), z.null()]).optional(),
  start_time: unixSeconds,
  end_time: unixSeconds.nullable(),
  frame_time: unixSeconds.optional(),
  top_score: z.number().min(0).max(1).nullable().optional(),
  score: z.number().min(0).max(1).nullable().optional(),
  false_positive: z.boolean().optional(),
  current_zones: z.array(text(128)).max(64),
  entered_zones: z.array(text(128)).max(64),
  has_snapshot: z.boolean().optional(),
  has_clip: z.boolean().optional(),
  stationary: z.boolean().optional(),
});
export const FrigateEvent = z.object({ type: z.enum(['new', 'update', 'end']), before: FrigateObject, after: FrigateObject });
export type FrigateEvent = z.infer<typeof FrigateEvent>;

/**
 * A bulletin or alert from the control room to one member premises' shop terminal
 * (`tw/v1/shop/{premisesId}/down`). `from` is who sent it, as a person reads it; `msgId` is
 * what the terminal's receipt names.
 */
export const ShopDownlink = z.strictObject({
  msgId: text(64),
  kind: z.enum(['bulletin', 'alert']),
  from: text(120),
  text: text(1000),
  sentAt: z.iso.datetime({ offset: true }),
  ackRequested: z.boolean(),
});
export type ShopDownlink = z.infer<typeof ShopDownlink>;

/** A shop terminal's receipt for a bulletin: shown (`delivered`) or read by someone at the premises. */
export const ShopReceipt = z.strictObject({
  msgId: text(64),
  status: z.enum(['delivered', 'read']),
});
