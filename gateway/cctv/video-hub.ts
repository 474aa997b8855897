import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Segment } from '../../devices/cctv/mpegts';
import type { CameraStream } from '../../devices/cctv/stream';
import type { CctvApi, ViewTicket } from '../api/cctv-api';
import { cookieFrom, sameOrigin, SESSION_CHECK_MS, SESSION_COOKIE, type Sessions } from '../auth/sessions';
import { systemClock, type Clock, type Timer } from '../clock';
import { VIDEO_PATH_PREFIX } from '../contract/cctv';
import { ApiError } from '../http/errors';
import type { Metrics } from '../metrics';
import { Viewer, type ViewerLimits } from './viewer';

export interface VideoHubDeps {
  streams: ReadonlyMap<string, CameraStream>;
  api: CctvApi;
  sessions: Sessions;
  metrics: Metrics;
  log: Logger;
  limits: ViewerLimits;
  /** How often open views re-check their session (default 15 s). */
  sessionCheckMs?: number;
  /** What the session re-check is scheduled on (the sessions' own clock). */
  clock?: Clock;
}

interface Connection {
  viewer: Viewer;
  ticket: ViewTicket;
  stream: CameraStream;
  sessionId: string;
  ended: boolean;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Answers an upgrade request with a plain HTTP error and closes the connection. */
function refuse(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({
    error: { code: status === 401 ? 'TW_UNAUTHENTICATED' : status === 403 ? 'TW_FORBIDDEN' : status === 404 ? 'TW_NOT_FOUND' : 'TW_VIDEO', message },
  });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * Live video on the gateway's own HTTP server (no port of its own, so nothing unauthenticated
 * listens): `/video/<cameraId>` upgrades to a WebSocket for a logged-in person whose role may
 * watch, after the application API has journaled the view. All viewers of a camera share its
 * one stream; each gets whole segments, and a slow one skips rather than queues without bound.
 */
export class VideoHub {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 4096 });
  private readonly byCamera = new Map<string, Set<Connection>>();
  private readonly listeners: Array<[CameraStream, (seg: Segment) => void]> = [];
  private readonly pending = new Set<Promise<void>>();
  private timer: Timer | null = null;
  private unsubscribe: (() => void) | null = null;
  private stopping = false;

  constructor(private readonly deps: VideoHubDeps) {}

  start(): void {
    this.stopping = false;
    for (const [id, stream] of this.deps.streams) {
      const fn = (seg: Segment) => this.fanOut(id, seg);
      stream.on('segment', fn);
      this.listeners.push([stream, fn]);
    }
    // A view outlives no session: a logout or idle expiry ends it at once (announced by
    // Sessions), and the periodic re-check bounds it even if an announcement were missed.
    this.unsubscribe = this.deps.sessions.onEnd((id) => this.endSession(id));
    this.timer?.clear();
    this.timer = (this.deps.clock ?? systemClock).setInterval(() => this.checkSessions(), this.deps.sessionCheckMs ?? SESSION_CHECK_MS);
  }

  viewers(cameraId: string): number {
    return this.byCamera.get(cameraId)?.size ?? 0;
  }

  /** Takes `/video/…` upgrades (returns true, whatever the outcome); leaves others alone. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (!path.startsWith(VIDEO_PATH_PREFIX)) return false;
    // The HTTP server has let go of the socket: until ws takes it, its errors are ours.
    const onError = () => socket.destroy();
    socket.on('error', onError);
    this.accept(req, socket, head, path.slice(VIDEO_PATH_PREFIX.length), onError).catch((err: unknown) => {
      this.deps.log.error({ err }, 'video upgrade failed');
      refuse(socket, 500, 'internal error');
    });
    return true;
  }

  private async accept(req: IncomingMessage, socket: Duplex, head: Buffer, rawId: string, onError: () => void): Promise<void> {
    if (this.stopping) return refuse(socket, 503, 'gateway stopping');
    if (req.headers.upgrade?.toLowerCase() !== 'websocket' || !req.headers['sec-websocket-key']) return refuse(socket, 400, 'not a WebSocket upgrade');
    if (!sameOrigin(req.headers.origin, req.headers.host)) {
      this.deps.metrics.securityEvents.inc({ kind: 'video-refused' });
      return refuse(socket, 403, 'cross-origin');
    }
    const sessionId = cookieFrom(req.headers.cookie, SESSION_COOKIE);
    const session = this.deps.sessions.touch(sessionId);
    if (!session || !sessionId) {
      this.deps.metrics.securityEvents.inc({ kind: 'video-refused' });
      return refuse(socket, 401, 'log in first');
    }
    let ticket: ViewTicket;
    try {
      ticket = await this.deps.api.startView(session.principal, safeDecode(rawId), { ip: req.socket.remoteAddress ?? null });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.statusCode === 403) this.deps.metrics.securityEvents.inc({ kind: 'video-refused' });
      return refuse(socket, err.statusCode, err.message);
    }
    if (socket.destroyed || this.stopping) {
      this.track(this.deps.api.endView(ticket, { reason: socket.destroyed ? 'viewer left' : 'gateway stopping', bytes: 0 }));
      return refuse(socket, 503, 'gateway stopping');
    }
    let attached = false;
    socket.once('close', () => {
      if (!attached) this.track(this.deps.api.endView(ticket, { reason: 'handshake failed', bytes: 0 }));
    });
    socket.off('error', onError);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      attached = true;
      this.attach(ws, ticket, sessionId);
    });
  }

  private attach(ws: WebSocket, ticket: ViewTicket, sessionId: string): void {
    const stream = this.deps.streams.get(ticket.cameraId);
    if (!stream) {
      ws.close(1011, 'no stream');
      return;
    }
    const conn: Connection = { viewer: new Viewer(ws, this.deps.limits), ticket, stream, sessionId, ended: false };
    let set = this.byCamera.get(ticket.cameraId);
    if (!set) this.byCamera.set(ticket.cameraId, (set = new Set()));
    set.add(conn);
    this.deps.metrics.videoViewers.inc();
    ws.on('error', (err) => this.deps.log.debug({ err: err.message, camera: ticket.cameraId }, 'viewer socket error'));
    ws.on('close', () => this.end(conn, 'viewer left'));
    ws.on('message', () => undefined); // viewers have nothing to say
    this.deps.log.info({ camera: ticket.cameraId, user: ticket.user, viewers: set.size }, 'view started');
    stream.acquire();
    // The session may have ended while the view was being journaled: its announcement found no connection.
    if (!this.deps.sessions.peek(sessionId)) this.end(conn, 'session ended', 1008);
  }

  private fanOut(cameraId: string, seg: Segment): void {
    const set = this.byCamera.get(cameraId);
    if (!set) return;
    const now = Date.now();
    for (const conn of set) {
      const outcome = conn.viewer.deliver(seg, now);
      if (outcome === 'skipped') this.deps.metrics.videoSkipped.inc();
      else if (outcome === 'too-slow') this.end(conn, 'too slow', 1013);
    }
  }

  /** Not `touch`: watching is not a request, so an open view must not keep its session from idling out. */
  private checkSessions(): void {
    for (const set of this.byCamera.values()) {
      for (const conn of [...set]) if (!this.deps.sessions.peek(conn.sessionId)) this.end(conn, 'session ended', 1008);
    }
  }

  private endSession(sessionId: string): void {
    for (const set of this.byCamera.values()) {
      for (const conn of [...set]) if (conn.sessionId === sessionId) this.end(conn, 'session ended', 1008);
    }
  }

  /** Ends a view once: the stream loses a consumer and the end is journaled with what was sent. */
  private end(conn: Connection, reason: string, code?: number): void {
    if (conn.ended) return;
    conn.ended = true;
    this.byCamera.get(conn.ticket.cameraId)?.delete(conn);
    this.deps.metrics.videoViewers.dec();
    conn.stream.release();
    const ws = conn.viewer.ws;
    if (code === undefined) ws.terminate();
    else ws.close(code, reason);
    this.deps.log.info({ camera: conn.ticket.cameraId, user: conn.ticket.user, reason, bytes: conn.viewer.bytes, skipped: conn.viewer.skipped }, 'view ended');
    this.track(this.deps.api.endView(conn.ticket, { reason, bytes: conn.viewer.bytes }));
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch((err: unknown) => this.deps.log.error({ err }, 'could not journal the end of a view'));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  /** Ends every view (journaled) before the streams stop and the journal closes. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.timer?.clear();
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const [stream, fn] of this.listeners) stream.off('segment', fn);
    this.listeners.length = 0;
    // Terminated, not closed: a close handshake with a stuck viewer would hold the HTTP server's close.
    for (const set of this.byCamera.values()) for (const conn of [...set]) this.end(conn, 'gateway stopping');
    this.wss.close();
    await Promise.all([...this.pending]);
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
