import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { ConfigError, formatZodError, issueLine } from './errors';
import { substituteEnv } from './env';
import { isRecord, migrate } from './migrations';
import { PROJECT_ROOT } from './root';
import { BaseConfigSchema, ConfigSchema, type Config } from './schema';

export { ConfigError, formatZodError } from './errors';
export type { Config } from './schema';

/** The bundled demo site; also the source of the demo hashes production must not reuse. */
export const defaultConfigPath = join(PROJECT_ROOT, 'config', 'demo-town.yaml');

/** `TOWNWATCH_CONFIG` (relative to the working directory) or the demo town. */
export function resolveConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.TOWNWATCH_CONFIG;
  return fromEnv ? resolve(fromEnv) : defaultConfigPath;
}

export interface LoadOptions {
  /**
   * For commands that read only part of the config (`npm run sim`, `npm run journal`): a section
   * whose `${VAR}` is unset (the uplink's password, say) loads without it, and reading that
   * section throws the ConfigError naming the variable and the key. Only sections that may be
   * left out of a config can wait; an unset variable anywhere else still fails at once. The
   * gateway itself reads everything, so it loads eagerly and refuses to start on any of them.
   */
  lazyEnv?: boolean;
}

/**
 * Read, substitute `${ENV}`, migrate, validate and deep-freeze a config file. Throws
 * ConfigError with `path: message` lines for anything wrong.
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env, opts: LoadOptions = {}): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([issueLine([], `cannot read config file: ${errorMessage(err)}`)], file);
  }
  return parseConfigText(text, env, file, opts);
}

/** As loadConfig, from YAML text already in hand (`file` only labels the error). */
export function parseConfigText(text: string, env: NodeJS.ProcessEnv = process.env, file?: string, opts: LoadOptions = {}): Config {
  const doc = YAML.parseDocument(text);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => issueLine([], `YAML ${firstLine(e.message)}`)),
      file,
    );
  }
  return parseConfigValue(doc.toJS(), env, file, opts);
}

/** As loadConfig, from an already-parsed document (tests, tools that build configs). */
export function parseConfigValue(raw: unknown, env: NodeJS.ProcessEnv = process.env, file?: string, opts: LoadOptions = {}): Config {
  const substituted = substituteEnv(raw, env);
  let doc = substituted.value;
  // Sections waiting for an unset variable (lazyEnv): section → its `key: variable … not set` lines.
  const waiting = new Map<string, string[]>();
  for (const p of substituted.problems) {
    const section = p.path[0];
    if (opts.lazyEnv && typeof section === 'string' && mayBeLeftOut(section)) waiting.set(section, [...(waiting.get(section) ?? []), p.line]);
  }
  if (substituted.issues.length > 0) {
    const now = substituted.problems.filter((p) => typeof p.path[0] !== 'string' || !waiting.has(p.path[0])).map((p) => p.line);
    if (now.length > 0) throw new ConfigError(now, file);
    doc = Object.fromEntries(Object.entries(doc as Record<string, unknown>).filter(([k]) => !waiting.has(k)));
  }
  let migrated: unknown;
  try {
    migrated = migrate(doc).doc;
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.issues, file);
    throw err;
  }
  const parsed = ConfigSchema.safeParse(migrated);
  // Without a waiting section, another may not validate (a reference into it): both causes are shown.
  if (!parsed.success) throw new ConfigError([...[...waiting.values()].flat(), ...formatZodError(parsed.error)], file);
  if (waiting.size === 0) return deepFreeze(parsed.data);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed.data)) {
    const lines = waiting.get(key);
    if (!lines) out[key] = deepFreeze(value);
    else
      Object.defineProperty(out, key, {
        enumerable: true,
        get: () => {
          throw new ConfigError(lines, file);
        },
      });
  }
  return Object.freeze(out) as Config;
}

/** Whether a top-level section has a default, so a config may leave it out. */
function mayBeLeftOut(section: string): boolean {
  const shape = BaseConfigSchema.shape as Record<string, { safeParse: (v: unknown) => { success: boolean } } | undefined>;
  return shape[section]?.safeParse(undefined).success ?? false;
}

/** Checks a password against a stored scrypt hash (`verifyPassword` of gateway/auth/password.ts). */
export type VerifyPassword = (password: string, hash: string) => Promise<boolean>;

/**
 * Passwords production refuses besides `<username>-demo`: the ones an installer types first.
 * Kept short on purpose: each costs one scrypt per account at start-up.
 */
export const WEAK_PASSWORDS: readonly string[] = ['password', 'changeme', 'townwatch', '12345678', '123456789', 'letmein', 'admin', 'qwerty123'];

/**
 * Problems that make a config unfit for `mode: production`; empty in demo mode.
 *
 * - An account whose password (or API token) *verifies* as `<username>-demo` (the demo rule,
 *   public in this repository), as its own username, or as one of WEAK_PASSWORDS. Comparing hash
 *   strings is not enough: the same password hashed again with a new salt is a different string.
 *   The demo town's own hashes are also refused outright (no scrypt needed for those).
 * - Clear text off the machine: the console over plain HTTP bound to anything but loopback
 *   without `gateway.tls`; the plain MQTT listener bound to anything but loopback (devices must use
 *   the TLS listener); an uplink to `mqtt://` or `ws://` (the region gets people's details).
 *
 * `verify` is the gateway's scrypt check (config must not import the gateway). If the demo file
 * cannot be read the check fails closed.
 */
export async function checkProductionSafety(config: Config, verify: VerifyPassword, demoFile: string = defaultConfigPath): Promise<string[]> {
  if (config.site.mode !== 'production') return [];
  let demo: Set<string>;
  try {
    demo = demoHashes(demoFile);
  } catch (err) {
    return [issueLine([], `cannot read ${demoFile} to check for demo passwords: ${errorMessage(err)}`)];
  }
  const secretProblem = async (username: string, hash: string, what: string): Promise<string | null> => {
    if (demo.has(hash)) return `account "${username}" still has the demo town's ${what}: change it before production`;
    for (const candidate of [`${username}-demo`, username, ...WEAK_PASSWORDS]) {
      if (await verify(candidate, hash)) {
        const which =
          candidate === `${username}-demo`
            ? 'the demo rule "<username>-demo"'
            : candidate === username
              ? 'the username itself'
              : `a well-known weak password ("${candidate}")`;
        return `account "${username}": its ${what} is ${which}; change it before production`;
      }
    }
    return null;
  };
  const accountProblems = await Promise.all(
    config.accounts.map(async (a, i) => {
      const found: string[] = [];
      const pw = await secretProblem(a.username, a.passwordHash, 'password');
      if (pw) found.push(issueLine(['accounts', i, 'passwordHash'], pw));
      const token = a.apiTokenHash === undefined ? null : await secretProblem(a.username, a.apiTokenHash, 'API token');
      if (token) found.push(issueLine(['accounts', i, 'apiTokenHash'], token));
      return found;
    }),
  );
  return [...accountProblems.flat(), ...transportProblems(config)];
}

/** Clear-text listeners and links that production refuses (see checkProductionSafety). */
function transportProblems(config: Config): string[] {
  const problems: string[] = [];
  const { http, mqtt, tls } = config.gateway;
  if (!tls && !isLoopback(http.host))
    problems.push(
      issueLine(
        ['gateway', 'http', 'host'],
        `the console would be plain HTTP on ${http.host} (passwords and session cookies in clear): set gateway.tls (cert and key, or "auto") or bind it to 127.0.0.1`,
      ),
    );
  if (!isLoopback(mqtt.host))
    problems.push(
      issueLine(
        ['gateway', 'mqtt', 'host'],
        `plain MQTT on ${mqtt.host} sends device passwords in clear: bind it to 127.0.0.1 and let devices use the TLS listener (gateway.tls, port ${tls?.mqttPort ?? 8883})`,
      ),
    );
  const uplink = config.uplink;
  if (uplink.enabled && uplink.url !== undefined && /^(mqtt|ws):\/\//.test(uplink.url))
    problems.push(
      issueLine(
        ['uplink', 'url'],
        `the uplink to ${uplink.url.split('://')[0]}:// is not encrypted: use mqtts:// or wss:// (and uplink.ca for the region's CA)`,
      ),
    );
  return problems;
}

/** Whether a listen address accepts connections from this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const demoHashCache = new Map<string, Set<string>>();

function demoHashes(file: string): Set<string> {
  const cached = demoHashCache.get(file);
  if (cached) return cached;
  const raw: unknown = YAML.parse(readFileSync(file, 'utf8'));
  const hashes = new Set<string>();
  const accounts = isRecord(raw) && Array.isArray(raw.accounts) ? (raw.accounts as unknown[]) : [];
  for (const a of accounts) {
    if (!isRecord(a)) continue;
    for (const key of ['passwordHash', 'apiTokenHash']) {
      const h = a[key];
      if (typeof h === 'string' && h.length > 0) hashes.add(h);
    }
  }
  demoHashCache.set(file, hashes);
  return hashes;
}

/** Frozen all the way down so no module can quietly change shared settings at run time. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function firstLine(s: string): string {
  return s.split('\n', 1)[0] ?? s;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
