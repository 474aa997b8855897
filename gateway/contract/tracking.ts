import { z } from 'zod';
import { isoTime, latitude, longitude, ShopReport } from './payloads';
import { CALL_CHANNELS, DAYS, ORDER_KINDS, OUTCOMES } from './tracking-views';

/**
 * Bodies and queries of the tracking API (REST and Socket.IO commands alike): reports,
 * sightings, subjects, orders, breaches, incidents, exports. The application API parses every
 * input with these; the console may use them to validate forms.
 */

const Id = z.string().min(1).max(64);
const text = (max: number) => z.string().trim().min(1).max(max);
/** A date-time for the record (an order's start or expiry may well be in the future). */
const anyTime = z.iso.datetime({ offset: true });
const HHMM = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM, 00:00 to 24:00');

export const LonLatInput = z.tuple([longitude, latitude]);

/** Where: a position, a premises, a camera's view, a zone, or "where unit X is" (its last fix). */
export const PlaceInput = z
  .strictObject({ lonLat: LonLatInput.optional(), premisesId: Id.optional(), cameraId: Id.optional(), zone: Id.optional(), unitId: Id.optional() })
  .refine((p) => Object.values(p).some((v) => v !== undefined), 'give a position, premises, camera, zone or unit');
export type PlaceInput = z.infer<typeof PlaceInput>;

/** A shop's report over REST: the MQTT payload, plus the premises (a member's own by default). */
export const ReportInput = ShopReport.extend({ premisesId: Id.optional() });

export const SightingInput = z
  .strictObject({
    subjectId: Id.optional(),
    description: text(2000).optional(),
    at: isoTime.optional(),
    source: z.enum(['radio', 'cctv', 'bodycam', 'patrol']).optional(),
    place: PlaceInput,
    /** The unit whose officer reported it (defaults to none). */
    unitId: Id.optional(),
    media: z.array(text(256)).max(10).default([]),
  })
  .refine((s) => s.subjectId !== undefined || s.description !== undefined, 'name a subject or describe the person');

export const LinkInput = z.strictObject({ subjectId: Id });

const Feature = z.string().regex(/^[a-z0-9-]+(?::[a-z0-9-]+)?$/, 'features are lower-case tags like "hair:ginger"');

const subjectFields = {
  status: z.enum(['known', 'sought']),
  name: text(200).nullable(),
  aliases: z.array(text(200)).max(20),
  dob: z.iso.date().nullable(),
  photoRef: text(256).nullable(),
  description: text(2000),
  features: z.array(Feature).max(50),
  markers: z.array(text(64)).max(20),
  sharedWithMembers: z.boolean(),
  /** The partnership shares this person with the region (other towns): the uplink sends their record. */
  sharedRegionally: z.boolean(),
};

export const SubjectInput = z
  .strictObject({
    ...subjectFields,
    name: subjectFields.name.default(null),
    aliases: subjectFields.aliases.default([]),
    dob: subjectFields.dob.default(null),
    photoRef: subjectFields.photoRef.default(null),
    features: subjectFields.features.default([]),
    markers: subjectFields.markers.default([]),
    sharedWithMembers: subjectFields.sharedWithMembers.default(false),
    /** Shared with members until then (the console always sets it); without it, until withdrawn. */
    sharedWithMembersUntil: anyTime.nullable().default(null),
    sharedRegionally: subjectFields.sharedRegionally.default(false),
  })
  .refine((s) => s.status === 'sought' || s.name !== null, { path: ['name'], message: 'a known subject needs a name' });

export const SubjectPatch = z
  .strictObject(subjectFields)
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'change at least one field');

/** Share a subject with members: a controller's or officer's decision, always with an expiry. */
export const ShareInput = z.strictObject({ until: anyTime, note: text(500).optional() });
/** Stop sharing a subject with members before the expiry. */
export const WithdrawInput = z.strictObject({ reason: text(500) });
/** Put a subject on the watch list: why, for whoever reads the list later. */
export const WatchInput = z.strictObject({ reason: text(500) });
export const UnwatchInput = z.strictObject({ note: text(500).optional() });

/** A photo of a subject: a JPEG or PNG, base64 (at most 6 MiB of image); its metadata is stripped on arrival. */
export const PhotoInput = z.strictObject({
  image: z
    .base64()
    .min(4)
    .max(8 * 1024 * 1024),
});

export const SubjectQuery = z.strictObject({
  q: z.string().max(200).optional(),
  /** Comma-separated feature tags, all of which must match. */
  features: z.string().max(500).optional(),
  /** `true`: only subjects on the watch list (full-access roles; a member sees no watch list). */
  watched: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

export const TimeWindowInput = z
  .strictObject({ days: z.array(z.enum(DAYS)).default([]), from: HHMM, to: HHMM })
  .refine((w) => w.from !== w.to, 'a window must not start and end at the same time');

const AreaInput = z.strictObject({
  name: text(100),
  polygon: z
    .array(LonLatInput)
    .min(4, 'a polygon needs at least 4 points, the last repeating the first')
    .refine((p) => p[0]![0] === p[p.length - 1]![0] && p[0]![1] === p[p.length - 1]![1], 'polygon must be closed'),
});

export const CboInput = z
  .strictObject({
    subjectId: Id,
    kind: z.enum(ORDER_KINDS).default('cbo'),
    state: z.enum(['warning', 'issued']).default('issued'),
    reference: text(100).nullable().default(null),
    conditions: text(4000),
    excludedZones: z.array(Id).max(50).default([]),
    excludedAreas: z.array(AreaInput).max(20).default([]),
    excludedPremises: z.array(Id).max(200).default([]),
    windows: z.array(TimeWindowInput).max(14).default([]),
    startsAt: anyTime,
    expiresAt: anyTime,
    sharedWithMembers: z.boolean().default(true),
  })
  .refine((c) => Date.parse(c.expiresAt) > Date.parse(c.startsAt), { path: ['expiresAt'], message: 'must be after startsAt' })
  .refine((c) => c.excludedZones.length + c.excludedAreas.length + c.excludedPremises.length > 0, 'exclude at least one zone, area or premises')
  // A Community Protection Warning is the written warning itself: it is never in force.
  .refine((c) => c.kind !== 'cpw' || c.state === 'warning', { path: ['state'], message: 'a Community Protection Warning is recorded as a warning' });

export const CboExtendInput = z.strictObject({ expiresAt: anyTime });
export const CboRevokeInput = z.strictObject({ reason: text(1000) });
export const NoteInput = z.strictObject({ note: z.string().max(1000).optional() });

/** Who called, if they said: a name and a number to call back, either or both. */
export const CallerInput = z
  .strictObject({
    name: text(120).optional(),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9][0-9 ()-]{2,24}$/, 'a phone number: digits, spaces, brackets and dashes, optionally starting with +')
      .optional(),
  })
  .refine((c) => c.name !== undefined || c.phone !== undefined, "give the caller's name or number, or leave the caller out");

export const IncidentInput = z.strictObject({
  /** A call taken in the control room: how it came in. */
  channel: z.enum(CALL_CHANNELS).optional(),
  caller: CallerInput.optional(),
  category: ShopReport.shape.category,
  description: text(2000),
  place: PlaceInput,
  subjectId: Id.optional(),
  at: isoTime.optional(),
});
export const GradeInput = z.strictObject({ grade: Id });
export const DispatchInput = z.strictObject({ unitId: Id, note: z.string().max(500).optional() });
/** A close needs an outcome and a note: what happened, in words, for whoever reads the incident later. */
export const CloseInput = z.strictObject({
  outcome: z.enum(OUTCOMES),
  note: z.string({ error: 'a note is required to close an incident' }).trim().min(1, 'a note is required to close an incident').max(1000),
});

export const ExportQuery = z.strictObject({ format: z.enum(['geojson', 'cot', 'eido']) });
export const HotspotQuery = z.strictObject({ from: anyTime.optional(), to: anyTime.optional() });
export const StateQuery = z.strictObject({ at: anyTime.optional() });

/** What the tracking API returns (defined in contract/tracking-views.ts), for the console. */
export type { SubjectView, CboView, SubjectRecord } from './tracking-views';
export type { CboRecord, TimeWindow } from './tracking-views';
export type { Track, TrackSummary, TrackView, Sighting, Prediction, Handover, CameraCover } from './tracking-views';
export type { IncidentRecord, Assignment, CallerDetails } from './tracking-views';
export type { Ranking, RankedUnit, ExcludedUnit, ExcludedReason } from './tracking-views';
export type { Hotspots } from './tracking-views';
export type { BreachRecord } from './tracking-views';

type In<S extends z.ZodType> = z.input<S>;
type Ack<T = unknown> = (reply: { data: T } | { error: { code: string; message: string } }) => void;

/** Socket.IO commands of the tracking API (`entity:verb`), answered through the ack like every command. */
export interface TrackingCommands {
  'report:create': (input: In<typeof ReportInput>, ack: Ack) => void;
  'sighting:report': (input: In<typeof SightingInput>, ack: Ack) => void;
  'sighting:link': (input: { id: string; subjectId: string }, ack: Ack) => void;
  'subject:search': (input: { q?: string; features?: string; limit?: number }, ack: Ack) => void;
  'subject:view': (input: { id: string }, ack: Ack) => void;
  'subject:create': (input: In<typeof SubjectInput>, ack: Ack) => void;
  'subject:update': (input: { id: string; changes: In<typeof SubjectPatch> }, ack: Ack) => void;
  'cbo:create': (input: In<typeof CboInput>, ack: Ack) => void;
  'cbo:issue': (input: { id: string }, ack: Ack) => void;
  'cbo:extend': (input: { id: string; expiresAt: string }, ack: Ack) => void;
  'cbo:revoke': (input: { id: string; reason: string }, ack: Ack) => void;
  'breach:acknowledge': (input: { id: string; note?: string }, ack: Ack) => void;
  'track:get': (input: { subjectId: string }, ack: Ack) => void;
  'incident:create': (input: In<typeof IncidentInput>, ack: Ack) => void;
  'incident:grade': (input: { id: string; grade: string }, ack: Ack) => void;
  'incident:candidates': (input: { id: string }, ack: Ack) => void;
  'incident:dispatch': (input: { id: string; unitId: string; note?: string }, ack: Ack) => void;
  'incident:close': (input: { id: string; outcome: string; note?: string }, ack: Ack) => void;
}
