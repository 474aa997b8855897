import { randomBytes } from 'node:crypto';
import type { Principal } from './accounts';

export interface Session {
  id: string;
  principal: Principal;
  createdAt: number;
  lastSeen: number;
}

/**
 * Console login sessions, in memory: a gateway restart logs everyone out, which is the safe
 * failure. A session ends after `idleMs` without a request.
 */
export class Sessions {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly idleMs: number) {}

  create(principal: Principal): Session {
    const now = Date.now();
    const session = { id: randomBytes(32).toString('base64url'), principal, createdAt: now, lastSeen: now };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session for an id, refreshed; null if unknown or idle too long. */
  touch(id: string | undefined): Session | null {
    if (!id) return null;
    const s = this.sessions.get(id);
    if (!s) return null;
    const now = Date.now();
    if (now - s.lastSeen > this.idleMs) {
      this.sessions.delete(id);
      return null;
    }
    s.lastSeen = now;
    return s;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
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
