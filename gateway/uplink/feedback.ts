import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics';
import { buildBatch } from './batch';
import type { UplinkPolicy } from './minimise';
import type { Outbox } from './outbox';
import { ResendRequest, statusTopic, UPLINK_WIRE_VERSION } from './wire';

/**
 * The uplink's conversation with the region beyond the events themselves. A broker's PUBACK
 * means the broker has a message, not that the region will get it: a broker that crashes with
 * messages queued loses them. The journal still has every event, so the region, which sees
 * what is missing, asks for it again; the site tells the region how far it has got, so even a
 * lost tail (no later event reveals the gap) is noticed.
 */

/** Most events one request re-sends; the region asks again for the rest. */
export const MAX_RESEND = 5000;
/** The site's status goes up at most this often. */
const STATUS_EVERY_MS = 1000;

export interface LinkState {
  client(): MqttClient | null;
  ackedSeq(): number;
  headSeq(): number;
}

/** Head and cursor, retained on `tw/v1/region/<site>/status`, at most once a second. */
export class StatusBeacon {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly siteId: string,
    private readonly state: LinkState,
  ) {}

  publish(): void {
    const body = JSON.stringify({ v: UPLINK_WIRE_VERSION, site: this.siteId, head: this.state.headSeq(), acked: this.state.ackedSeq(), at: Date.now() });
    this.state.client()?.publish(statusTopic(this.siteId), body, { qos: 1, retain: true }, () => undefined);
  }

  schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.publish();
    }, STATUS_EVERY_MS);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

export interface ResendDeps {
  siteId: string;
  topic: string;
  outbox: Outbox;
  policy: UplinkPolicy;
  broker: string;
  batchSize: number;
  state: LinkState;
  metrics: Metrics;
  log: Logger;
}

/**
 * Re-sends what the region asks for, one message at a time and outside the window: the cursor
 * is not involved, and custody was journaled at the first sending. Only seqs the broker already
 * acknowledged are re-sent (later ones are on their way). One repair runs at a time; of the
 * requests that arrive meanwhile, the latest is the one that counts.
 */
export class Resender {
  private running = false;
  private next: ResendRequest | null = null;

  constructor(private readonly deps: ResendDeps) {}

  onRequest(payload: Buffer): void {
    try {
      this.next = ResendRequest.parse(JSON.parse(payload.toString('utf8')));
    } catch (err) {
      this.deps.log.warn({ err }, 'ignoring an invalid resend request');
      return;
    }
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      for (let req = this.next; req; req = this.next) {
        this.next = null;
        const sent = await this.resend(req);
        this.deps.metrics.uplinkResent.inc(sent);
        this.deps.log.warn({ from: req.from, to: req.to, sent }, 'region asked for events again; re-sent');
      }
    } catch (err) {
      this.deps.log.warn({ err }, 'resend interrupted; the region will ask again');
    } finally {
      this.running = false;
    }
  }

  private async resend(req: ResendRequest): Promise<number> {
    const d = this.deps;
    const to = Math.min(req.to, d.state.ackedSeq(), req.from + MAX_RESEND - 1);
    let after = req.from - 1;
    let sent = 0;
    while (after < to) {
      const client = d.state.client();
      const batch = buildBatch(d.siteId, d.outbox.read(after, Math.min(d.batchSize, to - after)), d.policy, d.broker);
      if (!client || !batch) break;
      await client.publishAsync(d.topic, batch.body, { qos: 1 });
      after = batch.last.seq;
      sent += batch.count;
    }
    return sent;
  }
}
