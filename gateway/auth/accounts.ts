import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../config/schema';
import type { AccountRole, ConsoleRole } from '../contract/roles';
import { verifyPassword } from './password';

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

/**
 * The configured accounts. scrypt is slow on purpose (~50 ms); a fleet of handsets
 * reconnecting after a network blip must not cost minutes of CPU, so a successful check is
 * remembered as a SHA-256 of the password, in memory only, for this process.
 */
export class Accounts {
  private readonly byName = new Map<string, Account>();
  private readonly verified = new Map<string, Buffer>();
  private readonly principals = new Map<string, Principal>();

  constructor(config: Config) {
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
    if (!(await verifyPassword(password, account.passwordHash))) return null;
    this.verified.set(username, digest);
    return this.principals.get(username)!;
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
