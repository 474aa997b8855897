/**
 * `npm run region`: the regional service. Settings from the YAML file named by
 * `TW_REGION_CONFIG`, or from `TW_REGION_*` variables (see README "Region").
 */
import { ConfigError } from '../../config/errors';
import { createRootLogger } from '../log';
import { loadRegionConfig, type RegionConfig } from './config';
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

async function main(): Promise<void> {
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
    service.stop().then(
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
