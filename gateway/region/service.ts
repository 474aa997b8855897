import pg from 'pg';
import type { Logger } from 'pino';
import { buildRegionHttp, type RegionHttp } from './api';
import { TokenAuth } from './auth';
import type { RegionConfig } from './config';
import { RegionConsumer } from './consumer';
import { migrate } from './schema';
import { RegionStore } from './store';
import { ChainSweeper } from './sweeper';

/**
 * The regional service's composition root: PostgreSQL (schema first), the REST API, the chain
 * sweeper, then the consumer last, so nothing is taken off the broker before it can be stored.
 * Stops in reverse. Several instances may run against one database and one broker.
 */
export class RegionService {
  readonly pool: pg.Pool;
  readonly store: RegionStore;
  readonly consumer: RegionConsumer;
  readonly sweeper: ChainSweeper;
  private http: RegionHttp | null = null;

  constructor(
    readonly config: RegionConfig,
    private readonly log: Logger,
  ) {
    this.pool = new pg.Pool({ connectionString: config.postgres.url, max: config.postgres.poolSize, application_name: `tw-region-${config.instance}` });
    this.store = new RegionStore(this.pool, config.instance, log.child({ module: 'region-store' }));
    this.consumer = new RegionConsumer(config, this.store, log.child({ module: 'region-consumer' }));
    this.sweeper = new ChainSweeper(
      this.pool,
      this.store,
      {
        sweepMs: config.chain.sweepSeconds * 1000,
        gapGraceMs: config.chain.gapGraceSeconds * 1000,
        resendAfterMs: config.chain.resendAfterSeconds * 1000,
        stallMs: config.chain.stallSeconds * 1000,
        resend: (site, ranges) => this.consumer.requestResend(site, ranges),
        confirm: (site) => this.consumer.confirm(site),
      },
      log.child({ module: 'region-sweeper' }),
    );
  }

  async start(): Promise<void> {
    // An idle client losing its connection must not take the process down; the next query reconnects.
    this.pool.on('error', (err) => this.log.warn({ err: err.message }, 'idle PostgreSQL connection lost'));
    await migrate(this.pool);
    const http = await buildRegionHttp({
      pool: this.pool,
      auth: new TokenAuth(this.config.tokens),
      log: this.log.child({ module: 'region-http' }),
      ready: () => ({
        ready: this.consumer.subscribed,
        detail: { instance: this.config.instance, subscribed: this.consumer.subscribed, filter: this.consumer.filter },
      }),
    });
    await http.listen({ host: this.config.http.host, port: this.config.http.port });
    this.http = http;
    this.sweeper.start();
    await this.consumer.start();
    this.log.info({ instance: this.config.instance, http: this.httpPort }, 'region started');
  }

  get httpPort(): number {
    const addr = this.http?.server.address();
    return addr && typeof addr === 'object' ? addr.port : 0;
  }

  /** Stops for good: the broker session is ended (its share returns to the group), then as stop(). */
  async retire(opts?: { idleMs?: number; maxWaitMs?: number }): Promise<void> {
    await this.consumer.retire(opts);
    await this.stop();
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
    await this.sweeper.stop();
    if (this.http) await this.http.close();
    this.http = null;
    await this.pool.end();
    this.log.info({ instance: this.config.instance }, 'region stopped');
  }
}
