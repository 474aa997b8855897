import { createHash } from 'node:crypto';
import { verifyPassword } from '../auth/password';
import type { RegionConfig } from './config';

/** Verified tokens are remembered briefly: scrypt is deliberately slow, and analysts page through results. */
const CACHE_MS = 60_000;
const CACHE_MAX = 1000;

/**
 * API tokens for the regional REST API: `Authorization: Bearer <name>:<token>`, checked
 * against the scrypt hash configured for that name (gateway/auth/password.ts), in constant
 * time. The cache keys on a digest of the header, never the token itself.
 */
export class TokenAuth {
  private readonly cache = new Map<string, { name: string; until: number }>();

  constructor(private readonly tokens: RegionConfig['tokens']) {}

  async authenticate(header: string | undefined): Promise<string | null> {
    const m = header?.match(/^Bearer ([^:\s]+):(\S+)$/);
    if (!m) return null;
    const key = createHash('sha256').update(header!).digest('hex');
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) return hit.name;
    const entry = this.tokens.find((t) => t.name === m[1]);
    if (!entry || !(await verifyPassword(m[2]!, entry.hash))) return null;
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(key, { name: entry.name, until: Date.now() + CACHE_MS });
    return entry.name;
  }
}
