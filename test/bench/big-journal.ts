/**
 * A large, realistic journal written fast, for benchmarks that need history (time travel,
 * hotspots): positions from many radios, statuses, texts, presence, shop reports, sightings on
 * subjects' tracks, incidents from report to close, connections and logins, spread over days.
 *
 * It is written straight into the journal's own schema with the journal's own hashing
 * (gateway/journal/schema.ts, hash.ts), because the writer stamps every event with the time of
 * its commit: a million appends through it would all fall in the last minute, and a query for
 * "the state last Tuesday at 21:00" would be no test at all. The chain it writes is the one the
 * writer would have written with those times, and `verifyJournal` checks it like any other.
 */
import Database from 'better-sqlite3';
import { monotonicFactory } from 'ulid';
import type { Config } from '../../config/schema';
import { EVENTS } from '../../gateway/contract/events';
import { chainHash, sha256Hex } from '../../gateway/journal/hash';
import { SCHEMA_SQL } from '../../gateway/journal/schema';
import { GENESIS_HASH } from '../../gateway/journal/types';
import { mulberry32 } from '../../simulators/random';

export interface BigJournalOptions {
  path: string;
  config: Config;
  events: number;
  /** The last event's time (ms); the first is `spanMs` earlier. */
  endMs: number;
  spanMs: number;
  /** Radios reporting positions: the configured units' and the rest from the control station's range. */
  radios?: number;
  seed?: number;
}

export interface BigJournal {
  events: number;
  firstTs: number;
  lastTs: number;
  byType: Record<string, number>;
  head: string;
}

interface Draft {
  source: string;
  type: string;
  actor: string | null;
  subject: string | null;
  ref: string | null;
  dedupe: string | null;
  payload: unknown;
}

const CATEGORIES = ['theft', 'abuse', 'violence', 'suspicious', 'damage', 'other'] as const;
const OUTCOMES = ['arrest', 'words-of-advice', 'no-trace', 'false-report', 'resolved'] as const;

/** The generator of one stream of drafts; `next(ts)` gives the event happening at `ts`. */
function generator(config: Config, radios: number, rnd: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const units = config.units;
  const station = config.accounts.find((a) => a.role === 'control-station')!;
  const [from] = station.issiRanges![0]!;
  const unitIssis = new Set(units.map((u) => u.issi));
  const issis: number[] = units.map((u) => u.issi);
  for (let issi = from; issis.length < radios; issi++) if (!unitIssis.has(issi)) issis.push(issi);
  // Each radio walks around the town centre from a start of its own.
  const [lon0, lat0] = config.premises[0]!.position;
  const pos = new Map(issis.map((i) => [i, { lat: lat0 + (rnd() - 0.5) * 0.004, lon: lon0 + (rnd() - 0.5) * 0.004 }]));
  const msgId = new Map(issis.map((i) => [i, 1]));
  const clientOf = (issi: number) => (unitIssis.has(issi) ? `radio-${issi}` : station.username);
  const shops = config.accounts.filter((a) => a.role === 'shop-terminal' && a.premisesId);
  const zones = config.zones.map((z) => z.id);
  const subjects = Array.from({ length: 40 }, (_, i) => `subj-${String(i + 1).padStart(3, '0')}`);
  const tracks = new Map<string, { trackId: string; firstSeenAt: string; sightings: number; zones: string[] }>();
  const consoleUsers = config.accounts.filter((a) => a.consoleRole === 'controller' || a.consoleRole === 'cctv-operator').map((a) => a.username);
  const incidents: Array<{ id: string; step: number; unit: (typeof units)[number] }> = [];
  let counter = 0;
  let seq = 0;

  const radio = (issi: number, type: string, payload: Record<string, unknown>): Draft => {
    const id = msgId.get(issi)!;
    msgId.set(issi, (id % 65535) + 1);
    const body = { ...payload, issi };
    return {
      source: `mqtt:handset-${issi}`,
      type,
      actor: null,
      subject: `radio:${issi}`,
      ref: null,
      dedupe: `handset-${issi}/${id}/${sha256Hex(JSON.stringify(payload)).slice(0, 16)}`,
      payload: body,
    };
  };

  const position = (ts: number): Draft => {
    const issi = pick(issis);
    const p = pos.get(issi)!;
    p.lat = Math.min(lat0 + 0.004, Math.max(lat0 - 0.004, p.lat + (rnd() - 0.5) * 0.0002));
    p.lon = Math.min(lon0 + 0.004, Math.max(lon0 - 0.004, p.lon + (rnd() - 0.5) * 0.0002));
    const fix = {
      lat: +p.lat.toFixed(6),
      lon: +p.lon.toFixed(6),
      accuracyM: 5 + Math.round(rnd() * 20),
      speedKmh: +(rnd() * 6).toFixed(1),
      headingDeg: Math.round(rnd() * 359),
      fixTime: new Date(ts - 300).toISOString(),
    };
    return radio(issi, 'radio.position', fix);
  };

  const sighting = (ts: number, subjectId: string, premisesId: string | null, zone: string): Draft => {
    const at = new Date(ts).toISOString();
    const before = tracks.get(subjectId);
    const track = before
      ? { ...before, sightings: before.sightings + 1 }
      : { trackId: `trk-${subjectId}-${ts}`, firstSeenAt: at, sightings: 1, zones: [] as string[] };
    if (!track.zones.includes(zone)) track.zones = [...track.zones, zone];
    tracks.set(subjectId, track);
    const id = `sgt-${++counter}`;
    const s = {
      id,
      subjectId,
      at,
      atMs: ts,
      kind: 'shop' as const,
      via: 'mqtt' as const,
      reporter: null,
      premisesId,
      cameraId: null,
      unitId: null,
      position: null,
      zone,
      precision: 'premises' as const,
      description: 'Grey hoodie, dark jeans',
      category: 'theft',
      media: [],
      causeSeq: seq,
    };
    const summary = (t: typeof track) => ({
      trackId: t.trackId,
      subjectId,
      state: 'active' as const,
      current_zones: [zone],
      entered_zones: t.zones,
      sightings: t.sightings,
      sources: ['shop' as const],
      firstSeenAt: t.firstSeenAt,
      last: { id, at, kind: 'shop' as const, zone, position: null, precision: 'premises' as const, premisesId, cameraId: null },
    });
    return {
      source: 'gateway',
      type: 'track.sighting',
      actor: null,
      subject: `subject:${subjectId}`,
      ref: track.trackId,
      dedupe: null,
      payload: { type: before ? 'update' : 'new', sighting: s, before: before ? summary(before) : null, after: summary(track), trigger: seq },
    };
  };

  const incident = (ts: number): Draft => {
    const at = new Date(ts).toISOString();
    const open = incidents[0];
    if (!open || (incidents.length < 4 && rnd() < 0.3)) {
      const id = `inc-${++counter}`;
      const premises = pick(config.premises);
      incidents.push({ id, step: 0, unit: pick(units) });
      return {
        source: 'api',
        type: 'incident.reported',
        actor: pick(consoleUsers),
        subject: null,
        ref: id,
        dedupe: null,
        payload: {
          incidentId: id,
          category: pick(CATEGORIES),
          description: 'Reported by phone: shoplifter left towards the market',
          zone: premises.zone,
          position: premises.position,
          premisesId: premises.id,
          subjectId: rnd() < 0.5 ? pick(subjects) : null,
          reportedAt: at,
          origin: { kind: 'console', ref: null },
          channel: '101',
        },
      };
    }
    open.step++;
    const base = { source: 'api', actor: pick(consoleUsers), subject: null, ref: open.id, dedupe: null };
    if (open.step === 1) return { ...base, type: 'incident.graded', payload: { incidentId: open.id, grade: config.incidents.grades[1] } };
    if (open.step === 2)
      return {
        ...base,
        type: 'incident.dispatched',
        payload: {
          incidentId: open.id,
          unitId: open.unit.id,
          callsign: open.unit.callsign,
          issi: open.unit.issi,
          msgId: `dsp-${++counter}`,
          note: null,
          travelSeconds: 180,
          rank: 1,
          ranking: [{ unitId: open.unit.id, travelSeconds: 180, fixAgeSeconds: 20 }],
        },
      };
    incidents.shift();
    return { ...base, type: 'incident.closed', payload: { incidentId: open.id, outcome: pick(OUTCOMES), note: null } };
  };

  return {
    /** Subjects exist before anything is seen of them. */
    preamble(): Draft[] {
      return subjects.map((subjectId, i) => ({
        source: 'api',
        type: 'subject.created',
        actor: consoleUsers[0]!,
        subject: `subject:${subjectId}`,
        ref: null,
        dedupe: null,
        payload: {
          subjectId,
          status: i % 4 === 0 ? 'sought' : 'known',
          name: `Subject ${i + 1}`,
          aliases: [],
          dob: null,
          photoRef: null,
          description: 'Slim build, often with a bike',
          features: [],
          markers: [],
          sharedWithMembers: true,
          sharedRegionally: false,
        },
      }));
    },
    next(ts: number, s: number): Draft {
      seq = s;
      const r = rnd();
      // Mostly positions, as in the field: about 200 radios reporting every few seconds.
      if (r < 0.86) return position(ts);
      if (r < 0.91) return radio(pick(issis), 'radio.status', { value: pick([1, 2, 3, 32768, 32770, 32774]) });
      if (r < 0.93) return radio(pick(issis), 'radio.text', { to: 9000, text: 'Heading to Market Square, ETA 2 min' });
      if (r < 0.94) return radio(pick(issis), 'radio.presence', { online: rnd() < 0.8 });
      if (r < 0.955) {
        const shop = pick(shops);
        return {
          source: `mqtt:${shop.username}-terminal`,
          type: 'shop.report',
          actor: null,
          subject: `premises:${shop.premisesId!}`,
          ref: null,
          dedupe: null,
          payload: {
            kind: rnd() < 0.5 ? 'incident' : 'sighting',
            category: pick(CATEGORIES),
            occurredAt: new Date(ts - 60_000).toISOString(),
            description: 'Male, 30s, took two bottles of spirits',
            subjectId: pick(subjects),
            premisesId: shop.premisesId!,
          },
        };
      }
      if (r < 0.975) {
        const premises = pick(config.premises);
        return sighting(ts, pick(subjects), premises.id, premises.zone ?? pick(zones));
      }
      if (r < 0.985) return incident(ts);
      if (r < 0.997) {
        const issi = pick(issis);
        const up = rnd() < 0.5;
        const payload = up
          ? { clientId: `handset-${issi}`, username: clientOf(issi), role: 'handset' }
          : { clientId: `handset-${issi}`, username: clientOf(issi), reason: 'keepalive' };
        return {
          source: 'gateway',
          type: up ? 'mqtt.connected' : 'mqtt.disconnected',
          actor: null,
          subject: `account:${clientOf(issi)}`,
          ref: null,
          dedupe: null,
          payload,
        };
      }
      return { source: 'http', type: 'auth.login', actor: pick(consoleUsers), subject: null, ref: null, dedupe: null, payload: { ip: '10.0.4.21' } };
    },
  };
}

/**
 * Writes `events` events to a new journal at `path` (which must not exist yet), evenly spread
 * over `spanMs` up to `endMs`. Each kind's first payload is checked against the contract's
 * schema, so the journal holds what the gateway itself would have written.
 */
export function writeBigJournal(opts: BigJournalOptions): BigJournal {
  const rnd = mulberry32(opts.seed ?? 20);
  const gen = generator(opts.config, opts.radios ?? 200, rnd);
  const db = new Database(opts.path);
  db.pragma('journal_mode = WAL');
  // Filling a fresh file for a benchmark: the fsyncs are the gateway's business, not this setup's.
  db.pragma('synchronous = OFF');
  db.exec(SCHEMA_SQL);
  const stmt = db.prepare(
    `INSERT INTO events (seq, id, ts, source, type, actor, subject, ref, dedupe, payload, payload_sha256, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insert = db.transaction((rows: unknown[][]) => {
    for (const row of rows) stmt.run(row);
  });
  // ulid's default randomness draws from the OS a byte at a time: most of this setup's time.
  const nextId = monotonicFactory(mulberry32((opts.seed ?? 20) + 1));
  const checked = new Set<string>();
  const byType: Record<string, number> = {};
  const firstTs = opts.endMs - opts.spanMs;
  let prevHash = GENESIS_HASH;
  let rows: unknown[][] = [];
  const preamble = gen.preamble();
  try {
    for (let seq = 1; seq <= opts.events; seq++) {
      const ts = Math.round(firstTs + ((seq - 1) * opts.spanMs) / Math.max(1, opts.events - 1));
      const d = seq <= preamble.length ? preamble[seq - 1]! : gen.next(ts, seq);
      if (!checked.has(d.type)) {
        const spec = EVENTS[d.type as keyof typeof EVENTS];
        const ok = spec?.payload.safeParse(d.payload);
        if (!ok?.success) throw new Error(`big journal: ${d.type} payload does not match the contract: ${ok?.error.message ?? 'unknown type'}`);
        checked.add(d.type);
      }
      byType[d.type] = (byType[d.type] ?? 0) + 1;
      const payload = JSON.stringify(d.payload);
      const payloadSha256 = sha256Hex(payload);
      const id = nextId(ts);
      const hash = chainHash({
        seq,
        id,
        ts,
        source: d.source,
        type: d.type,
        actor: d.actor,
        subject: d.subject,
        ref: d.ref,
        dedupe: d.dedupe,
        payloadSha256,
        prevHash,
      });
      rows.push([seq, id, ts, d.source, d.type, d.actor, d.subject, d.ref, d.dedupe, payload, payloadSha256, prevHash, hash]);
      prevHash = hash;
      if (rows.length === 20_000) {
        insert(rows);
        rows = [];
      }
    }
    if (rows.length) insert(rows);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return { events: opts.events, firstTs, lastTs: opts.endMs, byType, head: prevHash };
}
