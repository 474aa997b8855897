import { z } from 'zod';
import { checkReferences } from './references';

/**
 * The site configuration, version 1. Every object is strict: a misspelt key in a hand-edited
 * YAML file is far more likely than a deliberate extension, and silently ignoring it would
 * leave a setting at its default in production.
 */

export const CONFIG_VERSION = 1;

export const ACCOUNT_ROLES = [
  'handset',
  'control-station',
  'shop-terminal',
  'dock',
  'camera-system',
  'console',
  'service',
] as const;
export const CONSOLE_ROLES = [
  'controller',
  'cctv-operator',
  'security-manager',
  'police',
  'member',
  'engineer',
] as const;
export const UNIT_ROLES = ['police', 'pcso', 'security', 'warden'] as const;
export const UNIT_STATES = ['available', 'en-route', 'on-scene', 'busy', 'off-duty'] as const;

export const PASSWORD_HASH_RE = /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/;
const SLUG_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{1,62}$/;
const MAX_ISSI = 0xffffff; // TETRA and DMR subscriber ids are 24-bit

// Ids end up in MQTT topics and URLs, so keep them free of `/`, `+`, `#` and spaces.
const Id = z.string().regex(SLUG_RE, 'must be a slug: lower-case letters, digits and single hyphens');
const Name = z.string().trim().min(1, 'must not be empty');
const Issi = z.number().int().min(1).max(MAX_ISSI);
const PasswordHash = z
  .string()
  .regex(PASSWORD_HASH_RE, 'must be a scrypt hash "scrypt$N$r$p$<salt>$<hash>", never a plain password');

// Numbers in `gateway` are often injected per deployment through `${ENV}`, which always yields
// a string; accept a string of digits there so `port: ${TW_HTTP_PORT}` works.
const envInt = (schema: z.ZodNumber) =>
  z.preprocess((v) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v), schema);
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
      })
      .strict()
      .prefault({}),
    dataDir: z.string().min(1).default('data'),
    sessionTtlMinutes: envInt(z.number().int().min(1)).default(480),
    unitLostContactSeconds: envInt(z.number().int().min(1)).default(120),
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
    need(
      'premisesId',
      a.role === 'shop-terminal' || (a.role === 'console' && a.consoleRole === 'member'),
      'for role "shop-terminal" and consoleRole "member"',
    );
    if (a.issiRanges?.length === 0)
      ctx.addIssue({ code: 'custom', path: ['issiRanges'], message: 'must list at least one [from, to] range' });
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

const PremisesSchema = z
  .object({ id: Id, name: Name, zone: Id, position: LonLatSchema, kind: z.string().min(1).optional() })
  .strict();

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
  })
  .strict();

const DockSchema = z
  .object({ id: Id, name: Name, bays: z.number().int().min(1).max(24), serialPath: z.string().min(1).optional() })
  .strict();

/** A body-worn camera and who wears it: footage offloaded from it is attributed to them. */
const BodyCamSchema = z.object({ serial: z.string().min(1).max(64), wearer: Name, provider: z.string().min(1).optional() }).strict();

const EvidenceSchema = z
  .object({
    /** Days after recording that non-evidential footage is kept, per category. */
    retentionDays: z
      .object({ 'non-evidential': envInt(z.number().int().min(1)).default(31) })
      .strict()
      .prefault({}),
    /** How often the retention job runs. */
    retentionCheckMinutes: envInt(z.number().int().min(1)).default(60),
  })
  .strict();

const StatusCodeSchema = z
  .object({ state: z.enum(UNIT_STATES), label: Name, emergency: z.boolean().optional() })
  .strict();

/** A TETRA control-station radio on a serial line, speaking PEI (ETSI EN 300 392-5). */
const ControlStationSchema = z
  .object({
    id: Id,
    serialPath: z.string().min(1),
    baudRate: envInt(z.number().int().positive()).default(115200),
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
      .default({}),
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
  })
  .strict();

export const ConfigSchema = BaseConfigSchema.superRefine(checkReferences);

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type Site = Config['site'];
export type GatewaySettings = Config['gateway'];
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
