import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { ConfigError, formatZodError, issueLine } from './errors';
import { substituteEnv } from './env';
import { isRecord, migrate } from './migrations';
import { PROJECT_ROOT } from './root';
import { ConfigSchema, type Config } from './schema';

export { ConfigError, formatZodError } from './errors';
export type { Config } from './schema';

/** The bundled demo site; also the source of the demo hashes production must not reuse. */
export const defaultConfigPath = join(PROJECT_ROOT, 'config', 'demo-town.yaml');

/** `TOWNWATCH_CONFIG` (relative to the working directory) or the demo town. */
export function resolveConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.TOWNWATCH_CONFIG;
  return fromEnv ? resolve(fromEnv) : defaultConfigPath;
}

/**
 * Read, substitute `${ENV}`, migrate, validate and deep-freeze a config file. Throws
 * ConfigError with `path: message` lines for anything wrong.
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([issueLine([], `cannot read config file: ${errorMessage(err)}`)], file);
  }
  return parseConfigText(text, env, file);
}

/** As loadConfig, from YAML text already in hand (`file` only labels the error). */
export function parseConfigText(text: string, env: NodeJS.ProcessEnv = process.env, file?: string): Config {
  const doc = YAML.parseDocument(text);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => issueLine([], `YAML ${firstLine(e.message)}`)),
      file,
    );
  }
  return parseConfigValue(doc.toJS(), env, file);
}

/** As loadConfig, from an already-parsed document (tests, tools that build configs). */
export function parseConfigValue(raw: unknown, env: NodeJS.ProcessEnv = process.env, file?: string): Config {
  const substituted = substituteEnv(raw, env);
  if (substituted.issues.length > 0) throw new ConfigError(substituted.issues, file);
  let migrated: unknown;
  try {
    migrated = migrate(substituted.value).doc;
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.issues, file);
    throw err;
  }
  const parsed = ConfigSchema.safeParse(migrated);
  if (!parsed.success) throw new ConfigError(formatZodError(parsed.error), file);
  return deepFreeze(parsed.data);
}

/**
 * Problems that make a config unfit for `mode: production`; empty in demo mode. The demo
 * town's hashes are public (they are in this repository), so an account still carrying one is
 * an open door. If the demo file cannot be read the check fails closed.
 */
export function checkProductionSafety(config: Config, demoFile: string = defaultConfigPath): string[] {
  if (config.site.mode !== 'production') return [];
  let demo: Set<string>;
  try {
    demo = demoHashes(demoFile);
  } catch (err) {
    return [issueLine([], `cannot read ${demoFile} to check for demo passwords: ${errorMessage(err)}`)];
  }
  const problems: string[] = [];
  config.accounts.forEach((a, i) => {
    if (demo.has(a.passwordHash))
      problems.push(issueLine(['accounts', i, 'passwordHash'], 'default demo password must be changed in production'));
    if (a.apiTokenHash !== undefined && demo.has(a.apiTokenHash))
      problems.push(issueLine(['accounts', i, 'apiTokenHash'], 'default demo token must be changed in production'));
  });
  return problems;
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
