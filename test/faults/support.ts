/**
 * Shared by the fault tests: read a child gateway's journal file from the outside, rebuild
 * the state from it the way a fresh start would, watch a process's memory, and connect a
 * console the way the browser does.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { Config } from '../../config/schema';
import type { ClientToServerEvents, ConsoleEvent, ServerToClientEvents } from '../../gateway/contract/socket';
import { rowToEvent, type EventRow } from '../../gateway/journal/rows';
import type { JournalEvent } from '../../gateway/journal/types';
import { verifyJournal, type VerifyResult } from '../../gateway/journal/verify';
import { Projections, snapshotFor, type StateSnapshot } from '../../gateway/projections';
import { login } from '../helpers/gateway';

/** A read-only look at a journal another process is writing (WAL: we see what is committed). */
export class JournalFile {
  readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
  }

  events(uptoSeq = Number.MAX_SAFE_INTEGER): JournalEvent[] {
    return (this.db.prepare('SELECT * FROM events WHERE seq <= ? ORDER BY seq').all(uptoSeq) as EventRow[]).map(rowToEvent);
  }

  ofType(type: string): JournalEvent[] {
    return (this.db.prepare('SELECT * FROM events WHERE type = ? ORDER BY seq').all(type) as EventRow[]).map(rowToEvent);
  }

  /** How many events carry each of these dedupe keys (the broker's key of an MQTT QoS 1 message). */
  dedupeCounts(keys: Iterable<string>): Map<string, number> {
    const stmt = this.db.prepare('SELECT count(*) AS n FROM events WHERE dedupe = ?');
    const out = new Map<string, number>();
    for (const k of keys) out.set(k, (stmt.get(k) as { n: number }).n);
    return out;
  }

  verify(): VerifyResult {
    return verifyJournal(this.db);
  }

  close(): void {
    this.db.close();
  }
}

/** The state a fresh gateway would rebuild from the journal up to `seq`, as `role` sees it. */
export function replayedState(config: Config, journal: JournalFile, seq: number, role: string): StateSnapshot {
  return snapshotFor(new Projections(config).replay(journal.events(seq)).snapshot(), role);
}

/** JSON round trip: what went over HTTP and what was built here compare on equal terms. */
export const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * The broker's dedupe key of a QoS 1 publish (gateway/ingest.ts dedupeKey): written out here
 * rather than imported, so a change there shows up as a failing test.
 */
export function mqttDedupeKey(clientId: string, messageId: number, payload: string | Buffer): string {
  return `${clientId}/${messageId}/${createHash('sha256').update(payload).digest('base64url').slice(0, 22)}`;
}

/** Resident memory of a process, from /proc (Linux), in MB. */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export type ConsoleSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A logged-in console on the Socket.IO channel; collects every reliable event it is sent. */
export async function openConsole(httpPort: number, username = 'controller'): Promise<{ socket: ConsoleSocket; events: ConsoleEvent[]; cookie: string }> {
  const cookie = await login(httpPort, username);
  const socket: ConsoleSocket = ioClient(`http://127.0.0.1:${httpPort}`, {
    transports: ['websocket'],
    extraHeaders: { cookie },
    reconnection: false,
  });
  const events: ConsoleEvent[] = [];
  socket.on('journal:events', (batch) => events.push(...batch.events));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, events, cookie };
}

/** A Socket.IO command with its ack, as a promise: `{ data }` resolves, `{ error }` rejects. */
export function command<T>(socket: ConsoleSocket, event: keyof ClientToServerEvents, input: unknown, timeoutMs = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    (
      socket.timeout(timeoutMs).emit as (
        ev: string,
        input: unknown,
        ack: (err: Error | null, reply: { data?: T; error?: { code: string; message: string } }) => void,
      ) => void
    )(event, input, (err, reply) => {
      if (err) reject(err);
      else if (reply.error) reject(new Error(`${reply.error.code}: ${reply.error.message}`));
      else resolve(reply.data as T);
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
