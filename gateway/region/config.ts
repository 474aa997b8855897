import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { substituteEnv } from '../../config/env';
import { ConfigError, formatZodError } from '../../config/errors';

/**
 * The regional service's settings: a small YAML file named by `TW_REGION_CONFIG` (with
 * `${ENV}` for secrets, as in the site config), or, without one, `TW_REGION_*` variables.
 */

const Seconds = z.coerce.number().positive();
/** As in the site config (config/schema.ts), not imported: the regional service stays small. */
const PASSWORD_HASH_RE = /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/;

export const RegionConfigSchema = z
  .object({
    /** Names this instance in logs and in what it stored; also its MQTT client id suffix. */
    instance: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a slug')
      .default('region-1'),
    mqtt: z
      .object({
        url: z.string().regex(/^(mqtts?|wss?):\/\/\S+$/, 'must be an mqtt://, mqtts://, ws:// or wss:// URL'),
        username: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
        ca: z.string().min(1).optional(),
        /** Instances in one group share the load: each message goes to one of them. */
        group: z
          .string()
          .regex(/^[A-Za-z0-9_-]+$/)
          .default('region'),
        /** How long the broker keeps this instance's session (and queues its share) while it is away. */
        sessionExpirySeconds: z.coerce
          .number()
          .int()
          .min(0)
          .default(7 * 86_400),
        /** On SIGTERM/SIGINT, end the session too (as `npm run region -- retire`): for an instance that will not come back. */
        retireOnStop: z.preprocess((v) => (v === '1' || v === 'true' ? true : v === '0' || v === 'false' ? false : v), z.boolean()).default(false),
      })
      .strict(),
    postgres: z
      .object({
        /** `postgres://user:password@host:5432/db?sslmode=require` */
        url: z.string().min(1),
        poolSize: z.coerce.number().int().min(1).max(100).default(4),
      })
      .strict(),
    http: z
      .object({ host: z.string().min(1).default('127.0.0.1'), port: z.coerce.number().int().min(0).max(65535).default(8090) })
      .strict()
      .prefault({}),
    /** API tokens: `Authorization: Bearer <name>:<token>`; only scrypt hashes are stored. */
    tokens: z
      .array(z.object({ name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/), hash: z.string().regex(PASSWORD_HASH_RE, 'must be a scrypt hash') }).strict())
      .default([]),
    /**
     * Each site's status-signing key (its `uplink.signingKey`): a status from a site with a key
     * must carry a valid signature, and its signed chain head confirms and repairs that site's chain.
     */
    siteKeys: z.array(z.object({ site: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/), key: z.string().min(32) }).strict()).default([]),
    chain: z
      .object({
        /** How often links left unchecked (their neighbour arrived elsewhere, or not yet) are checked again. */
        sweepSeconds: Seconds.default(5),
        /** A missing seq is reported as a gap only after the event after it has waited this long. */
        gapGraceSeconds: Seconds.default(60),
        /** A run of seqs missing this long is asked for again: the broker may have lost it after its PUBACK. */
        resendAfterSeconds: Seconds.default(15),
        /** A site whose contiguous seq has not moved this long, while it reports more acknowledged, is stalled (an error, `/metrics`). */
        stallSeconds: Seconds.default(120),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type RegionConfig = z.infer<typeof RegionConfigSchema>;

function fromEnv(env: NodeJS.ProcessEnv): unknown {
  const tokens = (env.TW_REGION_TOKENS ?? '')
    .split(/[;\s]+/)
    .filter(Boolean)
    .map((t) => {
      const i = t.indexOf('=');
      return { name: t.slice(0, i), hash: t.slice(i + 1) };
    });
  const opt = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  // `site=key;site2=key2`, as TW_REGION_TOKENS.
  const siteKeys = (env.TW_REGION_SITE_KEYS ?? '')
    .split(/[;\s]+/)
    .filter(Boolean)
    .map((t) => ({ site: t.slice(0, t.indexOf('=')), key: t.slice(t.indexOf('=') + 1) }));
  return {
    instance: opt(env.TW_REGION_INSTANCE),
    mqtt: {
      url: env.TW_REGION_MQTT_URL,
      username: opt(env.TW_REGION_MQTT_USERNAME),
      password: opt(env.TW_REGION_MQTT_PASSWORD),
      ca: opt(env.TW_REGION_MQTT_CA),
      group: opt(env.TW_REGION_MQTT_GROUP),
      sessionExpirySeconds: opt(env.TW_REGION_SESSION_EXPIRY_SECONDS),
      retireOnStop: opt(env.TW_REGION_RETIRE_ON_STOP),
    },
    postgres: { url: env.TW_REGION_PG_URL, poolSize: opt(env.TW_REGION_PG_POOL_SIZE) },
    http: { host: opt(env.TW_REGION_HTTP_HOST), port: opt(env.TW_REGION_HTTP_PORT) },
    tokens,
    siteKeys,
  };
}

export function parseRegionConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env, file?: string): RegionConfig {
  const substituted = substituteEnv(raw, env);
  if (substituted.issues.length > 0) throw new ConfigError(substituted.issues, file);
  const parsed = RegionConfigSchema.safeParse(substituted.value);
  if (!parsed.success) throw new ConfigError(formatZodError(parsed.error), file);
  return parsed.data;
}

export function loadRegionConfig(env: NodeJS.ProcessEnv = process.env): RegionConfig {
  const file = env.TW_REGION_CONFIG;
  if (!file) return parseRegionConfig(JSON.parse(JSON.stringify(fromEnv(env))), env);
  return parseRegionConfig(YAML.parse(readFileSync(file, 'utf8')), env, file);
}
