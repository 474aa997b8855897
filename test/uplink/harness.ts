import Database from 'better-sqlite3';
import type pg from 'pg';
import pino from 'pino';
import { parseRegionConfig, type RegionConfig } from '../../gateway/region/config';
import { RegionService } from '../../gateway/region/service';
import { eventually, testConfig } from '../helpers/gateway';

/** Shared set-up of the uplink tests: sites forwarding to a real broker, a region writing to real PostgreSQL. */

export const UPLINK_USER = 'site-uplink';
export const UPLINK_PASSWORD = 'uplink-secret-3141';
export const REGION_USER = 'region';
export const REGION_PASSWORD = 'region-secret-2718';
/** The site configs say `password: ${TW_TEST_UPLINK_PASSWORD}`, as a deployment keeps secrets out of the file. */
process.env.TW_TEST_UPLINK_PASSWORD = UPLINK_PASSWORD;

export const BROKER_USERS = { [UPLINK_USER]: UPLINK_PASSWORD, [REGION_USER]: REGION_PASSWORD };

export function regionConfig(
  mqttUrl: string,
  pgUrl: string,
  over: { instance?: string; tokens?: RegionConfig['tokens']; gapGraceSeconds?: number; stallSeconds?: number; ca?: string | null } = {},
): RegionConfig {
  return parseRegionConfig({
    instance: over.instance ?? 'r1',
    mqtt: { url: mqttUrl, username: REGION_USER, password: REGION_PASSWORD, ...(over.ca ? { ca: over.ca } : {}) },
    postgres: { url: pgUrl, poolSize: 3 },
    http: { host: '127.0.0.1', port: 0 },
    tokens: over.tokens ?? [],
    chain: {
      sweepSeconds: 0.3,
      gapGraceSeconds: over.gapGraceSeconds ?? 20,
      resendAfterSeconds: 1,
      ...(over.stallSeconds ? { stallSeconds: over.stallSeconds } : {}),
    },
  });
}

export async function startRegion(cfg: RegionConfig): Promise<RegionService> {
  const r = new RegionService(cfg, pino({ level: 'silent' }));
  await r.start();
  return r;
}

/** The demo town as site `siteId`, forwarding to `brokerUrl`. */
export function siteConfig(siteId: string, brokerUrl: string, uplink: Record<string, unknown> = {}) {
  return testConfig((doc) => {
    (doc.site as Record<string, unknown>).id = siteId;
    doc.uplink = {
      ...(doc.uplink as Record<string, unknown>),
      enabled: true,
      url: brokerUrl,
      username: UPLINK_USER,
      password: '${TW_TEST_UPLINK_PASSWORD}',
      windowSize: 4,
      batchSize: 50,
      ackTimeoutSeconds: 10,
      backoff: { minMs: 100, maxMs: 800 },
      ...uplink,
    };
  });
}

export interface ChainRow {
  seq: number;
  id: string;
  hash: string;
}

/** The site's journal, read as the region should end up holding it. */
export function journalChain(path: string): ChainRow[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT seq, id, hash FROM events ORDER BY seq').all() as ChainRow[];
  } finally {
    db.close();
  }
}

export async function storedChain(pool: pg.Pool, siteId: string): Promise<ChainRow[]> {
  const res = await pool.query<{ seq: string; event_id: string; hash: string }>('SELECT seq, event_id, hash FROM events WHERE site_id = $1 ORDER BY seq', [
    siteId,
  ]);
  return res.rows.map((r) => ({ seq: Number(r.seq), id: r.event_id, hash: r.hash }));
}

export async function waitStored(pool: pg.Pool, siteId: string, count: number, timeoutMs = 20_000): Promise<void> {
  await eventually(
    async () => {
      const r = await pool.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE site_id = $1', [siteId]);
      return Number(r.rows[0]!.n) >= count;
    },
    timeoutMs,
    `${count} events of ${siteId} in PostgreSQL`,
  );
}

/**
 * Waits until the region holds as many events of the site as its journal (the site's watchers
 * may still be deriving events), then returns both chains for comparison.
 */
export async function settled(
  pool: pg.Pool,
  siteId: string,
  journalPath: string,
  atLeast: number,
  timeoutMs = 30_000,
): Promise<{ journal: ChainRow[]; stored: ChainRow[] }> {
  return eventually(
    async () => {
      const journal = journalChain(journalPath);
      const stored = await storedChain(pool, siteId);
      return journal.length >= atLeast && stored.length >= journal.length ? { journal, stored } : undefined;
    },
    timeoutMs,
    `the region to hold all of ${siteId}'s journal`,
  );
}

export async function breaksOf(pool: pg.Pool, siteId: string): Promise<Array<{ seq: number; kind: string; resolved: boolean }>> {
  const res = await pool.query<{ seq: string; kind: string; resolved_at: Date | null }>(
    'SELECT seq, kind, resolved_at FROM chain_breaks WHERE site_id = $1 ORDER BY seq, kind',
    [siteId],
  );
  return res.rows.map((r) => ({ seq: Number(r.seq), kind: r.kind, resolved: r.resolved_at !== null }));
}

/**
 * Breaks other than a gap that has since filled. A gap is reported when events stay missing
 * past the grace (on a slow machine, a resend can take that long); the chain itself must hold.
 */
export async function unresolvedBreaks(pool: pg.Pool, siteId: string): Promise<Array<{ seq: number; kind: string; resolved: boolean }>> {
  return (await breaksOf(pool, siteId)).filter((b) => !(b.kind === 'gap' && b.resolved));
}

/** Every text PostgreSQL holds for the region, to check what must never have arrived. */
export async function everythingStored(pool: pg.Pool): Promise<string> {
  const tables = ['events', 'subjects', 'sightings', 'incidents', 'breaches', 'erasures', 'quarantine', 'chain_breaks', 'sites'];
  const parts: string[] = [];
  for (const t of tables) {
    const res = await pool.query<{ j: string }>(`SELECT row_to_json(x)::text AS j FROM ${t} x`);
    parts.push(...res.rows.map((r) => r.j));
  }
  return parts.join('\n');
}
