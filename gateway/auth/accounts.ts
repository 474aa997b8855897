import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../config/schema';
import type { AccountRole, ConsoleRole } from '../contract/roles';
import { LoginThrottle, type Lockout } from './login-throttle';
import { verifyPassword } from './password';
import type { RateLimit } from './token-bucket';

/** An authenticated account and everything its permissions depend on. */
export interface Principal {
  username: string;
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

/** What a login attempt came to. A locked-out attempt never reached the password check. */
export type LoginOutcome =
  | { ok: true; principal: Principal }
  | { ok: false; reason: 'locked'; lockout: Lockout }
  | { ok: false; reason: 'bad-credentials'; lockouts: Lockout[] };

/** Roles that speak for many devices over one connection (a radio IP gateway, a service). */
const GATEWAY_ROLES: ReadonlySet<AccountRole> = new Set(['control-station', 'service']);

/**
 * The configured accounts. scrypt is slow on purpose (~50 ms); a fleet of handsets
 * reconnecting after a network blip must not cost minutes of CPU, so a successful check is
 * remembered as a SHA-256 of the password, in memory only, for this process.
 */
export class Accounts {
  private readonly byName = new Map<string, Account>();
  private readonly verified = new Map<string, Buffer>();
  private readonly principals = new Map<string, Principal>();
  /** scrypt checks under way, by username and password digest. */
  private readonly checking = new Map<string, Promise<boolean>>();
  private readonly throttle: LoginThrottle;
  private readonly limits: Config['gateway']['limits'];
  /** scrypt verifications run so far (cache misses): a lockout must not add to it. */
  passwordChecks = 0;

  constructor(config: Config) {
    this.limits = config.gateway.limits;
    this.throttle = new LoginThrottle(config.gateway.limits.login);
    const unitByIssi = new Map(config.units.map((u) => [u.issi, u]));
    const gssiOf = new Map(config.talkgroups.map((t) => [t.id, t.gssi]));
    for (const account of config.accounts) {
      this.byName.set(account.username, account);
      const unit = account.issi !== undefined ? unitByIssi.get(account.issi) : undefined;
      this.principals.set(account.username, {
        username: account.username,
        role: account.role,
        consoleRole: account.consoleRole ?? null,
        issi: account.issi ?? null,
        issiRanges: account.issiRanges ?? [],
        premisesId: account.premisesId ?? null,
        dockId: account.dockId ?? null,
        talkgroups: (unit?.talkgroups ?? []).map((id) => gssiOf.get(id)).filter((g): g is number => g !== undefined),
      });
    }
  }

  /** The principal if the password is right; null for an unknown user or a wrong password. */
  async authenticate(username: string, password: string): Promise<Principal | null> {
    const account = this.byName.get(username);
    if (!account) return null;
    const digest = createHash('sha256').update(password).digest();
    const known = this.verified.get(username);
    if (known && timingSafeEqual(known, digest)) return this.principals.get(username)!;
    // A fleet reconnecting through one gateway account sends the same credentials hundreds of
    // times at once, before the first check has finished: they share that one scrypt.
    const key = `${username}\0${digest.toString('base64')}`;
    let check = this.checking.get(key);
    if (!check) {
      this.passwordChecks++;
      check = verifyPassword(password, account.passwordHash).finally(() => this.checking.delete(key));
      this.checking.set(key, check);
    }
    if (!(await check)) return null;
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
    this.throttle.succeeded(username);
    return { ok: true, principal };
  }

  /** The publish rate an MQTT client of this account may sustain. */
  publishLimitFor(p: Principal): RateLimit {
    const l = this.limits.publish;
    return GATEWAY_ROLES.has(p.role) ? { perSecond: l.gatewayPerSecond, burst: l.gatewayBurst } : { perSecond: l.perSecond, burst: l.burst };
  }

  /** Machine access with a per-account API token (`Authorization: Bearer user:token`). */
  async authenticateToken(username: string, token: string): Promise<Principal | null> {
    const account = this.byName.get(username);
    if (!account?.apiTokenHash) return null;
    return (await verifyPassword(token, account.apiTokenHash)) ? this.principals.get(username)! : null;
  }

  principal(username: string): Principal | null {
    return this.principals.get(username) ?? null;
  }
}
