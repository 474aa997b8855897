/**
 * Backoff for failed logins, per (username, remote address) and per remote address. scrypt is
 * deliberately slow, so a guesser is also a CPU attack: while a key is locked out, attempts are
 * refused before the password is even looked at. Each failure past the free ones doubles the
 * lockout, up to a cap.
 *
 * A username is never locked out on its own: that would let anyone who knows a radio's or a
 * controller's username lock its owner out from everywhere, again and again, with five bad
 * guesses. A stranger's guesses lock that username out from the stranger's address only (and,
 * past `addressFailures`, the stranger's address altogether).
 * Success clears the (username, address) record only: an address keeps its count until it is
 * forgotten, so one valid account cannot be used to reset guessing at others from the same address.
 */
export interface LoginLimits {
  /** Failures allowed per username from one address before that pair is locked out. */
  userFailures: number;
  /** Failures allowed per remote address (any usernames) before it is locked out. */
  addressFailures: number;
  /** The first lockout; each further failure doubles it. */
  lockoutSeconds: number;
  maxLockoutSeconds: number;
}

export type LockScope = 'username' | 'address';

export interface Lockout {
  /** `username`: this username from this address; `address`: any username from this address. */
  scope: LockScope;
  /** `user:<username>` or `addr:<address>` (what is journaled). */
  key: string;
  /** The remote address the lockout holds for. */
  address: string;
  failures: number;
  /** How long from now the key stays locked. */
  ms: number;
}

interface Entry {
  failures: number;
  lastFailure: number;
  lockedUntil: number;
}

/** Enough keys for a busy site; beyond it the oldest are forgotten, so a flood of made-up names cannot grow memory. */
const MAX_KEYS = 10_000;

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly limits: LoginLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** The lockout in force for this username or address, if any (the longer one). */
  locked(username: string, address: string): Lockout | null {
    const t = this.now();
    let worst: Lockout | null = null;
    for (const [scope, key, entryKey] of this.keys(username, address)) {
      const e = this.entries.get(entryKey);
      if (e && e.lockedUntil > t && (!worst || e.lockedUntil - t > worst.ms)) worst = { scope, key, address, failures: e.failures, ms: e.lockedUntil - t };
    }
    return worst;
  }

  /** Records a failed check; returns the lockouts this failure started (to be journaled). */
  failed(username: string, address: string): Lockout[] {
    const t = this.now();
    const started: Lockout[] = [];
    for (const [scope, key, entryKey] of this.keys(username, address)) {
      const prev = this.entries.get(entryKey);
      // A record untouched for longer than the longest lockout is stale: start afresh.
      const fresh = !prev || t - prev.lastFailure > this.limits.maxLockoutSeconds * 1000;
      const e: Entry = fresh ? { failures: 0, lastFailure: t, lockedUntil: 0 } : prev;
      e.failures += 1;
      e.lastFailure = t;
      const free = scope === 'username' ? this.limits.userFailures : this.limits.addressFailures;
      if (e.failures >= free) {
        const ms = Math.min(this.limits.maxLockoutSeconds * 1000, this.limits.lockoutSeconds * 1000 * 2 ** (e.failures - free));
        e.lockedUntil = t + ms;
        started.push({ scope, key, address, failures: e.failures, ms });
      }
      this.entries.delete(entryKey); // re-inserted last: Map order is then oldest-touched first
      this.entries.set(entryKey, e);
    }
    while (this.entries.size > MAX_KEYS) this.entries.delete(this.entries.keys().next().value!);
    return started;
  }

  succeeded(username: string, address: string): void {
    this.entries.delete(pairKey(username, address));
  }

  get size(): number {
    return this.entries.size;
  }

  /** [scope, the key as reported, the key of the entry]. */
  private keys(username: string, address: string): Array<[LockScope, string, string]> {
    const addr = addrKey(address);
    return [
      ['username', userKey(username), pairKey(username, address)],
      ['address', addr, addr],
    ];
  }
}

const userKey = (username: string) => `user:${username.slice(0, 64)}`;
const addrKey = (address: string) => `addr:${address.slice(0, 64)}`;
// NUL cannot occur in an address, so no (username, address) pair can collide with another.
const pairKey = (username: string, address: string) => `${userKey(username)}\0${addrKey(address)}`;
