import { randomBytes } from 'node:crypto';
import { systemClock, type Clock, type Timer } from '../clock';
import type { Principal } from './accounts';

export interface Session {
  id: string;
  principal: Principal;
  createdAt: number;
  lastSeen: number;
}

/**
 * Why a session ended: its person logged out, it went `idleMs` without a request, or the
 * security manager changed the account (disabled, new role or premises, password reset).
 */
export type SessionEnd = 'logout' | 'idle' | 'account-changed';
export type SessionEndListener = (id: string, reason: SessionEnd) => void;

/**
 * How often live connections (console socket, video) re-check their session, at most: a
 * connection outlives its session by no more than this even if a notification were missed.
 */
export const SESSION_CHECK_MS = 15_000;

export interface SessionsOptions {
  /** A session ends after this long without a request. */
  idleMs: number;
  /** How often idle sessions are swept (default `SESSION_CHECK_MS`). */
  checkMs?: number;
  clock?: Clock;
}

/**
 * Console login sessions, in memory: a gateway restart logs everyone out, which is the safe
 * failure. A session ends after `idleMs` without a request. Ends are announced (`onEnd`) so
 * long-lived connections opened under a session (Socket.IO, video) close at once instead of
 * carrying on with the authority of a person who has left.
 */
export class Sessions {
  private readonly sessions = new Map<string, Session>();
  private readonly listeners = new Set<SessionEndListener>();
  private timer: Timer | null = null;
  readonly idleMs: number;
  readonly checkMs: number;
  private readonly clock: Clock;

  constructor(opts: SessionsOptions) {
    this.idleMs = opts.idleMs;
    this.checkMs = opts.checkMs ?? SESSION_CHECK_MS;
    this.clock = opts.clock ?? systemClock;
  }

  create(principal: Principal): Session {
    const now = this.clock.now();
    const session = { id: randomBytes(32).toString('base64url'), principal, createdAt: now, lastSeen: now };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session for an id, refreshed (a request is activity); null if unknown or idle too long. */
  touch(id: string | undefined): Session | null {
    const s = this.peek(id);
    if (s) s.lastSeen = this.clock.now();
    return s;
  }

  /**
   * The live session for an id without refreshing it: for background checks of an open
   * connection, which are not activity (an open console must still idle out).
   */
  peek(id: string | undefined): Session | null {
    if (!id) return null;
    const s = this.sessions.get(id);
    if (!s) return null;
    if (this.clock.now() - s.lastSeen > this.idleMs) {
      this.end(id, 'idle');
      return null;
    }
    return s;
  }

  destroy(id: string): void {
    this.end(id, 'logout');
  }

  /**
   * Ends every session of one person (announced, so their console sockets and video close):
   * their account was disabled or changed, and a session carries the principal it began with.
   */
  endFor(username: string, reason: SessionEnd): number {
    const ids = [...this.sessions].filter(([, s]) => s.principal.username === username).map(([id]) => id);
    for (const id of ids) this.end(id, reason);
    return ids.length;
  }

  /** How many live sessions one person has. */
  countFor(username: string): number {
    return [...this.sessions.values()].filter((s) => s.principal.username === username).length;
  }

  /** Calls `fn` whenever a session ends; returns the unsubscribe. */
  onEnd(fn: SessionEndListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Ends every idle session now (each announced), rather than on its next use. */
  sweep(): void {
    for (const id of [...this.sessions.keys()]) this.peek(id);
  }

  /** Sweeps idle sessions every `checkMs`, so their connections close without waiting for a request. */
  start(): void {
    this.stop();
    this.timer = this.clock.setInterval(() => this.sweep(), this.checkMs);
  }

  stop(): void {
    this.timer?.clear();
    this.timer = null;
  }

  /**
   * Listeners hear of it after the current call: a caller that found the session gone (a socket
   * command) first answers its own request, then the listeners close the connections.
   */
  private end(id: string, reason: SessionEnd): void {
    if (!this.sessions.delete(id)) return;
    queueMicrotask(() => {
      for (const fn of this.listeners) fn(id, reason);
    });
  }
}

export const SESSION_COOKIE = 'tw_session';

/**
 * Whether a cookie-authenticated WebSocket handshake comes from the console's own page: no
 * Origin (not a browser), or one naming this host. Otherwise a page on another site could use
 * a logged-in person's cookie (cross-site WebSocket hijacking); SameSite is the first lock.
 */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** Reads one cookie from a raw Cookie header (Socket.IO and WebSocket upgrades have no parser). */
export function cookieFrom(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
