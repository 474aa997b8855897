import { CONFIG_VERSION } from './schema';
import { ConfigError, issueLine } from './errors';

/**
 * Old config files keep working: each migration lifts a raw document one version, before zod
 * sees it, so the schema only ever describes the current shape. Migrations run on plain
 * parsed YAML and must not mutate their input.
 */

export type RawDoc = Record<string, unknown>;

export interface Migration {
  readonly from: number;
  readonly describe: string;
  /** Throws ConfigError (with paths) when the old document cannot be lifted unambiguously. */
  up(doc: RawDoc): RawDoc;
}

export const migrations: readonly Migration[] = [
  {
    from: 0,
    describe: 'gateway.httpPort/gateway.mqttPort moved to gateway.http.port/gateway.mqtt.port',
    up(doc) {
      const gateway = doc.gateway;
      if (gateway === undefined) return { ...doc, version: 1 };
      if (!isRecord(gateway)) throw new ConfigError([issueLine(['gateway'], 'must be a mapping')]);
      const { httpPort, mqttPort, ...rest } = gateway;
      const next: RawDoc = { ...rest };
      moveInto(next, 'http', httpPort, 'httpPort');
      moveInto(next, 'mqtt', mqttPort, 'mqttPort');
      return { ...doc, version: 1, gateway: next };
    },
  },
];

/** Lift `doc` to CONFIG_VERSION. Returns a new object; `applied` lists what ran, for logging. */
export function migrate(doc: unknown): { doc: RawDoc; applied: string[] } {
  if (!isRecord(doc)) throw new ConfigError([issueLine([], 'the config must be a YAML mapping')]);
  let current: RawDoc = doc;
  const applied: string[] = [];
  for (;;) {
    const version = current.version;
    if (version === undefined) throw new ConfigError([issueLine(['version'], `required (the current version is ${CONFIG_VERSION})`)]);
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 0)
      throw new ConfigError([issueLine(['version'], `must be a whole number, got ${JSON.stringify(version)}`)]);
    if (version === CONFIG_VERSION) return { doc: current, applied };
    if (version > CONFIG_VERSION)
      throw new ConfigError([
        issueLine(['version'], `version ${version} is newer than this gateway understands (latest ${CONFIG_VERSION}); upgrade the gateway`),
      ]);
    const step = migrations.find((m) => m.from === version);
    if (!step) throw new ConfigError([issueLine(['version'], `no migration from version ${version}`)]);
    current = step.up(current);
    if (current.version !== version + 1) throw new Error(`migration from version ${version} did not produce version ${version + 1}`);
    applied.push(`v${version} -> v${version + 1}: ${step.describe}`);
  }
}

function moveInto(gateway: RawDoc, section: 'http' | 'mqtt', port: unknown, oldKey: string): void {
  if (port === undefined) return;
  const existing = gateway[section];
  if (existing !== undefined && !isRecord(existing)) throw new ConfigError([issueLine(['gateway', section], 'must be a mapping')]);
  if (existing?.port !== undefined && existing.port !== port)
    throw new ConfigError([issueLine(['gateway', oldKey], `conflicts with gateway.${section}.port (${JSON.stringify(existing.port)}); keep only one`)]);
  gateway[section] = { ...existing, port };
}

export function isRecord(v: unknown): v is RawDoc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
