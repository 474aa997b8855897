import { z } from 'zod';
import { checkReferences } from './references';

/**
 * The site configuration, version 1. Every object is strict: a misspelt key in a hand-edited
 * YAML file is far more likely than a deliberate extension, and silently ignoring it would
 * leave a setting at its default in production.
 */

export const CONFIG_VERSION = 1;

export const ACCOUNT_ROLES = ['handset', 'control-station', 'shop-terminal', 'dock', 'camera-system', 'console', 'service'] as const;
export const CONSOLE_ROLES = ['controller', 'cctv-operator', 'security-manager', 'police', 'member', 'engineer'] as const;
export const UNIT_ROLES = ['police', 'pcso', 'security', 'warden'] as const;
export const UNIT_STATES = ['available', 'en-route', 'on-scene', 'busy', 'off-duty'] as const;

export const PASSWORD_HASH_RE = /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/;
const SLUG_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{1,62}$/;
const MAX_ISSI = 0xffffff; // TETRA and DMR subscriber ids are 24-bit

// Ids end up in MQTT topics and URLs, so keep them free of `/`, `+`, `#` and spaces.
const Id = z.string().regex(SLUG_RE, 'must be a slug: lower-case letters, digits and single hyphens');
const Name = z.string().trim().min(1, 'must not be empty');
const Issi = z.number().int().min(1).max(MAX_ISSI);
const PasswordHash = z.string().regex(PASSWORD_HASH_RE, 'must be a scrypt hash "scrypt$N$r$p$<salt>$<hash>", never a plain password');

// Numbers in `gateway` are often injected per deployment through `${ENV}`, which always yields
// a string; accept a string of digits there so `port: ${TW_HTTP_PORT}` works.
const envInt = (schema: z.ZodNumber) => z.preprocess((v) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v), schema);
const Port = envInt(z.number().int().min(0).max(65535)); // 0 = any free port (tests)

export const LonLatSchema = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);

const Timezone = z.string().refine(isTimezone, 'must be an IANA time zone such as "Europe/London"');

const SiteSchema = z
  .object({
    id: Id,
    name: Name,
    timezone: Timezone.default('Europe/London'),
    mode: z.enum(['demo', 'production']),
  })
  .strict();

/**
 * Abuse limits. Failed logins back off per username and per remote address; publishes go
 * through a per-client token bucket (QoS 1 is delayed, never dropped; QoS 0 beyond a full
 * burst owed is dropped and quarantined). Control stations and services speak for many
 * devices, so they get the larger `gateway…` bucket. New connections are limited per address.
 */
const LimitsSchema = z
  .object({
    login: z
      .object({
        userFailures: envInt(z.number().int().min(1)).default(5),
        addressFailures: envInt(z.number().int().min(1)).default(30),
        lockoutSeconds: envInt(z.number().int().min(1)).default(2),
        maxLockoutSeconds: envInt(z.number().int().min(1)).default(300),
      })
      .strict()
      .prefault({}),
    publish: z
      .object({
        perSecond: envInt(z.number().int().min(1)).default(50),
        burst: envInt(z.number().int().min(1)).default(100),
        gatewayPerSecond: envInt(z.number().int().min(1)).default(5000),
        gatewayBurst: envInt(z.number().int().min(1)).default(10000),
      })
      .strict()
      .prefault({}),
    /**
     * New MQTT connections (TCP and ws /mqtt) per remote address (IPv6: per /64), checked before
     * anything is parsed; over it the socket is closed at once. The burst lets a fleet behind
     * one NAT reconnect together after a network blip.
     */
    connect: z
      .object({
        perSecond: envInt(z.number().int().min(1)).default(100),
        burst: envInt(z.number().int().min(1)).default(1000),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/**
 * TLS for the console (HTTPS, and so wss:// for MQTT over WebSocket) and an MQTT-over-TLS
 * listener. `tls: auto` makes a self-signed pair in `<dataDir>/tls` on first start (with the
 * openssl command); otherwise `cert` and `key` name PEM files. Absent: no TLS (the demo).
 */
const TlsObjectSchema = z
  .object({
    auto: z.boolean().default(false),
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    /** The MQTT-over-TLS listener (radios, shop terminals off the control-room machine). */
    mqttHost: z.string().min(1).default('0.0.0.0'),
    mqttPort: Port.default(8883),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.auto && (t.cert !== undefined || t.key !== undefined))
      ctx.addIssue({ code: 'custom', path: ['auto'], message: 'give either auto: true or cert and key, not both' });
    if (!t.auto && (t.cert === undefined || t.key === undefined))
      ctx.addIssue({
        code: 'custom',
        path: [t.cert === undefined ? 'cert' : 'key'],
        message: 'required (with cert/key), or write "tls: auto" for a self-signed pair',
      });
  });
const TlsSchema = z.preprocess((v) => (v === 'auto' ? { auto: true } : v), TlsObjectSchema);

const GatewaySchema = z
  .object({
    http: z
      .object({ host: z.string().min(1).default('0.0.0.0'), port: Port.default(8080) })
      .strict()
      .prefault({}),
    mqtt: z
      .object({
        host: z.string().min(1).default('0.0.0.0'),
        port: Port.default(1883),
        maxPacketSize: envInt(z.number().int().min(1024).max(268_435_455)).default(65536),
        websocketPath: z.string().startsWith('/', 'must start with "/"').default('/mqtt'),
      })
      .strict()
      .prefault({}),
    journal: z
      .object({
        path: z.string().min(1).default('data/journal.db'),
        synchronous: z.enum(['full', 'normal']).default('full'),
        maxBatch: envInt(z.number().int().min(1)).default(2000),
        /**
         * Under load (appends arriving faster than commitDelayAbovePerSecond), an ordinary batch
         * waits this long for more to join it before its commit; acknowledgements wait as long.
         * 0: every batch goes at once. Emergencies never wait.
         */
        commitDelayMs: envInt(z.number().int().min(0).max(50)).default(2),
        commitDelayAbovePerSecond: envInt(z.number().int().min(0)).default(500),
        /**
         * Time travel keeps a whole state every this many events (built in its worker), so a
         * query replays at most this many: fewer means faster answers and more memory.
         */
        timeTravelCheckpointEvery: envInt(z.number().int().min(1)).default(50_000),
      })
      .strict()
      .prefault({}),
    dataDir: z.string().min(1).default('data'),
    sessionTtlMinutes: envInt(z.number().int().min(1)).default(480),
    unitLostContactSeconds: envInt(z.number().int().min(1)).default(120),
    limits: LimitsSchema.prefault({}),
    tls: TlsSchema.optional(),
  })
  .strict();

const AccountSchema = z
  .object({
    username: z.string().regex(USERNAME_RE, 'must be 2-63 of a-z 0-9 . _ - starting with a letter or digit'),
    role: z.enum(ACCOUNT_ROLES),
    passwordHash: PasswordHash,
    consoleRole: z.enum(CONSOLE_ROLES).optional(),
    issi: Issi.optional(),
    issiRanges: z.array(z.tuple([Issi, Issi])).optional(),
    premisesId: Id.optional(),
    dockId: Id.optional(),
    apiTokenHash: PasswordHash.optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const need = (key: keyof typeof a, when: boolean, why: string) => {
      const has = a[key] !== undefined;
      if (when && !has) ctx.addIssue({ code: 'custom', path: [key], message: `required ${why}` });
      if (!when && has) ctx.addIssue({ code: 'custom', path: [key], message: `not allowed ${unlessText(why)}` });
    };
    need('consoleRole', a.role === 'console', 'for role "console"');
    need('issi', a.role === 'handset', 'for role "handset"');
    need('issiRanges', a.role === 'control-station', 'for role "control-station"');
    need('dockId', a.role === 'dock', 'for role "dock"');
    need('premisesId', a.role === 'shop-terminal' || (a.role === 'console' && a.consoleRole === 'member'), 'for role "shop-terminal" and consoleRole "member"');
    if (a.issiRanges?.length === 0) ctx.addIssue({ code: 'custom', path: ['issiRanges'], message: 'must list at least one [from, to] range' });
    a.issiRanges?.forEach(([from, to], i) => {
      if (from > to) ctx.addIssue({ code: 'custom', path: ['issiRanges', i], message: `from ${from} is after to ${to}` });
    });
  });

function unlessText(why: string): string {
  return why.replace(/^for /, 'except for ');
}

const NeighbourSchema = z.object({ zone: Id, walkSeconds: z.number().int().positive() }).strict();

const ZoneSchema = z
  .object({
    id: Id,
    name: Name,
    polygon: z
      .array(LonLatSchema)
      .min(4, 'a polygon needs at least 4 points, the last repeating the first')
      .refine((p) => {
        const [first, last] = [p[0], p[p.length - 1]];
        return !first || !last || (first[0] === last[0] && first[1] === last[1]);
      }, 'polygon must be closed: the last point must equal the first'),
    neighbours: z.array(NeighbourSchema).default([]),
  })
  .strict();

const PremisesSchema = z.object({ id: Id, name: Name, zone: Id, position: LonLatSchema, kind: z.string().min(1).optional() }).strict();

const CameraSchema = z
  .object({
    id: Id,
    name: Name,
    rtspUrl: z.string().refine(isRtspUrl, 'must be an rtsp:// or rtsps:// URL'),
    position: LonLatSchema,
    bearingDeg: z.number().min(0).max(360),
    fovDeg: z.number().min(1).max(360),
    rangeM: z.number().positive(),
    zone: Id,
    ptz: z.boolean().default(false),
  })
  .strict();

const TalkgroupSchema = z.object({ id: Id, gssi: Issi, name: Name }).strict();

const UnitSchema = z
  .object({
    id: Id,
    callsign: Name,
    role: z.enum(UNIT_ROLES),
    issi: Issi,
    talkgroups: z.array(Id).default([]),
    /**
     * How the unit's radio is reached: an MQTT handset, a TETRA terminal (alerts go by SDS
     * through a control station whether or not it has been heard), or both. Default mqtt;
     * a unit heard through a control station also gets SDS.
     */
    bearer: z.enum(['mqtt', 'tetra', 'both']).default('mqtt'),
  })
  .strict();

const DockSchema = z.object({ id: Id, name: Name, bays: z.number().int().min(1).max(24), serialPath: z.string().min(1).optional() }).strict();

/** A body-worn camera and who wears it: footage offloaded from it is attributed to them. */
const BodyCamSchema = z.object({ serial: z.string().min(1).max(64), wearer: Name, provider: z.string().min(1).optional() }).strict();

const EvidenceSchema = z
  .object({
    /** Days after recording that non-evidential footage is kept, per category. */
    retentionDays: z
      .object({ 'non-evidential': envInt(z.number().int().min(1)).default(31) })
      .strict()
      .prefault({}),
    /** How often the retention job runs (it also bounds `partial/` and `quarantine/`). */
    retentionCheckMinutes: envInt(z.number().int().min(1)).default(60),
    /**
     * Where bundles for the police are written, as tar archives with generated names; relative
     * to `gateway.dataDir`. Clients never choose a path: they download the archive through the API.
     */
    exportDir: z.string().min(1).default('exports'),
    /**
     * A camera's clock is believed only within these bounds of the gateway's receive time;
     * outside them retention counts from the receive time (and journals that it did).
     */
    recordingClock: z
      .object({
        futureToleranceMinutes: envInt(z.number().int().min(0)).default(10),
        maxAgeHours: envInt(z.number().int().min(1)).default(24),
      })
      .strict()
      .prefault({}),
    /** Disk bounds of the evidence store. */
    disk: z
      .object({
        /** An offer is refused (NAK 6) when taking it would leave less than this free. */
        minFreeMiB: envInt(z.number().int().min(0)).default(1024),
        /** A partial transfer untouched this long is removed (the camera still has its copy). */
        partialMaxAgeHours: envInt(z.number().int().min(1)).default(72),
        /** Quarantine keeps at most this many files, this many MiB, this many days (oldest go first). */
        quarantineMaxFiles: envInt(z.number().int().min(1)).default(500),
        quarantineMaxMiB: envInt(z.number().int().min(1)).default(20_480),
        quarantineMaxAgeDays: envInt(z.number().int().min(1)).default(90),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const StatusCodeSchema = z.object({ state: z.enum(UNIT_STATES), label: Name, emergency: z.boolean().optional() }).strict();

/** A TETRA control-station radio on a serial line, speaking PEI (ETSI EN 300 392-5). */
const ControlStationSchema = z
  .object({
    id: Id,
    serialPath: z.string().min(1),
    baudRate: envInt(z.number().int().positive()).default(115200),
    /**
     * Start-up commands this radio may refuse, exactly as sent (e.g. "AT+CTOM?"). Every other
     * start-up command is required: a refusal keeps the link down with the reason journaled.
     */
    optionalCommands: z.array(z.string().regex(/^AT\+[A-Z]+[=?]/i, 'an AT+ command as the gateway sends it')).default([]),
    /** Talkgroups the station selects (AT+CTGS) at start-up; empty leaves it to the codeplug. */
    talkgroups: z.array(Id).default([]),
    /**
     * The ISSIs this station serves, [from, to] inclusive. SDS and talk from any other ISSI are
     * quarantined with the reason, not journaled as traffic nor answered. Empty accepts any.
     */
    issiRanges: z.array(z.tuple([Issi, Issi]).refine(([from, to]) => from <= to, 'from is after to')).default([]),
  })
  .strict();

const RadioSchema = z
  .object({
    controlStations: z.array(ControlStationSchema).default([]),
    /** An emergency nobody has acknowledged alerts the control room again after this long. */
    emergencyRealertSeconds: envInt(z.number().int().min(1)).default(30),
    /** A recipient that has not confirmed an alert by then is marked timed out. */
    alertTimeoutSeconds: envInt(z.number().int().min(1)).default(60),
    statusCodes: z
      .record(
        z.string().refine((k) => /^\d+$/.test(k) && Number(k) <= 0xffff, 'status codes are 16-bit decimal integers (0-65535)'),
        StatusCodeSchema,
      )
      // Status 0 is the emergency status TETRA terminals send by default (the emergency
      // button); without it a real radio's emergency raises nothing. A site that maps
      // statusCodes itself replaces this default, so it must list "0" itself.
      .default({ '0': { state: 'busy', label: 'EMERGENCY', emergency: true } }),
  })
  .strict();

/** The control-room web app. Offline first: no map tiles unless a deployment names its own server. */
const ConsoleSchema = z
  .object({
    /** A tile URL template with {z}, {x} and {y}, e.g. a tile server on the control-room LAN. */
    tileUrl: z
      .string()
      .regex(/^(https?:\/\/|\/)/, 'must be an http(s):// URL or a path on the gateway')
      .refine((u) => ['{z}', '{x}', '{y}'].every((k) => u.includes(k)), 'must contain {z}, {x} and {y}')
      .optional(),
    tileAttribution: z.string().max(200).optional(),
  })
  .strict();

/**
 * Suspect tracking: sightings fused into one track per subject, predictions over the zone
 * graph, and CBO breach alerts. Everything has a default, so older configs still load.
 */
const TrackingSchema = z
  .object({
    /** Talkgroup whose radios hear CBO breach alerts; without it, breaches alarm the console only. */
    breachTalkgroup: Id.optional(),
    /** A track with no sighting for this long is ended (the subject has left, or gone unseen). */
    trackEndMinutes: envInt(z.number().int().min(1)).default(60),
    /** A further sighting breaching the same order in the same zone within this time is the same breach. */
    breachCooldownMinutes: envInt(z.number().int().min(0)).default(15),
    /** How far beyond the time already elapsed since the last sighting predictions look ahead. */
    predictSeconds: envInt(z.number().int().min(0)).default(300),
    /** Walking pace inside a zone; between zones the walking graph's times apply. */
    walkSpeedMps: z.number().positive().max(10).default(1.4),
  })
  .strict();

const GradeSchema = z.object({ id: Id, label: Name, targetMinutes: z.number().int().min(1) }).strict();

/** UK-style response grades; a site names its own in `incidents.grades`. */
const DEFAULT_GRADES = [
  { id: 'immediate', label: 'Immediate', targetMinutes: 15 },
  { id: 'priority', label: 'Priority', targetMinutes: 60 },
  { id: 'scheduled', label: 'Scheduled', targetMinutes: 1440 },
];

const IncidentsSchema = z
  .object({
    /** Response grades, most urgent first; the target is from report to a unit on scene. */
    grades: z.array(GradeSchema).min(1).max(10).default(DEFAULT_GRADES),
    /** A unit whose last fix is older than this is ranked after every unit with a fresh one. */
    staleFixSeconds: envInt(z.number().int().min(1)).default(120),
    /** A unit whose last fix is older than this is left out of the ranking ("no fix for 10 min"): where it is is a guess. */
    maxFixAgeSeconds: envInt(z.number().int().min(1)).default(600),
    /**
     * Arrival by position: a dispatched unit whose radio acknowledged the dispatch and whose
     * fixes stay within this distance of the incident for this long is on scene. Entering the
     * incident's zone is not arrival; the unit's own "on scene" status always is.
     */
    arrivalRadiusM: envInt(z.number().int().min(5).max(500)).default(25),
    arrivalHoldSeconds: envInt(z.number().int().min(0).max(600)).default(30),
  })
  .strict();

/**
 * The uplink to the region: the journal is the outbox, forwarded over MQTT (QoS 1) to the
 * partnership's regional broker. Only the event types listed leave the site; every other event
 * goes up as a bare chain link (seq, id, time, hashes) so the region can still verify the chain.
 * The rules minimise what does leave. Secrets come from `${ENV}` (see config/README.md).
 */
const EventTypePattern = z
  .string()
  .regex(/^(\*|[a-z0-9-]+(\.[a-z0-9-]+)*(\.\*)?)$/, 'must be an event type such as "shop.report", a prefix such as "evidence.*", or "*"');
const FieldPath = z
  .string()
  .regex(/^(\.|[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*)$/, 'must be a dotted field path such as "gps" or "a.b", or "." for the payload itself');

const UplinkRuleSchema = z
  .object({
    types: z.array(EventTypePattern).min(1),
    /** Fields removed (footage names, export paths, people who are not subjects). */
    drop: z.array(FieldPath).default([]),
    /** Objects holding `lat`/`lon` (or `[lon, lat]` pairs) reduced to the id of the config zone they fall in. */
    zone: z.array(FieldPath).default([]),
    /** Fields about a person, kept only when the payload's `sharedFlag` is `true`. */
    unlessShared: z.array(FieldPath).default([]),
    /** The whole event leaves only when the payload's `sharedFlag` is `true`; otherwise as a bare chain link. */
    onlyIfShared: z.boolean().default(false),
    /** Where the payload says a person's data may be shared with the region. */
    sharedFlag: FieldPath.default('sharedRegionally'),
    /** The header leaves, the payload never does (the region still sees its digest). */
    withhold: z.boolean().default(false),
  })
  .strict();

/** Free text or people's accounts and addresses: if a site lets these types out at all, only their headers go. */
const WITHHELD_TYPES = [
  'radio.text',
  'alert.sent',
  'bulletin.sent',
  'cctv.bookmark',
  'cctv.fault',
  'emergency.resolved',
  'auth.*',
  'user.*',
  'mqtt.*',
  'security.*',
  'quarantine.*',
  'tak.*',
];
// Mirrors config/demo-town.yaml, which explains each rule.
const DEFAULT_UPLINK_TYPES = [
  'shop.report',
  'cctv.sighting',
  'sighting.reported',
  'track.sighting',
  'subject.*',
  'cbo.*',
  'breach.detected',
  'incident.*',
  'evidence.*',
];
const DEFAULT_UPLINK_RULES = [
  {
    types: ['shop.report', 'cctv.sighting', 'sighting.reported'],
    drop: ['media', 'snapshotRef', 'operator', 'unitId'],
    unlessShared: ['subjectId', 'description'],
    zone: ['place.lonLat'],
  },
  {
    types: ['track.sighting'],
    drop: ['sighting.media', 'sighting.reporter', 'sighting.unitId', 'sighting.unknownSubjectId'],
    unlessShared: ['sighting.subjectId', 'sighting.description'],
    zone: ['sighting.position'],
    sharedFlag: 'sighting.sharedRegionally',
  },
  { types: ['subject.*', 'cbo.*'], onlyIfShared: true, drop: ['photoRef', 'markers', 'dob', 'terms.excludedAreas'] },
  { types: ['subject.updated'], onlyIfShared: true, drop: ['changes.photoRef', 'changes.markers', 'changes.dob'] },
  { types: ['breach.detected'], unlessShared: ['subjectId'], zone: ['position'] },
  { types: ['incident.*'], drop: ['note', 'caller'], unlessShared: ['subjectId', 'description'], zone: ['position'] },
  { types: ['evidence.*'], drop: ['name', 'out', 'path', 'wearer', 'dockId', 'bay', 'fileNo', 'reason', 'note'], zone: ['gps'] },
  { types: ['radio.position'], zone: ['.'] },
  { types: WITHHELD_TYPES, withhold: true },
];

const UplinkSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** The regional broker: mqtt://, mqtts:// (TLS), ws:// or wss://. */
    url: z
      .string()
      .regex(/^(mqtts?|wss?):\/\/[^\s]+$/, 'must be an mqtt://, mqtts://, ws:// or wss:// URL')
      .optional(),
    /** MQTT client id; one per site (default `tw-uplink-<site id>`). */
    clientId: z.string().min(1).max(128).optional(),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** PEM file of the CA that signed the broker's certificate (relative to the working directory). */
    ca: z.string().min(1).optional(),
    /** MQTT messages awaiting PUBACK at once; a crash re-sends at most this many. */
    windowSize: envInt(z.number().int().min(1).max(1000)).default(8),
    /** Journal events per MQTT message. */
    batchSize: envInt(z.number().int().min(1).max(5000)).default(500),
    ackTimeoutSeconds: envInt(z.number().int().min(1)).default(30),
    backoff: z
      .object({ minMs: envInt(z.number().int().min(10)).default(1000), maxMs: envInt(z.number().int().min(10)).default(60_000) })
      .strict()
      .prefault({}),
    /** Event types whose headers and (minimised) payloads leave the site. */
    eventTypes: z.array(EventTypePattern).default(DEFAULT_UPLINK_TYPES),
    minimise: z.array(UplinkRuleSchema).prefault(DEFAULT_UPLINK_RULES),
    /**
     * Event types whose positions may leave exactly; every other position (`{lat, lon}`, or a
     * `[lon, lat]` pair under `position`, `lonLat`, `gps`, …) leaves only as its config zone.
     */
    exactPositions: z.array(EventTypePattern).default([]),
    /**
     * A secret shared with the region only (not the MQTT password), at least 32 characters, from
     * `${ENV}`: each status the site sends signs its chain head (HMAC-SHA256), so the region can
     * tell the site from someone holding its MQTT password, and repair forged events.
     */
    signingKey: z.string().min(32, 'must be at least 32 characters').optional(),
  })
  .strict()
  .superRefine((u, ctx) => {
    if (u.enabled && !u.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'required when the uplink is enabled' });
    if (u.backoff.minMs > u.backoff.maxMs) ctx.addIssue({ code: 'custom', path: ['backoff'], message: 'minMs is above maxMs' });
  });

/**
 * Live CCTV. Streams are pulled from the cameras' rtspUrl by ffmpeg, one per watched camera,
 * only while someone watches; health is probed on a schedule. Times may be fractional.
 */
const CctvSchema = z
  .object({
    ffmpegPath: z.string().min(1).default('ffmpeg'),
    ffprobePath: z.string().min(1).default('ffprobe'),
    /** RTSP lower transport. The demo's RTSP simulator (rtsp-server-perl) answers UDP only. */
    rtspTransport: z.enum(['udp', 'tcp']).default('udp'),
    /** With no packets from the camera for this long, ffmpeg gives up (and is restarted). */
    ioTimeoutSeconds: envInt(z.number().min(0.5)).default(5),
    /** ffmpeg keeps running this long after the last viewer leaves. */
    idleStopSeconds: envInt(z.number().min(0)).default(10),
    /** No pictures for this long while running is a stall: ffmpeg is killed and restarted. */
    stallSeconds: envInt(z.number().min(1)).default(10),
    restartBackoff: z
      .object({ initialMs: envInt(z.number().int().min(10)).default(1000), maxMs: envInt(z.number().int().min(10)).default(30_000) })
      .strict()
      .prefault({}),
    probeIntervalSeconds: envInt(z.number().min(0.5)).default(30),
    probeTimeoutSeconds: envInt(z.number().min(0.5)).default(10),
    /** Consecutive probes that must agree before a camera is journaled offline or online. */
    healthDebounce: envInt(z.number().int().min(1)).default(2),
    /** MPEG-1 quantiser for the relay, 2 (best) to 31. */
    quality: envInt(z.number().int().min(2).max(31)).default(5),
    /** Pictures per group: how long a joining (or lagging) viewer may wait for a picture. */
    gopFrames: envInt(z.number().int().min(1).max(300)).default(10),
    /** Frame rate written in the MPEG-1 header (a legal MPEG-1 rate, at least the cameras' own). */
    declaredFps: z.union([z.literal(24), z.literal(25), z.literal(30), z.literal(50), z.literal(60)]).default(25),
    /** Video a viewer may have queued before segments are skipped for it. */
    viewerMaxBufferKb: envInt(z.number().int().min(16)).default(1024),
    /** A viewer that has been skipping this long is disconnected. */
    slowViewerSeconds: envInt(z.number().min(1)).default(15),
    /** Frigate's camera names → our camera ids, for `frigate/events`. */
    frigateCameras: z.record(z.string().min(1).max(128), Id).default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.restartBackoff.initialMs > c.restartBackoff.maxMs) ctx.addIssue({ code: 'custom', path: ['restartBackoff'], message: 'initialMs is above maxMs' });
  });

/**
 * A live Cursor-on-Target feed for TAK (ATAK, WinTAK, TAK Server): CoT XML over plain TCP,
 * carrying what one console role may see. It has no authentication of its own, so it listens
 * on loopback unless a deployment puts it on a network it trusts.
 */
const TakSchema = z
  .object({
    enabled: z.boolean().default(false),
    host: z.string().min(1).default('127.0.0.1'),
    port: Port.default(8087),
    /** Whose view the feed carries: units' positions, and tracks only if this role may see them. */
    role: z.enum(CONSOLE_ROLES).optional(),
    /** Changes are gathered and sent at most this often. */
    intervalSeconds: envInt(z.number().min(0.05).max(60)).default(1),
    /** A mark not refreshed for this long goes stale in the client; every live mark is re-sent at half this. */
    staleSeconds: envInt(z.number().int().min(10)).default(120),
    maxClients: envInt(z.number().int().min(1).max(1000)).default(16),
    /** CoT a client may have unread before it is disconnected (a slow client is cut off, not buffered). */
    maxBufferKb: envInt(z.number().int().min(16)).default(512),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.enabled && !t.role)
      ctx.addIssue({ code: 'custom', path: ['role'], message: 'required when the TAK feed is enabled: the console role whose view it carries' });
  });

/**
 * How long personal data stays in the journal. Each rule names event types whose payloads are
 * erased that many days after they were journaled (the header and the payload's digest stay, so
 * the chain still verifies, and each erasure is itself journaled). Footage has its own retention
 * (`evidence.retentionDays`). The event types are checked against the catalogue at start.
 */
const PrivacySchema = z
  .object({
    retention: z
      .array(
        z
          .object({
            types: z.array(z.string().min(1)).min(1),
            days: envInt(z.number().int().min(1).max(36_500)),
          })
          .strict(),
      )
      // Where officers and guards were, fix by fix: the most voluminous personal data there is.
      .default([{ types: ['radio.position'], days: 31 }]),
    /** How often a retention pass runs. */
    retentionCheckMinutes: envInt(z.number().int().min(1)).default(60),
  })
  .strict();

/**
 * What the demo's simulators do by themselves (`npm start` in demo mode; nothing else reads it):
 * now and then, in turn, a handset's emergency press (MQTT and TETRA radios alternately, each
 * cancelled after a while), a theft reported by a shop terminal, and a sighting of the demo's
 * suspect under an order (a CCTV operator's mark or a member's report) that breaches it. All over
 * the real wire protocols and accounts, so a new user sees those screens work. Off unless enabled.
 */
const DemoSchema = z
  .object({
    activity: z
      .object({
        enabled: z.boolean().default(false),
        /** The first happening, after the simulators start. */
        firstAfterSeconds: envInt(z.number().min(0).max(3600)).default(20),
        /**
         * Between happenings; the three kinds take turns, so each comes round every 3 × this. The
         * suspect walks six zones, so at 55 s he is back in one after 16.5 min, past the breach
         * cooldown (15 min): each sighting is a new breach.
         */
        everySeconds: envInt(z.number().min(0.05).max(86_400)).default(55),
        /** A handset's emergency is cancelled from the radio after this long (the controller still resolves it). */
        emergencyCancelSeconds: envInt(z.number().min(0).max(3600)).default(45),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const BaseConfigSchema = z
  .object({
    version: z.literal(CONFIG_VERSION),
    site: SiteSchema,
    gateway: GatewaySchema.prefault({}),
    accounts: z.array(AccountSchema),
    zones: z.array(ZoneSchema).default([]),
    premises: z.array(PremisesSchema).default([]),
    cameras: z.array(CameraSchema).default([]),
    talkgroups: z.array(TalkgroupSchema).default([]),
    units: z.array(UnitSchema).default([]),
    docks: z.array(DockSchema).default([]),
    radio: RadioSchema.prefault({}),
    bodyCams: z.array(BodyCamSchema).default([]),
    evidence: EvidenceSchema.prefault({}),
    cctv: CctvSchema.prefault({}),
    console: ConsoleSchema.prefault({}),
    tracking: TrackingSchema.prefault({}),
    incidents: IncidentsSchema.prefault({}),
    uplink: UplinkSchema.prefault({}),
    tak: TakSchema.prefault({}),
    demo: DemoSchema.prefault({}),
    privacy: PrivacySchema.prefault({}),
  })
  .strict();

export const ConfigSchema = BaseConfigSchema.superRefine(checkReferences)
  .superRefine(checkFrigateCameras)
  .superRefine((cfg, ctx) => {
    // Tracking and incident settings refer to talkgroups and name grades that must resolve.
    const tg = cfg.tracking.breachTalkgroup;
    if (tg !== undefined && !cfg.talkgroups.some((t) => t.id === tg)) {
      ctx.addIssue({ code: 'custom', path: ['tracking', 'breachTalkgroup'], message: `unknown talkgroup "${tg}"` });
    }
    const grades = new Set<string>();
    cfg.incidents.grades.forEach((g, i) => {
      if (grades.has(g.id)) ctx.addIssue({ code: 'custom', path: ['incidents', 'grades', i, 'id'], message: `duplicate grade "${g.id}"` });
      grades.add(g.id);
    });
  });

/** Frigate camera names must map to configured cameras. */
function checkFrigateCameras(cfg: z.output<typeof BaseConfigSchema>, ctx: z.RefinementCtx): void {
  const ids = new Set(cfg.cameras.map((c) => c.id));
  for (const [name, id] of Object.entries(cfg.cctv.frigateCameras)) {
    if (!ids.has(id)) ctx.addIssue({ code: 'custom', path: ['cctv', 'frigateCameras', name], message: `unknown camera "${id}"` });
  }
}

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type Site = Config['site'];
export type GatewaySettings = Config['gateway'];
export type TlsSettings = NonNullable<Config['gateway']['tls']>;
export type Account = Config['accounts'][number];
export type AccountRole = (typeof ACCOUNT_ROLES)[number];
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];
export type Zone = Config['zones'][number];
export type Premises = Config['premises'][number];
export type Camera = Config['cameras'][number];
export type Talkgroup = Config['talkgroups'][number];
export type Unit = Config['units'][number];
export type UnitRole = (typeof UNIT_ROLES)[number];
export type UnitState = (typeof UNIT_STATES)[number];
export type Dock = Config['docks'][number];
export type StatusCode = Config['radio']['statusCodes'][string];
export type ConsoleSettings = Config['console'];
export type CctvSettings = Config['cctv'];
export type TrackingSettings = Config['tracking'];
export type IncidentGrade = Config['incidents']['grades'][number];
export type UplinkSettings = Config['uplink'];
export type UplinkRule = UplinkSettings['minimise'][number];
export type TakSettings = Config['tak'];

function isTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function isRtspUrl(s: string): boolean {
  if (!/^rtsps?:\/\//.test(s)) return false;
  try {
    return new URL(s).host.length > 0;
  } catch {
    return false;
  }
}
