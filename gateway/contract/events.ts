import { z } from 'zod';
import * as P from './payloads';
import { AUDIENCE_KINDS, BULLETIN_KINDS } from './bulletins';
import * as R from './radio';
import { CALL_CHANNELS, DAYS, ORDER_KINDS, OUTCOMES } from './tracking-views';

/**
 * Every event type the gateway journals, in one table: its payload schema, who writes it, who
 * reads it, and what in it can identify or locate a person (the uplink's rules are checked
 * against that, test/uplink/catalogue.test.ts). `EVENTS.md` is generated from this table
 * (`npm run events:docs`), and the MQTT topics' payloads are the `wire` schemas here.
 *
 * The schemas type the journal both ways: `AppendInput` (gateway/journal/types.ts) is a union
 * over this table, so the compiler checks every `journal.append({ type, payload })` against its
 * type's payload (test/contract/append-input.test.ts), and `JournalEvent` types what readers get.
 * Tests prove the catalogue true (test/contract/events.test.ts parses what real scenarios
 * journal). The schemas are NOT run when an event is appended: the hot path journals what its
 * writer built, which the compiler has checked.
 */

/** What in an event can identify or locate a person (see gateway/uplink/minimise.ts). */
export interface EventPrivacy {
  /** `subject` when the header's subject is `subject:<id>` (a person); `other` for devices, premises, accounts. */
  header: 'subject' | 'other' | 'none';
  /** Dotted payload paths naming or describing a person (a subject, a wearer, an operator, a user). */
  personal: readonly string[];
  /** Dotted payload paths holding a position: `{lat, lon}` (`.` for the payload itself) or a `[lon, lat]` pair. */
  positions: readonly string[];
}

export interface EventSpec<S extends z.ZodType = z.ZodType> {
  payload: S;
  /** For an inbound MQTT topic of the same name: the message as published (the payload adds the topic's parameters). */
  wire?: z.ZodType;
  description: string;
  /** Files (from the project root) that journal it. */
  writers: readonly string[];
  /** Files that act on it: projections, services, the console, the region. */
  readers: readonly string[];
  privacy: EventPrivacy;
}

const lonLat = z.tuple([P.longitude, P.latitude]).readonly();
const nstr = z.string().nullable();
const privacy = (header: EventPrivacy['header'], personal: string[] = [], positions: string[] = []): EventPrivacy => ({ header, personal, positions });

// Shapes shared by several events.

const Grade = z.object({ id: z.string(), label: z.string(), targetMinutes: z.number() });
const SourceKind = z.enum(['shop', 'cctv', 'radio', 'bodycam', 'patrol']);
const Precision = z.enum(['point', 'premises', 'camera', 'zone']);

/** A sighting normalised from a shop report, a CCTV mark or a reported sighting (gateway/tracking/track.ts `Sighting`). */
export const SightingPayload = z.object({
  id: z.string(),
  subjectId: nstr,
  at: z.string(),
  atMs: z.number(),
  kind: SourceKind,
  via: z.enum(['mqtt', 'api']),
  reporter: nstr,
  premisesId: nstr,
  cameraId: nstr,
  unitId: nstr,
  position: lonLat.nullable(),
  zone: nstr,
  precision: Precision,
  description: nstr,
  category: nstr,
  media: z.array(z.string()),
  causeSeq: z.number(),
  implausible: z
    .object({
      fromSightingId: z.string(),
      fromZone: nstr,
      elapsedSeconds: z.number(),
      walkSeconds: z.number(),
      impliedSpeedMps: z.number(),
      confirmed: z.boolean(),
    })
    .optional(),
  unknownSubjectId: z.string().optional(),
  /** Stamped when journaled on a subject's track: the uplink rules read it. */
  sharedRegionally: z.boolean().optional(),
});

/** A track in Frigate's `{type, before, after}` shape (contract/tracking-views.ts `TrackSummary`). */
const TrackSummary = z.object({
  trackId: z.string(),
  subjectId: z.string(),
  state: z.enum(['active', 'ended']),
  current_zones: z.array(z.string()),
  entered_zones: z.array(z.string()),
  sightings: z.number(),
  sources: z.array(SourceKind),
  firstSeenAt: z.string(),
  last: z.object({
    id: z.string(),
    at: z.string(),
    kind: SourceKind,
    zone: nstr,
    position: lonLat.nullable(),
    precision: Precision,
    premisesId: nstr,
    cameraId: nstr,
  }),
});

/** The track after a sighting, with where the subject may go next and the cameras to bring up (contract/tracking-views.ts `Prediction`, `Handover`). */
const TrackAfter = TrackSummary.extend({
  predicted: z
    .array(
      z.object({
        zone: z.string(),
        walkSeconds: z.number(),
        reachableAt: z.string(),
        onward: z.boolean(),
        likelihood: z.number(),
        covered: z.boolean(),
      }),
    )
    .optional(),
  handover: z.array(z.object({ cameraId: z.string(), share: z.number(), ptz: z.boolean(), zone: z.string(), reachableAt: z.string().nullable() })).optional(),
});

/** gateway/tracking/incident.ts `IncidentReport`. */
export const IncidentReportPayload = z.object({
  incidentId: z.string(),
  category: z.string(),
  description: z.string(),
  zone: nstr,
  position: lonLat.nullable(),
  premisesId: nstr,
  subjectId: nstr,
  reportedAt: z.string(),
  origin: z.object({ kind: z.enum(['shop-report', 'breach', 'console']), ref: nstr }),
  channel: z.enum(CALL_CHANNELS).optional(),
  /** Who called (console calls only, when given): personal, dropped by the uplink. */
  caller: z.object({ name: nstr, phone: nstr }).optional(),
  sharedRegionally: z.boolean().optional(),
});

/** gateway/tracking/incident.ts `BreachDetected`. */
export const BreachPayload = z.object({
  breachId: z.string(),
  cboId: z.string(),
  subjectId: z.string(),
  sightingId: z.string(),
  at: z.string(),
  zone: nstr,
  position: lonLat.nullable(),
  premisesId: nstr,
  reasons: z.array(z.object({ kind: z.string(), zone: z.string().optional(), name: z.string().optional(), premisesId: z.string().optional() })),
  sharedRegionally: z.boolean().optional(),
});

const Day = z.enum(DAYS);
/** gateway/tracking/cbo.ts `CboTerms`. */
export const CboTermsPayload = z.object({
  subjectId: z.string(),
  /** Absent in journals from before kinds: a CBO. */
  kind: z.enum(ORDER_KINDS).optional(),
  reference: nstr,
  conditions: z.string(),
  excludedZones: z.array(z.string()),
  excludedAreas: z.array(z.object({ name: z.string(), polygon: z.array(lonLat) })),
  excludedPremises: z.array(z.string()),
  windows: z.array(z.object({ days: z.array(Day), from: z.string(), to: z.string() })),
  startsAt: z.string(),
  expiresAt: z.string(),
  sharedWithMembers: z.boolean(),
});

/** What a subject's record holds (gateway/tracking/gallery.ts `SubjectRecord` without its bookkeeping). */
const SubjectFields = z.object({
  status: z.enum(['known', 'sought']),
  name: nstr,
  aliases: z.array(z.string()),
  dob: nstr,
  photoRef: nstr,
  description: z.string(),
  features: z.array(z.string()),
  markers: z.array(z.string()),
  sharedWithMembers: z.boolean(),
  sharedRegionally: z.boolean(),
});

const CboCreated = z.object({ cboId: z.string(), terms: CboTermsPayload, sharedRegionally: z.boolean().optional() });
/** A change to an order: its new expiry (extended, with the one before), or why it was revoked. */
const CboChanged = z.object({
  cboId: z.string(),
  expiresAt: z.string().optional(),
  previousExpiresAt: z.string().optional(),
  reason: z.string().optional(),
  sharedRegionally: z.boolean().optional(),
});

const Offer = z.looseObject({
  evidenceId: z.string(),
  dockId: z.string(),
  cam: z.string(),
  bay: z.number(),
  fileNo: z.number(),
  name: z.string(),
  size: z.number(),
  sha256: z.string(),
  wearer: nstr,
});
const Custody = z.object({ evidenceId: z.string(), dockId: z.string(), cam: z.string(), fileNo: z.number() });
const Gps = z.object({ lat: z.number(), lon: z.number() });

/**
 * What gateway/broker/security-digest.ts adds to a refusal it journals: the key refusals are
 * summed by, and the first refusal of a key (`count: 1`) or the window's summary.
 */
const Digest = {
  reason: z.string(),
  key: z.string(),
  count: z.number(),
  reasons: z.record(z.string(), z.number()).optional(),
  firstAt: z.string().optional(),
  lastAt: z.string().optional(),
};
const MqttClient = z.looseObject({ clientId: z.string().nullable(), username: nstr, address: z.string().optional(), ...Digest });
const Lockout = z.object({
  scope: z.string(),
  key: z.string(),
  failures: z.number(),
  lockedForMs: z.number(),
  ip: z.string().nullable().optional(),
  clientId: nstr.optional(),
  via: z.string().optional(),
});

const Quarantine = z.looseObject({
  topic: nstr,
  kind: z.string(),
  reason: z.string(),
  clientId: z.string().optional(),
  username: z.string().optional(),
  station: z.string().optional(),
  dockId: z.string().optional(),
  size: z.number().optional(),
  rawBase64: z.string().optional(),
  rawHex: z.string().optional(),
  raw: R.RawRecord.optional(),
  truncated: z.boolean().optional(),
  /** A dock's summary of a window's undecodable packets (gateway/evidence/noise.ts `NoiseSummary`). */
  count: z.number().optional(),
  byKind: z.record(z.string(), z.number()).optional(),
  samples: z.array(z.object({ kind: z.string(), reason: z.string(), rawHex: z.string() })).optional(),
  from: z.string().optional(),
  to: z.string().optional(),
});

const CameraHealth = z.object({ cameraId: z.string(), reason: z.string().nullable().optional() });

// An inbound MQTT message is journaled with its topic's ISSI (every radio topic has one); a PEI
// event without its `type` (which is the journal's).

const BROKER = 'gateway/broker/broker.ts';
const PEI = 'gateway/radio/pei-bridge.ts';
const UNITS = 'gateway/projections/units.ts';
const STORE = 'console/src/store.ts';
const TRACKING_STATE = 'console/src/tracking-state.ts';
const WATCH = 'gateway/tracking/watch.ts';
const EVIDENCE = 'gateway/evidence/service.ts';
const EVIDENCE_API = 'gateway/api/evidence-api.ts';
const EVIDENCE_VIEW = 'gateway/projections/evidence.ts';
const INCIDENTS = 'gateway/projections/incidents.ts';
const DERIVE = 'gateway/region/derive.ts';
const BULLETINS = 'gateway/projections/bulletins.ts';
const PEOPLE = 'gateway/api/people-api.ts';
/** Applied by the orders projection and the console's tracking state alike. */
const CBO_LIFECYCLE = 'gateway/contract/cbo-lifecycle.ts';
const EMERGENCY_LIFECYCLE = 'gateway/contract/emergency-lifecycle.ts';

/** Keeps each entry's own schema type (so payloads are typed per event) while checking its shape. */
const spec = <S extends z.ZodType>(s: EventSpec<S>): EventSpec<S> => s;

export const EVENTS = {
  // Radios: over MQTT (the topic contract), or decoded from a TETRA control station (PEI).
  'radio.position': spec({
    wire: P.RadioPosition,
    payload: z.union([P.RadioPosition.extend({ issi: R.Ssi }), R.PeiRadioPosition.omit({ type: true })]),
    description: 'GPS fix of a handset',
    writers: [BROKER, PEI],
    readers: [UNITS, 'gateway/realtime/console-socket.ts', WATCH, STORE],
    privacy: privacy('other', [], ['.']),
  }),
  'radio.ptt': spec({
    wire: P.RadioPtt,
    payload: z.union([P.RadioPtt.extend({ issi: R.Ssi }), R.PeiRadioPtt.omit({ type: true })]),
    description: 'Push-to-talk start or stop on a talkgroup',
    writers: [BROKER, PEI],
    readers: [UNITS],
    privacy: privacy('other'),
  }),
  'radio.status': spec({
    wire: P.RadioStatus,
    payload: z.union([P.RadioStatus.extend({ issi: R.Ssi }), R.PeiRadioStatus.omit({ type: true })]),
    description: "A radio's status message (16-bit value; its meaning is configuration)",
    writers: [BROKER, PEI],
    readers: [UNITS, 'gateway/radio/emergency-watch.ts', WATCH],
    privacy: privacy('other'),
  }),
  'radio.emergency': spec({
    wire: P.RadioEmergency,
    payload: z.union([P.RadioEmergency.extend({ issi: R.Ssi }), R.PeiRadioEmergency.omit({ type: true })]),
    description: 'Emergency button pressed (or cancelled, over MQTT)',
    writers: [BROKER, PEI],
    readers: ['gateway/radio/emergency-watch.ts'],
    privacy: privacy('other'),
  }),
  'radio.text': spec({
    wire: P.RadioText,
    payload: z.union([P.RadioText.extend({ issi: R.Ssi }), R.PeiRadioText.omit({ type: true })]),
    description: 'Short text message from a handset',
    writers: [BROKER, PEI],
    readers: ['gateway/projections/texts.ts'],
    privacy: privacy('other', ['text']),
  }),
  'radio.receipt': spec({
    wire: P.RadioReceipt,
    payload: z.union([P.RadioReceipt.extend({ issi: R.Ssi }), R.PeiRadioReceipt.omit({ type: true })]),
    description: 'Delivery receipt for a downlink (by message id over MQTT, by SDS message reference over PEI)',
    writers: [BROKER, PEI],
    readers: ['gateway/projections/alerts.ts', INCIDENTS, STORE],
    privacy: privacy('other'),
  }),
  'radio.presence': spec({
    wire: P.RadioPresence,
    payload: P.RadioPresence.extend({ issi: R.Ssi }),
    description: 'Link state of a handset; set offline by its Last Will',
    writers: [BROKER],
    readers: [UNITS],
    privacy: privacy('other'),
  }),
  'radio.link': spec({
    payload: z.object({ station: z.string(), state: z.enum(['up', 'down']), reason: z.string() }),
    description: 'A TETRA control station link came up or went down',
    writers: [PEI],
    readers: [],
    privacy: privacy('other'),
  }),
  // Shops and CCTV over MQTT (and the same over the API).
  'shop.report': spec({
    wire: P.ShopReport,
    payload: P.ShopReport.extend({ premisesId: z.string() }),
    description: "A member premises' incident or sighting report",
    writers: [BROKER, 'gateway/api/tracking-api.ts'],
    readers: ['gateway/tracking/sightings.ts', 'gateway/tracking/incident.ts', TRACKING_STATE, DERIVE],
    privacy: privacy('other', ['subjectId', 'description', 'media'], ['place.lonLat']),
  }),
  'report.photo-viewed': spec({
    payload: z.object({ reportId: z.string(), sha256: z.string() }),
    description: 'Someone looked at a photo a shop attached to its report (a picture of a person is personal data)',
    writers: ['gateway/api/report-photos.ts'],
    readers: [],
    privacy: privacy('none'),
  }),
  'shop.receipt': spec({
    wire: P.ShopReceipt,
    payload: P.ShopReceipt.extend({ premisesId: z.string() }),
    description: "A shop terminal's receipt for a bulletin from the control room: shown or read at its premises",
    writers: [BROKER],
    readers: [BULLETINS],
    privacy: privacy('other'),
  }),
  'cctv.sighting': spec({
    wire: P.CctvSighting,
    payload: P.CctvSighting.extend({
      cameraId: z.string(),
      /** Only on sightings from Frigate's object detection. */
      frigate: z
        .object({
          eventId: z.string(),
          phase: z.enum(['new', 'update', 'end']),
          label: z.string(),
          subLabel: nstr,
          currentZones: z.array(z.string()),
          enteredZones: z.array(z.string()),
          topScore: z.number().nullable(),
        })
        .optional(),
    }),
    description: 'An operator (or Frigate) marks a subject on a camera',
    writers: [BROKER, 'gateway/api/cctv-api.ts', 'gateway/cctv/frigate-bridge.ts'],
    readers: ['gateway/tracking/sightings.ts', TRACKING_STATE, DERIVE],
    privacy: privacy('other', ['subjectId', 'description', 'operator', 'snapshotRef']),
  }),
  'cctv.bookmark': spec({
    wire: P.CctvBookmark,
    payload: P.CctvBookmark.extend({ cameraId: z.string() }),
    description: 'An operator bookmarks a moment on a camera',
    writers: [BROKER, 'gateway/api/cctv-api.ts'],
    readers: [],
    privacy: privacy('other', ['operator', 'note']),
  }),
  'cctv.fault': spec({
    wire: P.CctvFault,
    payload: P.CctvFault.extend({ cameraId: z.string() }),
    description: 'An operator reports a camera fault',
    writers: [BROKER, 'gateway/api/cctv-api.ts'],
    readers: ['gateway/projections/cameras.ts', STORE],
    privacy: privacy('other', ['operator']),
  }),
  'frigate.event': spec({
    wire: P.FrigateEvent,
    payload: P.FrigateEvent,
    description: 'A Frigate tracked object (new, update, end), as Frigate sent it; mapped to a camera sighting',
    writers: [BROKER],
    readers: ['gateway/cctv/frigate-bridge.ts'],
    privacy: privacy('other'),
  }),
  // Tracking.
  'sighting.reported': spec({
    payload: z.object({
      subjectId: nstr,
      description: nstr,
      at: z.string(),
      kind: SourceKind,
      place: z.object({ premisesId: z.string().optional(), cameraId: z.string().optional(), zone: z.string().optional(), lonLat: lonLat.optional() }),
      unitId: nstr,
      media: z.array(z.string()),
      sharedRegionally: z.boolean().optional(),
    }),
    description: 'An officer, operator or guard reports a sighting through the API',
    writers: ['gateway/api/tracking-api.ts'],
    readers: ['gateway/tracking/sightings.ts', DERIVE],
    privacy: privacy('subject', ['subjectId', 'description', 'media', 'operator', 'unitId'], ['place.lonLat']),
  }),
  'sighting.linked': spec({
    payload: z.object({ sightingId: z.string(), subjectId: z.string() }),
    description: 'An unlinked sighting is attributed to a subject',
    writers: ['gateway/api/tracking-api.ts'],
    readers: [WATCH],
    privacy: privacy('subject', ['subjectId']),
  }),
  'track.sighting': spec({
    payload: z.object({
      type: z.enum(['new', 'update']),
      sighting: SightingPayload,
      before: TrackSummary.nullable(),
      after: TrackAfter.nullable(),
      /** Seq of the event the sighting came from. */
      trigger: z.number(),
    }),
    description: "A sighting on a subject's track (or unlinked), with the track before and after",
    writers: [WATCH],
    readers: ['gateway/projections/tracks.ts', 'gateway/tak/feed.ts', TRACKING_STATE, DERIVE],
    privacy: privacy(
      'subject',
      [
        'sighting.subjectId',
        'sighting.description',
        'sighting.reporter',
        'sighting.media',
        'before.subjectId',
        'before.trackId',
        'after.subjectId',
        'after.trackId',
      ],
      ['sighting.position', 'before.last.position', 'after.last.position'],
    ),
  }),
  'track.ended': spec({
    payload: z.object({ type: z.literal('end'), subjectId: z.string(), before: TrackSummary, after: TrackSummary }),
    description: 'Nobody has seen the subject for a while: the track ends',
    writers: [WATCH],
    readers: ['gateway/projections/tracks.ts', 'gateway/tak/feed.ts', TRACKING_STATE],
    privacy: privacy(
      'subject',
      ['subjectId', 'before.subjectId', 'before.trackId', 'after.subjectId', 'after.trackId'],
      ['before.last.position', 'after.last.position'],
    ),
  }),
  'breach.detected': spec({
    payload: BreachPayload,
    description: 'A sighting breaches an order in force',
    writers: [WATCH],
    readers: ['gateway/projections/cbos.ts', WATCH, TRACKING_STATE, DERIVE],
    privacy: privacy('subject', ['subjectId', 'sightingId'], ['position']),
  }),
  'breach.acknowledged': spec({
    payload: z.object({ breachId: z.string(), note: nstr }),
    description: 'A controller acknowledges a breach',
    writers: ['gateway/api/tracking-api.ts'],
    readers: ['gateway/projections/cbos.ts', TRACKING_STATE],
    privacy: privacy('subject', ['note']),
  }),
  // Incidents.
  'incident.reported': spec({
    payload: IncidentReportPayload,
    description: 'An incident opens: a call taken, a shop report of an incident, a breach',
    writers: ['gateway/api/incidents-api.ts', WATCH],
    readers: [INCIDENTS, TRACKING_STATE, DERIVE],
    privacy: privacy('subject', ['subjectId', 'description', 'caller'], ['position']),
  }),
  'incident.caller-viewed': spec({
    payload: z.object({ incidentId: z.string() }),
    description: "Someone looked at who called about an incident (a caller's name and number are personal data)",
    writers: ['gateway/api/incidents-api.ts'],
    readers: [],
    privacy: privacy('none'),
  }),
  'incident.graded': spec({
    payload: z.object({ incidentId: z.string(), grade: Grade }),
    description: 'An incident is graded (its response target)',
    writers: ['gateway/api/incidents-api.ts'],
    readers: [INCIDENTS, TRACKING_STATE],
    privacy: privacy('none'),
  }),
  'incident.dispatched': spec({
    payload: z.object({
      incidentId: z.string(),
      unitId: z.string(),
      callsign: z.string(),
      issi: z.number(),
      msgId: z.string(),
      note: nstr,
      travelSeconds: z.number().nullable(),
      rank: z.number().nullable(),
      /** The first five of the ranking the controller chose from, kept with the decision. */
      ranking: z.array(z.object({ unitId: z.string(), travelSeconds: z.number(), fixAgeSeconds: z.number() })),
    }),
    description: 'A unit is sent to an incident (the dispatch goes to its radio as `msgId`)',
    writers: ['gateway/api/incidents-api.ts'],
    readers: [INCIDENTS, UNITS, TRACKING_STATE],
    privacy: privacy('other'),
  }),
  'incident.on-scene': spec({
    payload: z.object({
      incidentId: z.string(),
      unitId: z.string(),
      callsign: z.string(),
      by: z.enum(['status', 'position']),
      causeSeq: z.number(),
      nearSince: z.number().nullable().optional(),
    }),
    description: 'A dispatched unit arrives (its own status, or fixes held near the incident)',
    writers: [WATCH],
    readers: [INCIDENTS, UNITS, TRACKING_STATE],
    privacy: privacy('other'),
  }),
  'incident.closed': spec({
    payload: z.object({
      incidentId: z.string(),
      outcome: z.enum(OUTCOMES),
      /** Required since issue 16 (a close needs a note); older journals may have none. */
      note: nstr,
    }),
    description: 'An incident is closed with its outcome',
    writers: ['gateway/api/incidents-api.ts'],
    readers: [INCIDENTS, UNITS, TRACKING_STATE],
    privacy: privacy('none', ['note']),
  }),
  // Subjects and orders.
  'subject.created': spec({
    payload: SubjectFields.partial({ sharedRegionally: true }).extend({ subjectId: z.string(), sharedWithMembersUntil: nstr.optional() }),
    description: 'A subject is added to the gallery',
    writers: ['gateway/api/subjects-api.ts'],
    readers: ['gateway/projections/subjects.ts', DERIVE],
    privacy: privacy('subject', ['subjectId', 'name', 'aliases', 'description', 'dob', 'photoRef', 'markers']),
  }),
  'subject.updated': spec({
    payload: z.object({
      subjectId: z.string(),
      changes: SubjectFields.partial(),
      sharedRegionally: z.boolean().optional(),
      /** When sharing starts: the record as the region may hold it (gateway/region/derive.ts reads it). */
      shared: SubjectFields.pick({ status: true, name: true, aliases: true, description: true, features: true }).optional(),
    }),
    description: "A subject's record is edited",
    writers: ['gateway/api/subjects-api.ts'],
    readers: ['gateway/projections/subjects.ts', DERIVE],
    privacy: privacy('subject', [
      'subjectId',
      'changes.name',
      'changes.description',
      'changes.photoRef',
      'changes.dob',
      'shared.name',
      'shared.aliases',
      'shared.description',
    ]),
  }),
  'subject.shared': spec({
    payload: z.object({ subjectId: z.string(), until: z.string(), note: nstr }),
    description: 'A controller or officer shares a subject with members, until an expiry',
    writers: ['gateway/api/subjects-api.ts'],
    readers: ['gateway/projections/subjects.ts'],
    privacy: privacy('subject', ['subjectId', 'note']),
  }),
  'subject.withdrawn': spec({
    payload: z.object({ subjectId: z.string(), reason: z.string() }),
    description: 'A subject is no longer shared with members, before the expiry',
    writers: ['gateway/api/subjects-api.ts'],
    readers: ['gateway/projections/subjects.ts'],
    privacy: privacy('subject', ['subjectId', 'reason']),
  }),
  'subject.share-expired': spec({
    payload: z.object({ subjectId: z.string(), until: z.string() }),
    description: 'A share with members reached its expiry: members no longer see the subject',
    writers: [WATCH],
    readers: ['gateway/projections/subjects.ts'],
    privacy: privacy('subject', ['subjectId']),
  }),
  'subject.watched': spec({
    payload: z.object({ subjectId: z.string(), reason: z.string() }),
    description: 'A subject is put on the watch list',
    writers: ['gateway/api/subjects-api.ts'],
    readers: ['gateway/projections/subjects.ts', TRACKING_STATE],
    privacy: privacy('subject', ['subjectId', 'reason']),
  }),
  'subject.unwatched': spec({
    payload: z.object({ subjectId: z.string(), note: nstr }),
    description: 'A subject is taken off the watch list',
    writers: ['gateway/api/subjects-api.ts'],
    readers: ['gateway/projections/subjects.ts', TRACKING_STATE],
    privacy: privacy('subject', ['subjectId', 'note']),
  }),
  'subject.photo-set': spec({
    payload: z.object({
      subjectId: z.string(),
      sha256: z.string(),
      contentType: z.enum(['image/jpeg', 'image/png']),
      size: z.number(),
      /** The metadata taken out before it was stored (`exif`, `xmp`, `tEXt`…). */
      removed: z.array(z.string()),
      /** Its thumbnail for lists, a JPEG stored the same way; null when none could be made. */
      thumbSha256: z.string().nullable().optional(),
    }),
    description: "A subject's photo is uploaded (stored content-addressed, its metadata stripped)",
    writers: ['gateway/api/subjects-api.ts'],
    readers: ['gateway/projections/subjects.ts'],
    privacy: privacy('subject', ['subjectId', 'sha256', 'thumbSha256']),
  }),
  'subject.viewed': spec({
    payload: z.object({ subjectId: z.string(), fields: z.enum(['full', 'shared']), via: z.string(), query: z.unknown().optional() }),
    description: "Someone saw a subject's record (every view of personal data is on the record)",
    writers: ['gateway/api/subjects-api.ts'],
    readers: ['gateway/projections/index.ts'],
    // A search's terms are often the name looked for.
    privacy: privacy('subject', ['subjectId', 'query']),
  }),
  'cbo.warning': spec({
    payload: CboCreated,
    description: 'An exclusion notice (a warning, not enforceable) is recorded',
    writers: ['gateway/api/subjects-api.ts'],
    readers: [CBO_LIFECYCLE],
    privacy: privacy('subject', ['terms.subjectId', 'terms.conditions', 'terms.excludedAreas']),
  }),
  'cbo.issued': spec({
    payload: z.union([CboCreated, CboChanged]),
    description: 'A Criminal Behaviour Order is recorded as issued, or a warning becomes one',
    writers: ['gateway/api/subjects-api.ts'],
    readers: [CBO_LIFECYCLE],
    privacy: privacy('subject', ['terms.subjectId', 'terms.conditions', 'terms.excludedAreas']),
  }),
  'cbo.extended': spec({
    payload: CboChanged,
    description: "An order's expiry is extended",
    writers: ['gateway/api/subjects-api.ts'],
    readers: [CBO_LIFECYCLE],
    privacy: privacy('subject', ['cboId']),
  }),
  'cbo.revoked': spec({
    payload: CboChanged,
    description: 'An order is revoked',
    writers: ['gateway/api/subjects-api.ts'],
    readers: [CBO_LIFECYCLE],
    privacy: privacy('subject', ['cboId']),
  }),
  'cbo.expired': spec({
    payload: z.object({ cboId: z.string(), subjectId: z.string(), expiresAt: z.string() }),
    description: 'An order passed its expiry',
    writers: [WATCH],
    readers: [CBO_LIFECYCLE],
    privacy: privacy('subject', ['subjectId']),
  }),
  // Evidence from body-worn camera docks.
  'evidence.offered': spec({
    payload: Offer,
    description: 'A dock offers a recording',
    writers: [EVIDENCE],
    readers: [],
    privacy: privacy('other', ['wearer', 'name', 'path'], ['gps']),
  }),
  'evidence.received': spec({
    payload: Custody.extend({ size: z.number(), receivedSha256: z.string(), bytesSharedWith: z.array(z.string()) }),
    description: 'A recording is stored whole',
    writers: [EVIDENCE],
    readers: [],
    privacy: privacy('other', ['wearer', 'name', 'path'], ['gps']),
  }),
  'evidence.verified': spec({
    payload: Custody.extend({
      sha256: z.string(),
      deviceSha256: z.string(),
      size: z.number(),
      bay: z.number(),
      name: z.string(),
      recStart: z.string(),
      recEnd: z.string(),
      wearer: nstr,
      gps: Gps.nullable(),
      verifiedAt: z.string(),
    }),
    description: "A stored recording's hash matches the camera's: an exhibit",
    writers: [EVIDENCE],
    readers: [EVIDENCE_VIEW, STORE],
    privacy: privacy('other', ['wearer', 'name', 'path'], ['gps']),
  }),
  'evidence.hash-mismatch': spec({
    payload: z.looseObject({
      dockId: z.string(),
      cam: z.string(),
      fileNo: z.number(),
      name: z.string(),
      offered: z.string(),
      received: z.string(),
      size: z.number(),
      reason: z.string(),
    }),
    description: 'The bytes received do not hash to what the camera offered: quarantined, an alarm',
    writers: [EVIDENCE],
    readers: [EVIDENCE_VIEW],
    privacy: privacy('other', ['name']),
  }),
  'evidence.erase-permitted': spec({
    payload: Custody.extend({ repeat: z.boolean().optional() }),
    description: 'The custody record is durable: the dock may erase the camera',
    writers: [EVIDENCE],
    readers: [],
    privacy: privacy('other', ['fileNo']),
  }),
  'evidence.deleted': spec({
    payload: z.looseObject({ evidenceId: z.string(), sha256: z.string(), size: z.number(), reason: z.string(), retainUntil: z.number() }),
    description: 'Retention deleted an exhibit',
    writers: ['gateway/evidence/retention.ts'],
    readers: [EVIDENCE_VIEW, STORE],
    privacy: privacy('other', ['path']),
  }),
  'evidence.partial-removed': spec({
    payload: z.looseObject({ files: z.array(z.string()), bytes: z.number(), reason: z.string() }),
    description: 'The store swept an abandoned partial upload',
    writers: ['gateway/evidence/retention.ts'],
    readers: [],
    privacy: privacy('none'),
  }),
  'evidence.quarantine-removed': spec({
    payload: z.looseObject({ files: z.array(z.string()), bytes: z.number(), reason: z.string() }),
    description: 'The store swept an old quarantined upload',
    writers: ['gateway/evidence/retention.ts'],
    readers: [],
    privacy: privacy('none'),
  }),
  'evidence.hold': spec({
    payload: z.object({ evidenceId: z.string(), on: z.boolean(), reason: z.string() }),
    description: 'An exhibit is put on (or taken off) hold: retention keeps it',
    writers: [EVIDENCE_API],
    readers: [EVIDENCE_VIEW, STORE],
    privacy: privacy('other', ['reason']),
  }),
  'evidence.marked-evidential': spec({
    payload: z.object({ evidenceId: z.string(), incidentId: z.string() }),
    description: 'An exhibit is marked evidential for an incident',
    writers: [EVIDENCE_API],
    readers: [EVIDENCE_VIEW, STORE],
    privacy: privacy('other'),
  }),
  'evidence.clip-recorded': spec({
    payload: z.object({
      evidenceId: z.string(),
      cameraId: z.string(),
      sha256: z.string(),
      size: z.number(),
      /** The file's name as exported (`<camera>_<start>.mp4`). */
      name: z.string(),
      recStart: z.string(),
      recEnd: z.string(),
      seconds: z.number(),
      incidentId: nstr,
    }),
    description: 'An operator recorded a clip from a live camera (ffmpeg stream copy): stored by its SHA-256, an exhibit',
    writers: [EVIDENCE_API],
    readers: [EVIDENCE_VIEW, STORE],
    privacy: privacy('other', ['name']),
  }),
  'evidence.previewed': spec({
    payload: z.object({ evidenceId: z.string(), range: nstr }),
    description: "Someone played an exhibit's footage in the browser (access to footage)",
    writers: [EVIDENCE_API],
    readers: [],
    privacy: privacy('other'),
  }),
  'evidence.viewed': spec({
    payload: z.object({ evidenceId: z.string() }),
    description: 'Someone looked at an exhibit',
    writers: [EVIDENCE_API],
    readers: [],
    privacy: privacy('other'),
  }),
  'evidence.exported': spec({
    payload: z.object({ evidenceId: z.string(), incidentId: z.string(), bundleId: z.string() }),
    description: "An exhibit went into an incident's evidence bundle",
    writers: [EVIDENCE_API],
    readers: [],
    privacy: privacy('other', ['out']),
  }),
  'evidence.bundle-downloaded': spec({
    payload: z.object({ evidenceId: z.string(), incidentId: z.string(), bundleId: z.string() }),
    description: 'A bundle holding the exhibit was downloaded',
    writers: [EVIDENCE_API],
    readers: [],
    privacy: privacy('other'),
  }),
  'evidence.uplinked': spec({
    payload: z.object({
      /** The evidence event's `ref`. */
      evidenceId: nstr,
      seq: z.number(),
      eventId: z.string(),
      eventType: z.string(),
      payloadMode: z.string(),
      dropped: z.array(z.string()),
      broker: z.string(),
    }),
    description: "An evidence event's custody record left for the region",
    writers: ['gateway/uplink/batch.ts'],
    readers: [],
    privacy: privacy('other'),
  }),
  'evidence.alarm-acknowledged': spec({
    payload: z.object({ alarmId: z.string(), cam: z.string(), fileNo: z.number(), name: z.string(), note: z.string() }),
    description: 'A hash-mismatch alarm is acknowledged',
    writers: [EVIDENCE_API],
    readers: [EVIDENCE_VIEW],
    privacy: privacy('other', ['note']),
  }),
  'evidence.clock-distrusted': spec({
    payload: z.object({
      evidenceId: z.string(),
      cam: z.string(),
      recStart: z.string(),
      recEnd: z.string(),
      receivedAt: z.string(),
      retentionFrom: z.string(),
      reason: z.string(),
    }),
    description: "A camera's clock is not believed: retention counts from receipt",
    writers: [EVIDENCE],
    // The evidence projection applies the same rule to `evidence.verified` itself, so a replay agrees.
    readers: [],
    privacy: privacy('other'),
  }),
  'evidence.storage-full': spec({
    payload: z.looseObject({ dockId: z.string(), cam: z.string(), fileNo: z.number(), name: z.string(), size: z.number() }),
    description: 'Offers are refused for want of disk space (one alarm per episode)',
    writers: [EVIDENCE],
    readers: [],
    privacy: privacy('other', ['name']),
  }),
  'dock.event': spec({
    payload: z.looseObject({ dockId: z.string(), e: z.string(), bay: z.number(), cam: z.string(), batt: z.number().nullable(), files: z.number().nullable() }),
    description: 'A camera docked, undocked or changed state in a bay',
    writers: [EVIDENCE],
    readers: [],
    privacy: privacy('other'),
  }),
  'dock.link': spec({
    payload: z.looseObject({ dockId: z.string(), state: z.enum(['up', 'down']), reason: z.string() }),
    description: "A dock's serial link came up or went down",
    writers: [EVIDENCE],
    readers: [],
    privacy: privacy('other'),
  }),
  // Alerts, emergencies, units.
  'alert.sent': spec({
    payload: z.object({
      alertId: z.string(),
      text: z.string(),
      priority: z.enum(['normal', 'urgent', 'emergency']),
      talkgroups: z.array(z.string()),
      units: z.array(z.string()),
      recipients: z.array(z.object({ unitId: z.string(), issi: z.number() })),
      /** Journals from before alert timeouts have none. */
      timeoutMs: z.number().optional(),
      /** `text`: a message in a unit's conversation, not an alert. Journals from before messaging have none (an alert). */
      kind: z.enum(['alert', 'text']).optional(),
    }),
    description: 'A controller sends a radio alert, or a text to one unit',
    writers: ['gateway/radio/alerts.ts'],
    readers: ['gateway/projections/alerts.ts', STORE],
    privacy: privacy('none', ['text']),
  }),
  'alert.pei-sent': spec({
    payload: z.union([
      z.object({ alertId: z.string(), station: z.string(), to: z.number(), msgRef: z.number() }),
      /** A text longer than one SDS: the message reference of each concatenated part, in order. */
      z.object({ alertId: z.string(), station: z.string(), to: z.number(), parts: z.array(z.number()) }),
    ]),
    description: "An alert went out as an SDS through a control station (its message reference, or its parts' when concatenated)",
    writers: [PEI],
    readers: ['gateway/projections/alerts.ts', INCIDENTS, STORE],
    privacy: privacy('none'),
  }),
  'alert.delivery': spec({
    payload: z.object({
      alertId: z.string(),
      unitId: z.string(),
      issi: z.number(),
      status: z.enum(['failed', 'queued', 'delivered', 'read']),
      reason: z.string(),
    }),
    description: 'An alert could not be sent to a radio yet (queued) or at all (failed), with why; or every part of a concatenated one was delivered or read',
    writers: [PEI],
    readers: ['gateway/projections/alerts.ts', INCIDENTS, STORE],
    privacy: privacy('other'),
  }),
  'message.read': spec({
    payload: z.object({ unitId: z.string(), seq: z.number().int().nonnegative() }),
    description: "A person read a unit's conversation up to an incoming text (its journal seq)",
    writers: ['gateway/api/messages-api.ts'],
    readers: ['gateway/projections/texts.ts'],
    privacy: privacy('none'),
  }),
  'bulletin.sent': spec({
    payload: z.object({
      bulletinId: z.string(),
      kind: z.enum(BULLETIN_KINDS),
      text: z.string(),
      audience: z.object({ kind: z.enum(AUDIENCE_KINDS), ids: z.array(z.string()) }),
      /** The premises it went to, resolved from the audience when sent. */
      premises: z.array(z.string()),
    }),
    description: "The control room sends a bulletin or alert to member premises (the members' page and each shop terminal's downlink)",
    writers: ['gateway/members/bulletins-api.ts'],
    readers: [BULLETINS],
    privacy: privacy('none', ['text']),
  }),
  'bulletin.receipt': spec({
    payload: z.object({ bulletinId: z.string(), premisesId: z.string(), status: z.enum(['delivered', 'read']) }),
    description: "A member's page showed a bulletin to its premises (delivered), or the member marked it read",
    writers: ['gateway/members/bulletins-api.ts'],
    readers: [BULLETINS],
    privacy: privacy('other'),
  }),
  'alert.timed-out': spec({
    payload: z.object({ alertId: z.string(), unitIds: z.array(z.string()) }),
    description: 'The wait for receipts is over',
    writers: ['gateway/radio/alerts.ts'],
    readers: ['gateway/projections/alerts.ts', STORE],
    privacy: privacy('none'),
  }),
  'emergency.raised': spec({
    payload: z.object({
      emergencyId: z.string(),
      unitId: z.string(),
      issi: z.number(),
      trigger: z.string(),
      callsign: z.string(),
      /** The unit's last fix as the units projection held it (contract/views.ts `Fix`). */
      fix: z
        .object({
          lat: z.number(),
          lon: z.number(),
          accuracyM: z.number().nullable(),
          speedKmh: z.number().nullable(),
          headingDeg: z.number().nullable(),
          fixTime: z.string(),
          receivedAt: z.number(),
        })
        .nullable(),
      causeSeq: z.number(),
    }),
    description: "A unit's emergency (button or status) opens an emergency",
    writers: ['gateway/radio/emergency-watch.ts'],
    readers: [EMERGENCY_LIFECYCLE, 'gateway/projections/emergencies.ts', UNITS],
    privacy: privacy('other', [], ['fix']),
  }),
  'emergency.repeat': spec({
    payload: z.object({ emergencyId: z.string(), unitId: z.string(), issi: z.number(), trigger: z.string(), causeSeq: z.number() }),
    description: 'The emergency is pressed again while open',
    writers: ['gateway/radio/emergency-watch.ts'],
    readers: [EMERGENCY_LIFECYCLE],
    privacy: privacy('other'),
  }),
  'emergency.realert': spec({
    payload: z.object({ emergencyId: z.string(), unitId: z.string(), unacknowledgedMs: z.number() }),
    description: 'An emergency still unacknowledged alarms again',
    writers: ['gateway/radio/emergency-watch.ts'],
    readers: [EMERGENCY_LIFECYCLE],
    privacy: privacy('other'),
  }),
  'emergency.acknowledged': spec({
    payload: z.object({ emergencyId: z.string(), unitId: z.string() }),
    description: 'A controller takes the emergency',
    writers: ['gateway/api/app-api.ts'],
    readers: [EMERGENCY_LIFECYCLE],
    privacy: privacy('other'),
  }),
  'emergency.resolved': spec({
    payload: z.object({ emergencyId: z.string(), unitId: z.string(), outcome: z.enum(['genuine', 'false']), note: nstr }),
    description: 'A controller resolves the emergency (genuine or false)',
    writers: ['gateway/api/app-api.ts'],
    readers: [EMERGENCY_LIFECYCLE, 'gateway/projections/emergencies.ts', UNITS],
    privacy: privacy('other', ['note']),
  }),
  'unit.lost-contact': spec({
    payload: z.object({ unitId: z.string(), issi: z.number(), lastHeard: z.number(), silenceMs: z.number() }),
    description: 'A unit has not been heard from for too long',
    writers: ['gateway/radio/contact-monitor.ts'],
    readers: [UNITS, 'gateway/tak/feed.ts'],
    privacy: privacy('other', [], ['last']),
  }),
  // Cameras and video.
  'camera.online': spec({
    payload: CameraHealth,
    description: 'A camera answers its health probe again',
    writers: ['gateway/cctv/health-watch.ts'],
    readers: ['gateway/projections/cameras.ts', STORE],
    privacy: privacy('other'),
  }),
  'camera.offline': spec({
    payload: CameraHealth,
    description: 'A camera stopped answering its health probe',
    writers: ['gateway/cctv/health-watch.ts'],
    readers: ['gateway/projections/cameras.ts', STORE],
    privacy: privacy('other'),
  }),
  'video.view-started': spec({
    payload: z.object({ cameraId: z.string(), viewId: z.string(), from: z.string(), ip: z.string().nullable().optional() }),
    description: 'Someone started watching a live camera',
    writers: ['gateway/api/cctv-api.ts'],
    readers: [],
    privacy: privacy('other'),
  }),
  'video.view-ended': spec({
    payload: z.object({
      cameraId: z.string(),
      viewId: z.string(),
      from: z.string(),
      to: z.string(),
      seconds: z.number(),
      bytes: z.number(),
      reason: z.string(),
    }),
    description: 'A live view ended, with how long and how much',
    writers: ['gateway/api/cctv-api.ts'],
    readers: [],
    privacy: privacy('other'),
  }),
  // People using the gateway, and its security record.
  'auth.login': spec({
    payload: z.object({ ip: z.string() }),
    description: 'A person logged in to the console',
    writers: ['gateway/http/app.ts'],
    readers: [],
    privacy: privacy('none', ['ip']),
  }),
  'auth.logout': spec({
    payload: z.object({}),
    description: 'A person logged out',
    writers: ['gateway/http/app.ts'],
    readers: [],
    privacy: privacy('none'),
  }),
  // People administration (gateway/api/people-api.ts): who changed whose account. Never a password or hash.
  'user.created': spec({
    payload: z.object({ username: z.string(), displayName: z.string(), consoleRole: z.string(), premisesId: nstr }),
    description: 'The security manager added a person (with a temporary password, to be changed at the first login)',
    writers: [PEOPLE],
    readers: [],
    privacy: privacy('other', ['username', 'displayName']),
  }),
  'user.changed': spec({
    payload: z.object({
      username: z.string(),
      /** The fields that changed; the others are as they were. */
      changed: z.array(z.enum(['displayName', 'consoleRole', 'premisesId'])),
      displayName: z.string(),
      consoleRole: z.string(),
      premisesId: nstr,
    }),
    description: "The security manager changed a person's name, role or premises (their sessions end on a role or premises change)",
    writers: [PEOPLE],
    readers: [],
    privacy: privacy('other', ['username', 'displayName']),
  }),
  'user.disabled': spec({
    payload: z.object({ username: z.string(), sessionsEnded: z.number() }),
    description: 'The security manager disabled an account: it cannot log in, and its console sessions ended',
    writers: [PEOPLE],
    readers: [],
    privacy: privacy('other', ['username']),
  }),
  'user.enabled': spec({
    payload: z.object({ username: z.string() }),
    description: 'The security manager enabled a disabled account again',
    writers: [PEOPLE],
    readers: [],
    privacy: privacy('other', ['username']),
  }),
  'user.password-reset': spec({
    payload: z.object({ username: z.string(), sessionsEnded: z.number() }),
    description: "The security manager set a temporary password: the person's sessions ended, and the next login must choose a new one",
    writers: [PEOPLE],
    readers: [],
    privacy: privacy('other', ['username']),
  }),
  'user.password-changed': spec({
    payload: z.object({ username: z.string(), wasTemporary: z.boolean() }),
    description: 'A person chose a new password at login (the actor is the person)',
    writers: [PEOPLE],
    readers: [],
    privacy: privacy('other', ['username']),
  }),
  'mqtt.connected': spec({
    payload: z.object({ clientId: z.string(), username: z.string(), role: z.string() }),
    description: 'A device connected to the broker',
    writers: [BROKER],
    readers: ['gateway/projections/devices.ts'],
    privacy: privacy('other', ['username']),
  }),
  'mqtt.disconnected': spec({
    payload: z.looseObject({ clientId: z.string(), username: z.string(), reason: z.string().optional() }),
    description: 'A device disconnected (or was connected when the gateway stopped)',
    writers: [BROKER, 'gateway/app.ts'],
    readers: ['gateway/projections/devices.ts'],
    privacy: privacy('other', ['username']),
  }),
  'security.connect-refused': spec({
    payload: MqttClient,
    description: 'A connection was refused (bad credentials, locked out, not allowed)',
    writers: [BROKER],
    readers: [],
    privacy: privacy('other', ['username']),
  }),
  'security.connection-rate-limited': spec({
    payload: z.looseObject({ address: z.string(), ...Digest }),
    description: 'Connections from an address beyond the rate limit were refused',
    writers: [BROKER],
    readers: [],
    privacy: privacy('none', ['address']),
  }),
  'security.malformed-string': spec({
    payload: MqttClient,
    description: 'A packet carried a malformed UTF-8 string',
    writers: [BROKER],
    readers: [],
    privacy: privacy('other', ['username', 'address']),
  }),
  'security.lockout': spec({
    payload: Lockout,
    description: 'An account or address is locked out after failed logins',
    writers: [BROKER, 'gateway/http/app.ts'],
    readers: [],
    privacy: privacy('other', ['key', 'ip']),
  }),
  'security.login-failed': spec({
    payload: z.object({ username: z.string(), ip: z.string() }),
    description: 'A console login failed',
    writers: ['gateway/http/app.ts'],
    readers: [],
    privacy: privacy('other', ['username', 'ip']),
  }),
  'security.oversize-packet': spec({
    payload: z.object({ clientId: nstr, size: z.number(), max: z.number() }),
    description: 'A packet over the broker’s size limit',
    writers: [BROKER],
    readers: [],
    privacy: privacy('none'),
  }),
  'security.protocol-error': spec({
    payload: z.object({ clientId: z.string(), username: z.string(), error: z.string() }),
    description: 'A logged-in client broke the MQTT protocol',
    writers: [BROKER],
    readers: [],
    privacy: privacy('other', ['username']),
  }),
  'security.publish-denied': spec({
    payload: z.object({ clientId: z.string(), username: z.string(), topic: z.string(), reason: z.string() }),
    description: 'A publish outside the account’s rights (the connection is closed)',
    writers: [BROKER],
    readers: [],
    privacy: privacy('other', ['username']),
  }),
  'security.subscribe-denied': spec({
    payload: z.looseObject({ clientId: z.string().optional(), username: nstr.optional(), topic: z.string().optional(), ...Digest }),
    description: 'Subscriptions outside the account’s rights (summarised per account)',
    writers: [BROKER],
    readers: [],
    privacy: privacy('other', ['username']),
  }),
  'quarantine.message': spec({
    payload: Quarantine,
    description: 'An inbound message refused (MQTT, PEI or dock), with the reason and the raw bytes',
    writers: ['gateway/ingest.ts', BROKER, PEI, EVIDENCE],
    readers: [],
    privacy: privacy('other', ['raw', 'rawHex']),
  }),
  'tak.client-connected': spec({
    payload: z.object({ address: nstr, port: z.number().nullable(), role: z.string() }),
    description: 'A TAK client connected to the CoT feed',
    writers: ['gateway/tak/feed.ts'],
    readers: [],
    privacy: privacy('none', ['address']),
  }),
  // Views and exports that are on the record.
  'hotspots.viewed': spec({
    payload: z.object({ from: z.string(), to: z.string() }),
    description: 'Someone looked at the hotspots over a period',
    writers: ['gateway/api/tracking-api.ts'],
    readers: [],
    privacy: privacy('none'),
  }),
  'export.created': spec({
    payload: z.object({ kind: z.string(), id: z.string(), format: z.string() }),
    description: 'A track or incident was exported',
    writers: ['gateway/api/tracking-api.ts'],
    readers: [],
    privacy: privacy('other'),
  }),
  'state.time-travel': spec({
    payload: z.object({ at: z.string() }),
    description: 'Someone looked at the state as it was at a past time',
    writers: ['gateway/api/tracking-api.ts'],
    readers: [],
    privacy: privacy('none'),
  }),
  'state.replay': spec({
    payload: z.object({ from: z.string(), to: z.string(), events: z.number().int() }),
    description: "Someone replayed the map's events (positions, incidents, orders) between two past times",
    writers: ['gateway/api/replay-api.ts'],
    readers: [],
    privacy: privacy('none'),
  }),
  // The journal itself.
  'journal.coalesced': spec({
    payload: z.object({ windowMs: z.number(), total: z.number(), counts: z.record(z.string(), z.number()) }),
    description: 'Position fixes shed for newer ones while the journal was overloaded',
    writers: ['gateway/journal/journal.ts'],
    readers: [],
    privacy: privacy('none'),
  }),
  'journal.payload-erased': spec({
    payload: z.object({ seq: z.number(), reason: z.string() }),
    description: "An event's payload was erased (retention); the chain keeps its hash",
    writers: ['gateway/journal/journal.ts'],
    readers: ['gateway/journal/verify.ts', 'gateway/projections/time-travel.ts', 'gateway/uplink/minimise.ts', DERIVE],
    privacy: privacy('none'),
  }),
  'journal.payloads-erased': spec({
    payload: z.object({ type: z.string(), seqs: z.array(z.number().int().positive()).min(1).max(10_000), reason: z.string() }),
    description: "Events' payloads were erased by the retention of personal data (`privacy.retention`); the chain keeps their hashes",
    writers: ['gateway/journal/journal.ts'],
    readers: ['gateway/journal/verify.ts', 'gateway/projections/time-travel.ts', 'gateway/uplink/minimise.ts', DERIVE],
    privacy: privacy('none'),
  }),
} satisfies Record<string, EventSpec>;

export type EventType = keyof typeof EVENTS;

/** The payload of an event type, as its writers journal it. */
export type EventPayload<K extends EventType> = z.infer<(typeof EVENTS)[K]['payload']>;

export const EVENT_TYPES = Object.keys(EVENTS) as EventType[];

/** The MQTT message of an inbound topic's event type (contract/topics.ts); a type with none fails at load. */
export function wireOf(type: EventType): z.ZodType {
  const wire = (EVENTS[type] as EventSpec).wire;
  if (!wire) throw new Error(`event type ${type} has no wire schema`);
  return wire;
}

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENTS, type);
}

/** The header every journal row has, whatever its type. */
export interface JournalEventHeader {
  seq: number;
  id: string;
  ts: number;
  source: string;
  actor: string | null;
  subject: string | null;
  ref: string | null;
  dedupe: string | null;
  payloadSha256: string;
  prevHash: string;
  hash: string;
}

/**
 * A committed journal row, discriminated by `type`: `switch (e.type)` narrows the payload.
 * `payload` is null only after a retention erasure (`journal.payload-erased`).
 */
export type JournalEvent<K extends EventType = EventType> = { [T in K]: JournalEventHeader & { type: T; payload: EventPayload<T> | null } }[K];

export { isEvent } from './is-event';

/** A journal row whose payload is not (or no longer) its type's: a redacted copy, or a row read without its catalogue. */
export type UntypedJournalEvent = JournalEventHeader & { type: string; payload: unknown };

/**
 * The journal's one step from a stored row to a typed event. Justified cast: the writers build
 * each payload as the catalogue types it (the compiler checks them where they append, and
 * test/contract/events.test.ts parses real journals against the schemas); parsing every row
 * here would put zod on the hot path, and old journals may hold types since retired.
 */
export function asJournalEvent(row: UntypedJournalEvent): JournalEvent {
  return row as JournalEvent;
}
