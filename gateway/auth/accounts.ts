import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../config/schema';
import { systemClock, type Clock } from '../clock';
import { CONSOLE_ROLES, type AccountRole, type ConsoleRole } from '../contract/roles';
import { LoginThrottle, type Lockout } from './login-throttle';
import { dummyHashLike, verifyPassword } from './password';
import type { RateLimit } from './token-bucket';
import type { StoredUser } from './user-store';

/** An authenticated account and everything its permissions depend on. */
export interface Principal {
  username: string;
  /** The name people read, for a person the people database holds; others go by their username. */
  displayName?: string;
  role: AccountRole;
  consoleRole: ConsoleRole | null;
  issi: number | null;
  issiRanges: ReadonlyArray<readonly [number, number]>;
  premisesId: string | null;
  dockId: string | null;
  /** GSSIs of the talkgroups of the handset's unit. */
  talkgroups: readonly number[];
}

type Account = Config['accounts'][number];

/**
 * What a login attempt came to. A locked-out attempt never reached the password check.
 * `password-change`: the password was right but is a temporary one (people administration): no
 * login, MQTT or console, until it is replaced (`POST /api/login/password`). No failure counted.
 */
export type LoginOutcome =
  | { ok: true; principal: Principal }
  | { ok: false; reason: 'locked'; lockout: Lockout }
  | { ok: false; reason: 'bad-credentials'; lockouts: Lockout[] }
  | { ok: false; reason: 'password-change'; lockouts: [] };

/** Roles that speak for many devices over one connection (a radio IP gateway, a service). */
const GATEWAY_ROLES: ReadonlySet<AccountRole> = new Set(['control-station', 'service']);

export interface AccountsOptions {
  config: Config;
  /** What login lockouts are timed by. */
  clock?: Clock;
}

/** Verified API tokens remembered at once; beyond it the oldest are forgotten. */
const MAX_VERIFIED_TOKENS = 1000;

/**
 * The configured accounts. scrypt is slow on purpose (~50 ms); a fleet of handsets
 * reconnecting after a network blip must not cost minutes of CPU, so a successful check is
 * remembered as a SHA-256 of the password, in memory only, for this process. API tokens are
 * remembered the same way (a SHA-256 of user and token), so a polling client costs one scrypt.
 *
 * Every check costs one scrypt whether or not the username exists: an unknown username (or an
 * account without an API token) is checked against a made-up hash with the same parameters, so
 * the time a refusal takes does not tell a guesser which usernames are real.
 */
export class Accounts {
  private readonly byName = new Map<string, Account>();
  private readonly verified = new Map<string, Buffer>();
  private readonly principals = new Map<string, Principal>();
  /** scrypt checks under way, by username and password digest. */
  private readonly checking = new Map<string, Promise<boolean>>();
  private readonly throttle: LoginThrottle;
  private readonly limits: Config['gateway']['limits'];
  /** SHA-256(username, token) of tokens that verified, with the principal they stand for. */
  private readonly verifiedTokens = new Map<string, Principal>();
  /** What an unknown username's password is checked against: no password matches it. */
  private readonly dummyHash: string;
  /** scrypt verifications run so far (cache misses): a lockout must not add to it. */
  passwordChecks = 0;
  /** The accounts as the config has them, before people administration changed any. */
  private readonly configured = new Map<string, Account>();
  private readonly unitByIssi: Map<number, Config['units'][number]>;
  private readonly gssiOf: Map<string, number>;
  /** Accounts whose password is a temporary one, to be replaced at the next login. */
  private readonly mustChange = new Set<string>();

  constructor(opts: AccountsOptions) {
    const { config } = opts;
    const clock = opts.clock ?? systemClock;
    this.limits = config.gateway.limits;
    this.throttle = new LoginThrottle(config.gateway.limits.login, () => clock.now());
    this.dummyHash = dummyHashLike(config.accounts[0]?.passwordHash);
    this.unitByIssi = new Map(config.units.map((u) => [u.issi, u]));
    this.gssiOf = new Map(config.talkgroups.map((t) => [t.id, t.gssi]));
    for (const account of config.accounts) {
      this.configured.set(account.username, account);
      this.install(account);
    }
  }

  private install(account: Account, displayName?: string): void {
    this.byName.set(account.username, account);
    const unit = account.issi !== undefined ? this.unitByIssi.get(account.issi) : undefined;
    this.principals.set(account.username, {
      username: account.username,
      ...(displayName !== undefined ? { displayName } : {}),
      role: account.role,
      consoleRole: account.consoleRole ?? null,
      issi: account.issi ?? null,
      issiRanges: account.issiRanges ?? [],
      premisesId: account.premisesId ?? null,
      dockId: account.dockId ?? null,
      talkgroups: (unit?.talkgroups ?? []).map((id) => this.gssiOf.get(id)).filter((g): g is number => g !== undefined),
    });
  }

  /**
   * A person as the people database holds them, in place of the configured account of that
   * username (the database wins; see gateway/auth/people.ts). What was remembered of the old
   * account (verified passwords, tokens) is forgotten. A disabled person, or a row naming a role
   * this gateway does not know, cannot log in at all: the username is then as unknown as one
   * never configured (same scrypt, same refusal). A row for a device account is ignored: people
   * administration never writes one.
   */
  applyStored(u: StoredUser): void {
    const base = this.configured.get(u.username);
    if (base && base.role !== 'console') return;
    this.forget(u.username);
    this.byName.delete(u.username);
    this.principals.delete(u.username);
    if (u.disabled || !(CONSOLE_ROLES as readonly string[]).includes(u.consoleRole)) return;
    this.install(
      {
        username: u.username,
        role: 'console',
        consoleRole: u.consoleRole,
        passwordHash: u.passwordHash,
        ...(u.premisesId !== null ? { premisesId: u.premisesId } : {}),
        // A configured person's API token stays theirs while the account is enabled.
        ...(base?.apiTokenHash !== undefined ? { apiTokenHash: base.apiTokenHash } : {}),
      },
      u.displayName,
    );
    if (u.mustChangePassword) this.mustChange.add(u.username);
  }

  /** Whether this username's password must be replaced before it logs in. */
  mustChangePassword(username: string): boolean {
    return this.mustChange.has(username);
  }

  private forget(username: string): void {
    this.verified.delete(username);
    this.mustChange.delete(username);
    for (const [key, p] of this.verifiedTokens) if (p.username === username) this.verifiedTokens.delete(key);
  }

  /** The principal if the password is right; null for an unknown user or a wrong password. */
  async authenticate(username: string, password: string): Promise<Principal | null> {
    const account = this.byName.get(username);
    const digest = createHash('sha256').update(password).digest();
    const known = account ? this.verified.get(username) : undefined;
    if (known && timingSafeEqual(known, digest)) return this.principals.get(username)!;
    // A fleet reconnecting through one gateway account sends the same credentials hundreds of
    // times at once, before the first check has finished: they share that one scrypt.
    // The hash is part of the key: a check begun before a password reset is not the new account's answer.
    const key = `${account ? account.passwordHash : 'unknown'}\0${username}\0${digest.toString('base64')}`;
    let check = this.checking.get(key);
    if (!check) {
      this.passwordChecks++;
      // Unknown: the same scrypt against a hash nothing matches, so both refusals take as long.
      check = verifyPassword(password, account?.passwordHash ?? this.dummyHash).finally(() => this.checking.delete(key));
      this.checking.set(key, check);
    }
    if (!(await check) || !account) return null;
    // Reset or disabled while its password was being checked: the answer was for the old account.
    if (this.byName.get(username) !== account) return null;
    this.verified.set(username, digest);
    return this.principals.get(username)!;
  }

  /**
   * A login from `address` (MQTT CONNECT or console): refused outright while the username or
   * the address is locked out, otherwise checked, with the failure counted towards a lockout.
   */
  async login(username: string, password: string, address: string): Promise<LoginOutcome> {
    const lockout = this.throttle.locked(username, address);
    if (lockout) return { ok: false, reason: 'locked', lockout };
    const principal = await this.authenticate(username, password);
    if (!principal) return { ok: false, reason: 'bad-credentials', lockouts: this.throttle.failed(username, address) };
    this.throttle.succeeded(username, address);
    if (this.mustChange.has(username)) return { ok: false, reason: 'password-change', lockouts: [] };
    return { ok: true, principal };
  }

  /** The publish rate an MQTT client of this account may sustain. */
  publishLimitFor(p: Principal): RateLimit {
    const l = this.limits.publish;
    return GATEWAY_ROLES.has(p.role) ? { perSecond: l.gatewayPerSecond, burst: l.gatewayBurst } : { perSecond: l.perSecond, burst: l.burst };
  }

  /**
   * Machine access with a per-account API token (`Authorization: Bearer user:token`) from
   * `address`. A token that verified once is remembered (by a SHA-256 of user and token, never
   * the token itself), so a client polling every second costs one scrypt, not one per request.
   * Failures count towards the same lockouts as passwords; while locked, nothing is checked.
   */
  async tokenLogin(username: string, token: string, address: string): Promise<LoginOutcome> {
    const cacheKey = createHash('sha256').update(username).update('\0').update(token).digest('base64');
    const cached = this.verifiedTokens.get(cacheKey);
    const lockout = this.throttle.locked(username, address);
    if (lockout) return { ok: false, reason: 'locked', lockout };
    if (cached) return { ok: true, principal: cached };
    const account = this.byName.get(username);
    this.passwordChecks++;
    const ok = await verifyPassword(token, account?.apiTokenHash ?? this.dummyHash);
    // An account disabled while its token was checked counts as refused.
    if (!ok || !account || this.byName.get(username) !== account)
      return { ok: false, reason: 'bad-credentials', lockouts: this.throttle.failed(username, address) };
    const principal = this.principals.get(username)!;
    this.verifiedTokens.set(cacheKey, principal);
    while (this.verifiedTokens.size > MAX_VERIFIED_TOKENS) this.verifiedTokens.delete(this.verifiedTokens.keys().next().value!);
    this.throttle.succeeded(username, address);
    return { ok: true, principal };
  }

  /** As tokenLogin, for callers that only need the principal (null when refused or locked). */
  async authenticateToken(username: string, token: string, address: string): Promise<Principal | null> {
    const outcome = await this.tokenLogin(username, token, address);
    return outcome.ok ? outcome.principal : null;
  }

  principal(username: string): Principal | null {
    return this.principals.get(username) ?? null;
  }
}
