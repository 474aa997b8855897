import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { CSRF_HEADER } from '../contract/api';
import { ApiError } from './errors';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Per-session CSRF tokens. The cookie is SameSite=Strict already; the token is the second
 * lock, for browsers or proxies that do not honour that. The token is an HMAC of the session
 * id under a key that lives only in this process, so there is nothing extra to store and a
 * gateway restart (which ends every session anyway) changes every token. API-token requests
 * carry no ambient credential, so they need none.
 */
export class Csrf {
  private readonly key = randomBytes(32);

  tokenFor(sessionId: string): string {
    return createHmac('sha256', this.key).update(sessionId).digest('base64url');
  }

  /** Throws unless a state-changing request made with session `sessionId` carries its token. */
  verify(req: FastifyRequest, sessionId: string): void {
    if (!UNSAFE.has(req.method)) return;
    const sent = req.headers[CSRF_HEADER];
    const expected = Buffer.from(this.tokenFor(sessionId));
    const got = Buffer.from(typeof sent === 'string' ? sent : '');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      throw new ApiError('TW_CSRF', `missing or wrong ${CSRF_HEADER} header: send the token from /api/login or /api/me`, 403);
    }
  }
}
