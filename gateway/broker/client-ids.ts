import type { AccountRole } from '../contract/roles';

/**
 * Which account an MQTT client id belongs to, as pure functions of the configured accounts.
 *
 * aedes, like every MQTT broker, closes the live session of a client id when another CONNECT
 * takes it ([MQTT-3.1.4-2]) and publishes the old session's Last Will. Were client ids free for
 * all, any account could knock a radio off the air by connecting as `handset-2001`. So every id
 * has at most one owner, and a CONNECT with an id it does not own gets CONNACK 2:
 *
 * - `handset-<issi>` (what handsets and the radio simulators use) belongs to the handset account
 *   with that ISSI, or else to the first control-station account whose ranges cover it (a radio
 *   IP gateway connects the handsets that have no account of their own);
 * - any other id belongs to the account whose username it is, or starts with followed by `-`
 *   (`controller`, `controller-laptop`, `shop-prem-001-till2`); the longest such username wins,
 *   so `radio-2001-x` is radio-2001's even if an account `radio` exists;
 * - nothing else belongs to anyone: refused (fail closed).
 *
 * An empty id with CleanSession=1 gets an id the broker makes up; that is the broker's call,
 * not this rule's.
 */

/** What the rule needs to know of an account. */
export interface ClientIdAccount {
  username: string;
  role: AccountRole;
  issi?: number | null | undefined;
  issiRanges?: ReadonlyArray<readonly [number, number]> | null | undefined;
}

/** The accounts, indexed once so a lookup costs the length of the id, not the number of accounts. */
export interface ClientIdIndex {
  usernames: ReadonlySet<string>;
  handsetByIssi: ReadonlyMap<number, string>;
  controlStations: ReadonlyArray<{ username: string; ranges: ReadonlyArray<readonly [number, number]> }>;
}

export const HANDSET_ID_PREFIX = 'handset-';

export function indexClientIds(accounts: readonly ClientIdAccount[]): ClientIdIndex {
  const handsetByIssi = new Map<number, string>();
  for (const a of accounts) {
    if (a.role === 'handset' && a.issi !== undefined && a.issi !== null && !handsetByIssi.has(a.issi)) handsetByIssi.set(a.issi, a.username);
  }
  return {
    usernames: new Set(accounts.map((a) => a.username)),
    handsetByIssi,
    controlStations: accounts.filter((a) => a.role === 'control-station').map((a) => ({ username: a.username, ranges: a.issiRanges ?? [] })),
  };
}

/** The username owning `clientId`, or null when it is nobody's. */
export function clientIdOwner(index: ClientIdIndex, clientId: string): string | null {
  if (clientId.startsWith(HANDSET_ID_PREFIX)) {
    const digits = clientId.slice(HANDSET_ID_PREFIX.length);
    // Only the canonical spelling: `handset-02001` must not be a second name for 2001.
    if (/^[1-9]\d{0,7}$/.test(digits)) {
      const issi = Number(digits);
      const own = index.handsetByIssi.get(issi);
      if (own !== undefined) return own;
      const station = index.controlStations.find((s) => s.ranges.some(([from, to]) => issi >= from && issi <= to));
      return station?.username ?? null;
    }
  }
  if (index.usernames.has(clientId)) return clientId;
  // Longest username prefix first: walk the dashes from the right.
  for (let i = clientId.lastIndexOf('-'); i > 0; i = clientId.lastIndexOf('-', i - 1)) {
    const prefix = clientId.slice(0, i);
    if (index.usernames.has(prefix)) return prefix;
  }
  return null;
}

export type ClientIdDecision = { ok: true } | { ok: false; owner: string | null; reason: string };

/** May `username` connect with `clientId`? */
export function decideClientId(index: ClientIdIndex, username: string, clientId: string): ClientIdDecision {
  const owner = clientIdOwner(index, clientId);
  if (owner === username) return { ok: true };
  return owner === null
    ? { ok: false, owner, reason: `client id is not this account's: use "${username}" or "${username}-…"` }
    : { ok: false, owner, reason: 'client id belongs to another account' };
}
