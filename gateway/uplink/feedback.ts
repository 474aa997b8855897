import { createHmac } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics';
import { buildBatch } from './batch';
import type { UplinkPolicy } from './minimise';
import type { Outbox } from './outbox';
import { ResendRequest, statusSigningText, statusTopic, UPLINK_WIRE_VERSION } from './wire';

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
/** And at least this often, even when nothing moves: a region that missed one is told again. */
const STATUS_HEARTBEAT_MS = 30_000;
/** How long a stopping uplink waits for its last status to be acknowledged. */
const FINAL_STATUS_MS = 1000;

export interface LinkState {
  client(): MqttClient | null;
  ackedSeq(): number;
  /** The hash of the event at ackedSeq ('' before the first). */
  ackedHash(): string;
  headSeq(): number;
}

/**
 * Head and cursor, retained on `tw/v1/region/<site>/status`: at most once a second while events
 * move, every 30 s regardless, and once more when the uplink stops, so the region knows what the
 * broker acknowledged even when the site goes away right after.
 */
export class StatusBeacon {
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly siteId: string,
    private readonly state: LinkState,
    /** `uplink.signingKey`: with it, each status vouches for the chain up to the cursor. */
    private readonly signingKey: string | null = null,
  ) {}

  private body(): string {
    const st = { site: this.siteId, head: this.state.headSeq(), acked: this.state.ackedSeq(), at: Date.now() };
    const hash = this.state.ackedHash();
    if (!this.signingKey || !/^[0-9a-f]{64}$/.test(hash)) return JSON.stringify({ v: UPLINK_WIRE_VERSION, ...st });
    const signed = { ...st, ackedHash: hash };
    const sig = createHmac('sha256', this.signingKey).update(statusSigningText(signed)).digest('hex');
    return JSON.stringify({ v: UPLINK_WIRE_VERSION, ...signed, sig });
  }

  publish(): void {
    this.state.client()?.publish(statusTopic(this.siteId), this.body(), { qos: 1, retain: true }, () => undefined);
    this.heartbeat ??= setInterval(() => this.publish(), STATUS_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** The last status before the uplink disconnects; waits briefly for the broker's PUBACK. */
  async final(): Promise<void> {
    this.stop();
    const client = this.state.client();
    if (!client) return;
    const sent = client.publishAsync(statusTopic(this.siteId), this.body(), { qos: 1, retain: true }).then(
      () => undefined,
      () => undefined,
    );
    let t: NodeJS.Timeout | undefined;
    await Promise.race([sent, new Promise<void>((r) => (t = setTimeout(r, FINAL_STATUS_MS)))]);
    clearTimeout(t);
  }

  schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.publish();
    }, STATUS_EVERY_MS);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.timer = null;
    this.heartbeat = null;
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

/** Most runs queued at once; a region asking for more asks again for the rest. */
const MAX_QUEUED_RANGES = 10_000;

/**
 * Re-sends what the region asks for, one message at a time and outside the window: the cursor
 * is not involved, and custody was journaled at the first sending. Only seqs the broker already
 * acknowledged are re-sent (later ones are on their way). One repair runs at a time; every run
 * asked for meanwhile is queued (a run already queued is not queued twice), none is dropped.
 */
export class Resender {
  private running = false;
  private readonly queue: Array<[number, number]> = [];

  constructor(private readonly deps: ResendDeps) {}

  onRequest(payload: Buffer): void {
    let req: ResendRequest;
    try {
      req = ResendRequest.parse(JSON.parse(payload.toString('utf8')));
    } catch (err) {
      this.deps.log.warn({ err }, 'ignoring an invalid resend request');
      return;
    }
    for (const [from, to] of req.ranges ?? [[req.from, req.to]]) {
      if (this.queue.length >= MAX_QUEUED_RANGES) break;
      if (!this.queue.some(([f, t]) => f <= from && to <= t)) this.queue.push([from, to]);
    }
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      for (let r = this.queue.shift(); r; r = this.queue.shift()) {
        const sent = await this.resend({ from: r[0], to: r[1] });
        this.deps.metrics.uplinkResent.inc(sent);
        this.deps.log.warn({ from: r[0], to: r[1], sent }, 'region asked for events again; re-sent');
      }
    } catch (err) {
      this.queue.length = 0;
      this.deps.log.warn({ err }, 'resend interrupted; the region will ask again');
    } finally {
      this.running = false;
    }
  }

  private async resend(req: { from: number; to: number }): Promise<number> {
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
