import type { Logger } from 'pino';
import type { Account, Config } from '../../config/schema';
import type { Accounts, Principal } from '../auth/accounts';
import { hashPassword } from '../auth/password';
import type { Sessions } from '../auth/sessions';
import type { StoredUser, UserStore } from '../auth/user-store';
import { systemClock, type Clock } from '../clock';
import type { NewUserInput, PasswordResetInput, PersonView, UserPatch } from '../contract/people';
import type { ConsoleRole } from '../contract/roles';
import type { EventPayload } from '../contract/events';
import type { Journal } from '../journal/journal';
import type { AppendInput } from '../journal/types';
import { ApiError, Errors } from '../http/errors';
import { requirePermission } from './guard';

export interface PeopleApiDeps {
  config: Config;
  store: UserStore;
  accounts: Accounts;
  sessions: Sessions;
  journal: Journal;
  log: Logger;
  /** Closes the account's MQTT connections (the broker's), as its console sessions end. */
  endMqtt?: (username: string) => void;
  clock?: Clock;
}

type UserEvent = 'user.created' | 'user.changed' | 'user.disabled' | 'user.enabled' | 'user.password-reset' | 'user.password-changed';

const refused = (message: string) => new ApiError('TW_CONFLICT', message, 409);

/** A person: a console account from the database, or from the config where the database has none. */
interface Person {
  username: string;
  displayName: string;
  consoleRole: ConsoleRole;
  premisesId: string | null;
  disabled: boolean;
  mustChangePassword: boolean;
  stored: StoredUser | null;
}

/**
 * People administration for the security manager: the console accounts, over the YAML ones.
 *
 * How the two combine: the YAML accounts are the bootstrap (a fresh site has its people there);
 * the people database (`<dataDir>/people.db`) holds everyone added on the screen and every
 * configured person the screen has changed. For a username the database holds, the database
 * wins: role, premises, password, disabled. So a configured person can be disabled or given a
 * new role from the screen like anyone else, which is what a security manager expects when
 * someone leaves: no engineer has to edit the config for it to take effect. Device and service
 * accounts (handsets, docks, terminals) are not people: the screen neither lists nor changes
 * them, and a new person cannot take one of their usernames.
 *
 * Rules: only console roles; a member names a premises of this site and nobody else has one;
 * nobody disables themselves; the last enabled security manager can be neither disabled nor
 * given another role. Each change is journaled with its actor before it is stored (never a
 * password or a hash), one change at a time. A change to role, premises, password or the
 * disabled flag ends the person's live sessions (their sockets and video close with them): a
 * session carries the role it began with.
 */
export class PeopleApi {
  private readonly clock: Clock;
  /** Changes run one after another: two managers at once must not both remove "the other" security manager. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: PeopleApiDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  /** Opens the database and puts its people in place of the configured accounts. */
  start(): void {
    this.deps.store.open();
    const stored = this.deps.store.all();
    for (const u of stored) this.deps.accounts.applyStored(u);
    this.deps.log.info({ people: stored.length }, 'people database loaded');
  }

  stop(): void {
    this.deps.store.close();
  }

  list(actor: Principal): PersonView[] {
    requirePermission(actor, 'people.manage');
    return this.people()
      .map(view)
      .sort((a, b) => a.displayName.localeCompare(b.displayName, 'en-GB') || a.username.localeCompare(b.username));
  }

  create(actor: Principal, input: NewUserInput): Promise<PersonView> {
    const by = requirePermission(actor, 'people.manage');
    return this.serially(async () => {
      if (this.configured(input.username) || this.deps.store.get(input.username)) throw refused(`the username ${input.username} is taken`);
      const premisesId = this.checkPremises(input.consoleRole, input.premisesId ?? null);
      const passwordHash = await hashPassword(input.temporaryPassword);
      const now = this.now();
      const user: StoredUser = {
        username: input.username,
        displayName: input.displayName,
        consoleRole: input.consoleRole,
        premisesId,
        passwordHash,
        mustChangePassword: true,
        disabled: false,
        createdAt: now,
        updatedAt: now,
        updatedBy: by,
      };
      await this.journal(by, 'user.created', user.username, {
        username: user.username,
        displayName: user.displayName,
        consoleRole: user.consoleRole,
        premisesId,
      });
      this.save(user);
      return view(this.person(user.username)!);
    });
  }

  update(actor: Principal, username: string, patch: UserPatch): Promise<PersonView> {
    const by = requirePermission(actor, 'people.manage');
    return this.serially(async () => {
      const p = this.person(username);
      if (!p) throw Errors.notFound(`person ${username}`);
      const consoleRole = patch.consoleRole ?? p.consoleRole;
      // Leaving the member role drops the premises; joining it needs one.
      const premisesId = this.checkPremises(consoleRole, patch.premisesId !== undefined ? patch.premisesId : consoleRole === 'member' ? p.premisesId : null);
      const displayName = patch.displayName ?? p.displayName;
      const disabled = patch.disabled ?? p.disabled;
      if (disabled && !p.disabled && username === actor.username) throw refused('you cannot disable your own account');
      const stillManager = consoleRole === 'security-manager' && !disabled;
      if (p.consoleRole === 'security-manager' && !p.disabled && !stillManager && this.otherManagers(username) === 0) {
        throw refused(`${p.displayName} is the last security manager: make someone else security manager first`);
      }
      const changed = (
        [
          ['displayName', displayName !== p.displayName],
          ['consoleRole', consoleRole !== p.consoleRole],
          ['premisesId', premisesId !== p.premisesId],
        ] as const
      )
        .filter(([, c]) => c)
        .map(([f]) => f);
      if (changed.length === 0 && disabled === p.disabled) return view(p);
      const user = this.row(p, by, { displayName, consoleRole, premisesId, disabled });
      // A session carries the role and premises it began with: those changes, or a disable, end it.
      const ends = disabled !== p.disabled || changed.some((f) => f !== 'displayName');
      if (changed.length > 0) await this.journal(by, 'user.changed', username, { username, changed: [...changed], displayName, consoleRole, premisesId });
      if (disabled && !p.disabled) await this.journal(by, 'user.disabled', username, { username, sessionsEnded: this.liveSessions(username) });
      if (!disabled && p.disabled) await this.journal(by, 'user.enabled', username, { username });
      this.save(user, ends);
      return view(this.person(username)!);
    });
  }

  resetPassword(actor: Principal, username: string, input: PasswordResetInput): Promise<PersonView> {
    const by = requirePermission(actor, 'people.manage');
    return this.serially(async () => {
      const p = this.person(username);
      if (!p) throw Errors.notFound(`person ${username}`);
      const passwordHash = await hashPassword(input.temporaryPassword);
      const user = { ...this.row(p, by, {}), passwordHash, mustChangePassword: true };
      await this.journal(by, 'user.password-reset', username, { username, sessionsEnded: this.liveSessions(username) });
      this.save(user, true);
      return view(this.person(username)!);
    });
  }

  /**
   * A person replaces their password at login (the route has checked the current one). The
   * actor is the person. Not a session of theirs is open while it was temporary (none could start).
   */
  changePassword(username: string, current: string, next: string): Promise<void> {
    return this.serially(async () => {
      const p = this.person(username);
      if (!p || p.disabled) throw Errors.badCredentials();
      if (next === current) throw Errors.invalid(['newPassword: must differ from the current password']);
      if (next.toLowerCase().includes(username.toLowerCase())) throw Errors.invalid(['newPassword: must not contain the username']);
      const passwordHash = await hashPassword(next);
      const user = { ...this.row(p, username, {}), passwordHash, mustChangePassword: false };
      await this.journal(username, 'user.password-changed', username, { username, wasTemporary: p.mustChangePassword });
      this.save(user);
    });
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private journal<K extends UserEvent>(actor: string, type: K, username: string, payload: EventPayload<K>): Promise<unknown> {
    // Justified cast: `payload` is checked against its type's schema by the signature; TypeScript
    // cannot narrow the header's union from a generic `K`.
    return this.deps.journal.append({ source: 'http', type, actor, subject: `account:${username}`, payload } as AppendInput);
  }

  /** Stored, then in force: the accounts take it at once and, if asked, the person's sessions end. */
  private save(user: StoredUser, endSessions = false): void {
    this.deps.store.put(user);
    this.deps.accounts.applyStored(user);
    if (!endSessions) return;
    this.deps.sessions.endFor(user.username, 'account-changed');
    this.deps.endMqtt?.(user.username);
  }

  private row(p: Person, by: string, change: Partial<Pick<StoredUser, 'displayName' | 'consoleRole' | 'premisesId' | 'disabled'>>): StoredUser {
    const now = this.now();
    const configured = this.configured(p.username);
    return {
      username: p.username,
      displayName: change.displayName ?? p.displayName,
      consoleRole: change.consoleRole ?? p.consoleRole,
      premisesId: change.premisesId !== undefined ? change.premisesId : p.premisesId,
      // A configured person changed for the first time keeps their configured password.
      passwordHash: p.stored?.passwordHash ?? configured!.passwordHash,
      mustChangePassword: p.mustChangePassword,
      disabled: change.disabled ?? p.disabled,
      createdAt: p.stored?.createdAt ?? now,
      updatedAt: now,
      updatedBy: by,
    };
  }

  private checkPremises(role: ConsoleRole, premisesId: string | null): string | null {
    if (role !== 'member') {
      if (premisesId !== null) throw Errors.invalid(['premisesId: only a member has premises']);
      return null;
    }
    if (premisesId === null) throw Errors.invalid(['premisesId: a member needs the premises they report for']);
    if (!this.deps.config.premises.some((x) => x.id === premisesId)) throw Errors.invalid([`premisesId: no premises "${premisesId}" on this site`]);
    return premisesId;
  }

  private otherManagers(username: string): number {
    return this.people().filter((p) => p.username !== username && p.consoleRole === 'security-manager' && !p.disabled).length;
  }

  private liveSessions(username: string): number {
    return this.deps.sessions.countFor(username);
  }

  private configured(username: string): Account | undefined {
    return this.deps.config.accounts.find((a) => a.username === username);
  }

  private person(username: string): Person | null {
    const configured = this.configured(username);
    if (configured && configured.role !== 'console') return null;
    const stored = this.deps.store.get(username);
    if (stored) return { ...personOf(stored), stored };
    if (!configured?.consoleRole) return null;
    return {
      username,
      displayName: username,
      consoleRole: configured.consoleRole,
      premisesId: configured.premisesId ?? null,
      disabled: false,
      mustChangePassword: false,
      stored: null,
    };
  }

  private people(): Person[] {
    const names = new Set([
      ...this.deps.config.accounts.filter((a) => a.role === 'console').map((a) => a.username),
      ...this.deps.store.all().map((u) => u.username),
    ]);
    return [...names].map((n) => this.person(n)).filter((p): p is Person => p !== null);
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }
}

function personOf(u: StoredUser): Omit<Person, 'stored'> {
  return {
    username: u.username,
    displayName: u.displayName,
    consoleRole: u.consoleRole,
    premisesId: u.premisesId,
    disabled: u.disabled,
    mustChangePassword: u.mustChangePassword,
  };
}

/** What the screen gets: never the hash. */
function view(p: Person): PersonView {
  return {
    username: p.username,
    displayName: p.displayName,
    consoleRole: p.consoleRole,
    premisesId: p.premisesId,
    disabled: p.disabled,
    mustChangePassword: p.mustChangePassword,
    source: p.stored ? 'database' : 'config',
    updatedAt: p.stored?.updatedAt ?? null,
    updatedBy: p.stored?.updatedBy ?? null,
  };
}
