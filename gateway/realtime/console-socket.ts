import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server, type Socket } from 'socket.io';
import type { AppApi } from '../api/app-api';
import type { Principal } from '../auth/accounts';
import { cookieFrom, sameOrigin, SESSION_CHECK_MS, SESSION_COOKIE, type Sessions } from '../auth/sessions';
import { systemClock, type Clock, type Timer } from '../clock';
import { actingRole, can, rolesWith, seesLive, SOCKET_STREAMS, socketCommandPermission, PERMISSIONS } from '../contract/policy';
import type { ConsoleRole } from '../contract/roles';
import {
  toConsoleEvent,
  type Ack,
  type ClientToServerEvents,
  type ConsoleEvent,
  type EmergencyNotice,
  type PositionUpdate,
  type ServerToClientEvents,
  type SocketAuth,
} from '../contract/socket';
import type { Journal } from '../journal/journal';
import type { JournalEvent } from '../journal/types';
import type { Metrics } from '../metrics';
import { redactGallery, snapshotFor, type Projections } from '../projections';
import { withoutCaller } from '../contract/tracking-views';
import { registerTrackingCommands } from './tracking-commands';
import { broadcastBulletins, broadcastOwnIncidents, joinBulletinRooms } from './members-stream';

interface SocketData {
  principal: Principal;
  /** The login session the handshake came with: the socket lives no longer than it. */
  sessionId: string;
}

type ConsoleClient = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** A console further behind than this gets a fresh snapshot instead of a replay. */
const MAX_RESUME_EVENTS = 5000;
/**
 * Live rooms, one per console role with the live picture: each role gets the events the access
 * policy lets it see (LIVE_EVENT_PERMISSIONS), so the filter runs once per role, not per console.
 */
const LIVE_ROLES: readonly ConsoleRole[] = rolesWith('live.view');
const roomOf = (role: ConsoleRole): string => `live:${role}`;
const LIVE_ROOMS = LIVE_ROLES.map(roomOf);
/** The live rooms of the roles holding a stream's permission, per stream (the policy does not change while running). */
const STREAM_ROOMS = Object.fromEntries(
  (Object.keys(SOCKET_STREAMS) as Array<keyof typeof SOCKET_STREAMS>).map((stream) => [
    stream,
    LIVE_ROLES.filter((r) => can(r, SOCKET_STREAMS[stream])).map(roomOf),
  ]),
) as Readonly<Record<keyof typeof SOCKET_STREAMS, string[]>>;
/** How often coalesced positions go out: smooth enough for a map, cheap at fleet load. */
const POSITION_FLUSH_MS = 250;
/** Packets queued for a console before it is considered slow and skips position rounds. */
const SLOW_CONSOLE_BUFFER = 64;
/**
 * Packets queued for a console that has stopped reading before it is cut off. The reliable
 * stream cannot skip events, so the gateway would otherwise buffer for it without bound; cut
 * off, the console reconnects and resumes from its last event (or gets a fresh snapshot).
 */
const MAX_CONSOLE_BACKLOG = 1000;
/** Event types the console never needs: raw bytes and device sessions. */
export const HIDDEN = new Set(['quarantine.message', 'mqtt.connected', 'mqtt.disconnected', 'dock.progress']);

/** engine.io's outgoing queue for one console (typed private, but the public way to see backpressure). */
function queued(socket: ConsoleClient): number {
  return (socket.conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length;
}

export interface ConsoleSocketDeps {
  api: AppApi;
  sessions: Sessions;
  journal: Journal;
  projections: Projections;
  metrics: Metrics;
  log: Logger;
  /** How often open sockets re-check their session (default 15 s; tests shorten it). */
  sessionCheckMs?: number;
  /** What the session re-check is scheduled on (the sessions' own clock). */
  clock?: Clock;
}

/**
 * The console's live channel. Sessions are checked on the handshake (the same cookie as the
 * REST API); the web UI mirrors the journal: state first, then each committed batch.
 */
export class ConsoleSocket {
  private io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData> | null = null;
  private readonly positions = new Map<number, PositionUpdate>();
  private positionTimer: NodeJS.Timeout | null = null;
  private sessionTimer: Timer | null = null;
  private unsubscribe: (() => void) | null = null;
  /** The last committed seq broadcast, and the last head each room was sent. */
  private head = 0;
  private readonly roomHead = new Map<string, number>();

  constructor(private readonly deps: ConsoleSocketDeps) {}

  attach(server: HttpServer): void {
    const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(server, {
      path: '/socket.io',
      serveClient: false,
      // Other WebSocket paths (/mqtt, /video) share this HTTP server: leave their upgrades alone.
      destroyUpgrade: false,
    });
    io.use((socket, next) => {
      if (!sameOrigin(socket.handshake.headers.origin, socket.handshake.headers.host)) return next(new Error('cross-origin'));
      const session = this.deps.sessions.touch(cookieFrom(socket.handshake.headers.cookie, SESSION_COOKIE));
      if (!session) return next(new Error('unauthenticated'));
      socket.data.principal = session.principal;
      socket.data.sessionId = session.id;
      next();
    });
    // A socket carries its person's authority only while their session lives: a logout or idle
    // expiry disconnects it at once, and the periodic re-check bounds it should one be missed.
    // The console then reconnects, is refused, and shows the login.
    this.unsubscribe = this.deps.sessions.onEnd((id, reason) => this.endSession(io, id, reason));
    this.sessionTimer = (this.deps.clock ?? systemClock).setInterval(() => this.checkSessions(io), this.deps.sessionCheckMs ?? SESSION_CHECK_MS);
    io.on('connection', (socket: ConsoleClient) => this.onConnection(socket));
    this.io = io;
    this.positionTimer = setInterval(() => this.flushPositions(), POSITION_FLUSH_MS);
  }

  private onConnection(socket: ConsoleClient): void {
    const { metrics } = this.deps;
    metrics.sockets.inc();
    socket.on('disconnect', () => metrics.sockets.dec());
    this.requireSession(socket);
    this.commands(socket);
    joinBulletinRooms(socket);
    const role = socket.data.principal.consoleRole;
    // The live picture per the access policy: members get none (only what is shared with them, on request).
    if (!role || !can(role, SOCKET_STREAMS['state:snapshot'])) return;
    const { lastSeq } = (socket.handshake.auth ?? {}) as SocketAuth;
    const head = this.deps.projections.seq;
    if (typeof lastSeq === 'number' && lastSeq >= 0 && head - lastSeq <= MAX_RESUME_EVENTS) {
      const missed = this.deps.journal.read(lastSeq, head - lastSeq).filter((e) => e.seq <= head);
      socket.emit('journal:events', { events: this.visible(missed, role), head });
      socket.emit('units:state', this.deps.projections.units.snapshot());
      if (can(role, SOCKET_STREAMS['incidents:state'])) socket.emit('incidents:state', this.deps.projections.incidents.snapshot().map(withoutCaller));
    } else {
      socket.emit('state:snapshot', snapshotFor(this.deps.projections.snapshot(), role));
    }
    // Joined after the catch-up in the same tick, so no committed batch falls in between.
    void socket.join(roomOf(role));
  }

  /**
   * Every command re-checks the session first (and, being a person's action, refreshes it as a
   * request does): a command after a logout or idle expiry is refused and the socket closed.
   */
  private requireSession(socket: ConsoleClient): void {
    socket.use((packet, next) => {
      if (this.deps.sessions.touch(socket.data.sessionId)) return next();
      const ack: unknown = packet[packet.length - 1];
      this.deps.metrics.securityEvents.inc({ kind: 'console-refused' });
      if (typeof ack === 'function') (ack as Ack<never>)({ error: { code: 'TW_UNAUTHENTICATED', message: 'the session has ended: log in again' } });
      this.deps.log.info({ user: socket.data.principal.username, event: packet[0] }, 'console command after its session ended: refused, disconnected');
      socket.disconnect(true);
    });
  }

  /** Not `touch`: an open console is not activity, so it must not keep its session from idling out. */
  private checkSessions(io: NonNullable<typeof this.io>): void {
    for (const s of io.sockets.sockets.values()) {
      if (!this.deps.sessions.peek(s.data.sessionId)) s.disconnect(true);
    }
  }

  private endSession(io: NonNullable<typeof this.io>, sessionId: string, reason: string): void {
    for (const s of io.sockets.sockets.values()) {
      if (s.data.sessionId !== sessionId) continue;
      this.deps.log.info({ user: s.data.principal.username, reason }, 'session ended: console disconnected');
      s.disconnect(true);
    }
  }

  /** Commands: validate → persist → ack, all inside the application API; broadcast follows the commit. */
  private commands(socket: ConsoleClient): void {
    const { api } = this.deps;
    const actor = () => socket.data.principal;
    const answer = <T>(ack: Ack<T> | undefined, work: () => T | Promise<T>) => {
      if (typeof ack !== 'function') return;
      Promise.resolve()
        .then(work)
        .then(
          (data) => ack({ data }),
          (err: Error & { code?: string }) => ack({ error: { code: err.code ?? 'TW_INTERNAL', message: err.message } }),
        );
    };
    // Every command needs its permission in the access policy; one the policy does not name is
    // refused like a forbidden one (fail closed), before any handler sees it.
    socket.use(([event, ...args], next) => {
      const permission = socketCommandPermission(event);
      if (permission && can(actingRole(actor()), permission)) return next();
      const ack = args[args.length - 1] as unknown;
      if (typeof ack === 'function') {
        (ack as Ack<never>)({
          error: { code: 'TW_FORBIDDEN', message: `your role may not ${permission ? PERMISSIONS[permission].what : `use ${event.slice(0, 64)}`}` },
        });
      }
    });
    socket.on('emergency:acknowledge', (input, ack) => answer(ack, () => api.acknowledgeEmergency(actor(), String(input?.id))));
    socket.on('emergency:resolve', (input, ack) =>
      answer(ack, () => api.resolveEmergency(actor(), String(input?.id), { outcome: input?.outcome, note: input?.note })),
    );
    socket.on('alert:send', (input, ack) => answer(ack, () => api.sendAlert(actor(), input)));
    registerTrackingCommands(socket, api.tracking, answer);
  }

  /** The events of a batch a role sees live (the access policy's LIVE_EVENT_PERMISSIONS), as the console gets them. */
  private visible(events: JournalEvent[], role: ConsoleRole): ConsoleEvent[] {
    const out: ConsoleEvent[] = [];
    for (const e of events) {
      if (HIDDEN.has(e.type) || !seesLive(role, e.type)) continue;
      out.push(redactGallery(toConsoleEvent(e)));
    }
    return out;
  }

  /** Called with each committed batch, after the projections have applied it. */
  broadcast(batch: JournalEvent[]): void {
    const io = this.io;
    if (!io || batch.length === 0) return;
    const reliable: JournalEvent[] = [];
    for (const e of batch) {
      if (e.type === 'radio.position') {
        const p = e.payload;
        if (!p) continue; // erased: nothing to show
        this.positions.set(p.issi, { issi: p.issi, lat: p.lat, lon: p.lon, accuracyM: p.accuracyM ?? null, fixTime: p.fixTime, seq: e.seq });
      } else {
        reliable.push(e);
      }
    }
    this.head = batch[batch.length - 1]!.seq;
    this.cutOffStalled(io);
    if (reliable.length > 0) {
      for (const role of LIVE_ROLES) if (io.sockets.adapter.rooms.has(roomOf(role))) this.sendEvents(io, roomOf(role), this.visible(reliable, role));
    }
    // The units as the projection now has them: the console shows the gateway's state, not its own guess.
    const units = this.deps.projections.units.takeChanged();
    if (units.length) io.to(STREAM_ROOMS['units:state']).emit('units:state', units);
    const incidents = this.deps.projections.incidents.takeChanged().map(withoutCaller);
    if (incidents.length) io.to(STREAM_ROOMS['incidents:state']).emit('incidents:state', incidents);
    broadcastOwnIncidents(io, incidents);
    broadcastBulletins(io, this.deps.projections.bulletins);
  }

  /**
   * An emergency being raised, at once, to the live rooms of the roles the policy gives
   * `emergency:raising`: the alarm sounds while the press is still being committed. Its journal
   * event follows in `broadcast`.
   */
  emergencyRaising(notice: EmergencyNotice): void {
    this.io?.to(STREAM_ROOMS['emergency:raising']).emit('emergency:raising', notice);
  }

  /**
   * A batch with something the room may see goes at once. One with nothing (position fixes only,
   * most batches under load) is not sent: the room's head catches up with the next positions
   * round, so a busy fleet costs each console a few messages a second, not one per commit.
   */
  private sendEvents(io: NonNullable<typeof this.io>, room: string, events: ConsoleEvent[]): void {
    if (events.length === 0) return;
    io.to(room).emit('journal:events', { events, head: this.head });
    this.roomHead.set(room, this.head);
  }

  private sendHeads(io: NonNullable<typeof this.io>): void {
    for (const room of LIVE_ROOMS) {
      if (!io.sockets.adapter.rooms.has(room)) continue;
      if ((this.roomHead.get(room) ?? 0) >= this.head) continue;
      io.to(room).emit('journal:events', { events: [], head: this.head });
      this.roomHead.set(room, this.head);
    }
  }

  private cutOffStalled(io: NonNullable<typeof this.io>): void {
    for (const s of io.sockets.sockets.values()) {
      const backlog = queued(s);
      if (backlog <= MAX_CONSOLE_BACKLOG) continue;
      this.deps.log.warn({ user: s.data.principal.username, backlog }, 'console not reading: disconnected, it will resume from its last event');
      s.disconnect(true);
    }
  }

  /**
   * Positions are coalesced (latest per radio) and sent a few times a second. A console whose
   * connection is still busy with earlier data skips a round: positions are droppable, and
   * a slow console must not make the gateway buffer without bound.
   */
  private flushPositions(): void {
    const io = this.io;
    if (!io) return;
    this.sendHeads(io);
    if (this.positions.size === 0) return;
    const update = [...this.positions.values()];
    this.positions.clear();
    const live = LIVE_ROOMS.flatMap((room) => [...(io.sockets.adapter.rooms.get(room) ?? [])]);
    for (const socket of live) {
      const s = io.sockets.sockets.get(socket);
      if (s && queued(s) < SLOW_CONSOLE_BUFFER) s.emit('units:positions', update);
    }
  }

  close(): void {
    if (this.positionTimer) clearInterval(this.positionTimer);
    this.positionTimer = null;
    this.sessionTimer?.clear();
    this.sessionTimer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    const io = this.io;
    this.io = null;
    if (io) {
      io.disconnectSockets(true);
      // io.close() would also close the shared HTTP server, which fastify owns.
      io.engine.close();
    }
  }
}
