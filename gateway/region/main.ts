/**
 * `npm run region`: the regional service. Settings from the YAML file named by
 * `TW_REGION_CONFIG`, or from `TW_REGION_*` variables (see README "Region").
 *
 * - `npm run region -- hash-token <name>`: a new API token and its hash (gateway/region/cli.ts).
 * - `npm run region -- retire <instance>`: ends a stopped instance's broker session for good, so
 *   its share of the `$share` group goes to the other instances instead of queueing for it: takes
 *   what the broker queued for it into PostgreSQL, leaves the group, disconnects with session
 *   expiry 0. Stop the instance first (the same client id would take its session over).
 */
import { ConfigError } from '../../config/errors';
import { createRootLogger } from '../log';
import { loadRegionConfig, type RegionConfig } from './config';
import { hashToken } from './cli';
import { RegionService } from './service';

function load(): RegionConfig {
  try {
    return loadRegionConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`townwatch region: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

async function retire(instance: string | undefined): Promise<void> {
  if (!instance || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(instance)) {
    process.stderr.write('usage: npm run region -- retire <instance>\n');
    process.exit(2);
  }
  // The instance's own MQTT session, with the shared settings; its API is not served meanwhile.
  const config: RegionConfig = { ...load(), instance, http: { host: '127.0.0.1', port: 0 } };
  const log = createRootLogger().child({ service: 'region', instance, command: 'retire' });
  const service = new RegionService(config, log);
  await service.start();
  await service.retire();
  process.stdout.write(`Townwatch region ${instance}: retired (session ended; stored ${service.consumer.handled} queued message(s))\n`);
}

async function main(): Promise<void> {
  const [command, arg] = process.argv.slice(2);
  if (command === 'hash-token') process.exit(await hashToken(arg));
  if (command === 'retire') {
    await retire(arg);
    process.exit(0);
  }
  if (command !== undefined) {
    process.stderr.write(`townwatch region: unknown command "${command}" (hash-token <name>, retire <instance>, or none to run)\n`);
    process.exit(2);
  }
  const config = load();
  const log = createRootLogger().child({ service: 'region', instance: config.instance });
  const service = new RegionService(config, log);
  await service.start();
  process.stdout.write(`Townwatch region ${config.instance}: api http://${config.http.host}:${service.httpPort}/api  consuming ${service.consumer.filter}\n`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    (config.mqtt.retireOnStop ? service.retire({ idleMs: 1000, maxWaitMs: 10_000 }) : service.stop()).then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`townwatch region: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
