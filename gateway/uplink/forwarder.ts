import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient, type Packet } from 'mqtt';
import type { Logger } from 'pino';
import type { UplinkSettings, Zone } from '../../config/schema';
import type { Journal } from '../journal/journal';
import type { Metrics } from '../metrics';
import { buildBatch, type Batch } from './batch';
import { UplinkPolicy } from './minimise';
import { Outbox, type Cursor } from './outbox';
import { Resender, StatusBeacon, type LinkState } from './feedback';
import { resendTopic, uplinkTopic } from './wire';

/** MQTT 5 PUBACK "No matching subscribers" (0x10): the broker took it, nobody will get it. */
const RC_NO_MATCHING_SUBSCRIBERS = 16;

export interface ForwarderDeps {
  settings: UplinkSettings;
  siteId: string;
  zones: readonly Zone[];
  journal: Pick<Journal, 'append' | 'head' | 'reader' | 'saveCursor'>;
  metrics: Metrics;
  log: Logger;
  baseDir: string;
}

export interface UplinkStatus {
  enabled: true;
  connected: boolean;
  ackedSeq: number;
  behindEvents: number;
  behindSeconds: number;
  inflight: number;
  lastError: string | null;
}

interface Flight extends Batch {
  epoch: number;
  acked: boolean;
  timer: NodeJS.Timeout;
}

/**
 * The journal is the outbox. Events after the durable cursor go to the regional broker in
 * order, in batches, at QoS 1, with at most `windowSize` messages awaiting PUBACK. The cursor
 * moves only over a contiguous run of acknowledged messages, and is saved in the journal's own
 * database (by the journal's writer), so a crash re-sends at most the window; the region drops what it already has by
 * event id. Any failure rewinds to the cursor and tries again after a growing, jittered pause.
 */
export class UplinkForwarder {
  private readonly policy: UplinkPolicy;
  private readonly outbox: Outbox;
  private readonly topic: string;
  private readonly broker: string;
  private client: MqttClient | null = null;
  private connected = false;
  private stopped = true;
  /** Bumped by every rewind: acknowledgements of older flights no longer move the cursor. */
  private epoch = 0;
  private conn = 0;
  private acked: Cursor = { seq: 0, hash: '' };
  private readSeq = 0;
  private inflight: Flight[] = [];
  private commits: Promise<void> = Promise.resolve();
  private readonly noSubscribers = new Set<number>();
  private backoffMs: number;
  private retryTimer: NodeJS.Timeout | null = null;
  private pumpQueued = false;
  private paused = false;
  private lastError: string | null = null;
  private readonly beacon: StatusBeacon;
  private readonly resender: Resender;

  constructor(private readonly deps: ForwarderDeps) {
    this.policy = new UplinkPolicy(deps.settings, deps.zones);
    this.outbox = new Outbox(deps.journal);
    this.topic = uplinkTopic(deps.siteId);
    this.broker = deps.settings.url ? new URL(deps.settings.url).host : '';
    this.backoffMs = deps.settings.backoff.minMs;
    const state: LinkState = {
      client: () => (this.connected ? this.client : null),
      ackedSeq: () => this.acked.seq,
      ackedHash: () => this.acked.hash,
      headSeq: () => deps.journal.head.seq,
    };
    this.beacon = new StatusBeacon(deps.siteId, state, deps.settings.signingKey ?? null);
    this.resender = new Resender({
      siteId: deps.siteId,
      topic: this.topic,
      outbox: this.outbox,
      policy: this.policy,
      broker: this.broker,
      batchSize: deps.settings.batchSize,
      state,
      metrics: deps.metrics,
      log: deps.log,
    });
  }

  /** Opens the cursor and starts connecting; never waits for the region (it may be unreachable). */
  start(): void {
    this.outbox.start();
    const { cursor, reset } = this.outbox.cursor();
    if (reset) this.deps.log.error({ reason: reset }, 'uplink cursor does not match this journal: sending it again from the start');
    this.acked = cursor;
    this.readSeq = cursor.seq;
    this.stopped = false;
    this.deps.metrics.uplinkLag = () => this.lag();
    this.deps.log.info({ broker: this.broker, from: cursor.seq }, 'uplink starting');
    this.connect();
  }

  /** New events are committed: send them if the window has room. */
  wake(): void {
    if (this.pumpQueued || this.stopped) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  lag(): { events: number; seconds: number } {
    if (this.stopped) return { events: 0, seconds: 0 };
    const events = Math.max(0, this.deps.journal.head.seq - this.acked.seq);
    const oldest = events > 0 ? this.outbox.tsOf(this.acked.seq + 1) : null;
    return { events, seconds: oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000) };
  }

  status(): UplinkStatus {
    const { events, seconds } = this.lag();
    return {
      enabled: true,
      connected: this.connected,
      ackedSeq: this.acked.seq,
      behindEvents: events,
      behindSeconds: Math.round(seconds * 10) / 10,
      inflight: this.inflight.length,
      lastError: this.lastError,
    };
  }

  private options(): IClientOptions {
    const s = this.deps.settings;
    return {
      clientId: s.clientId ?? `tw-uplink-${this.deps.siteId}`,
      ...(s.username ? { username: s.username } : {}),
      ...(s.password ? { password: s.password } : {}),
      ...(s.ca ? { ca: readFileSync(resolve(this.deps.baseDir, s.ca)) } : {}),
      // v5 for reason codes: a refused publish is an error, not a silent drop as in 3.1.1.
      protocolVersion: 5,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: 30,
    };
  }

  private connect(): void {
    const conn = ++this.conn;
    let client: MqttClient;
    try {
      client = mqtt.connect(this.deps.settings.url!, this.options());
    } catch (err) {
      this.fail(conn, 'connect', err);
      return;
    }
    this.client = client;
    client.on('connect', () => {
      if (conn !== this.conn) return;
      this.connected = true;
      this.paused = false;
      this.deps.metrics.uplinkConnected.set(1);
      this.backoffMs = this.deps.settings.backoff.minMs;
      this.deps.log.info({ broker: this.broker, from: this.acked.seq }, 'uplink connected');
      this.rewind();
      this.pump();
      client.subscribe(resendTopic(this.deps.siteId), { qos: 1 }, (err) => {
        if (err) this.deps.log.warn({ err }, 'uplink cannot hear resend requests');
      });
      this.beacon.publish();
    });
    client.on('message', (topic, payload) => {
      if (conn === this.conn && topic === resendTopic(this.deps.siteId)) this.resender.onRequest(payload);
    });
    client.on('packetreceive', (p: Packet) => {
      if (p.cmd === 'puback' && p.reasonCode === RC_NO_MATCHING_SUBSCRIBERS && p.messageId !== undefined) this.noSubscribers.add(p.messageId);
    });
    client.on('error', (err) => this.fail(conn, 'connection', err));
    client.on('close', () => this.fail(conn, 'connection', new Error('connection closed')));
  }

  /** Drops the connection and everything in flight; the cursor decides what goes again. */
  private fail(conn: number, kind: string, err: unknown): void {
    if (conn !== this.conn || this.stopped) return;
    this.conn++;
    const message = err instanceof Error ? err.message : String(err);
    this.lastError = `${kind}: ${message}`;
    this.deps.metrics.uplinkFailures.inc({ kind });
    this.deps.metrics.uplinkConnected.set(0);
    this.connected = false;
    this.client?.end(true);
    this.client = null;
    this.rewind();
    this.deps.log.warn({ err: message, kind, retryMs: this.backoffMs }, 'uplink down; will retry');
    this.retryLater(() => this.connect());
  }

  private retryLater(then: () => void): void {
    const delay = Math.round(this.backoffMs * (0.5 + Math.random() / 2));
    this.backoffMs = Math.min(this.deps.settings.backoff.maxMs, this.backoffMs * 2);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) then();
    }, delay);
  }

  private rewind(): void {
    this.epoch++;
    for (const f of this.inflight) clearTimeout(f.timer);
    this.inflight = [];
    this.readSeq = this.acked.seq;
    this.noSubscribers.clear();
  }

  private pump(): void {
    const client = this.client;
    if (!client || !this.connected || this.stopped || this.paused) return;
    const s = this.deps.settings;
    while (this.inflight.length < s.windowSize) {
      const batch = buildBatch(this.deps.siteId, this.outbox.read(this.readSeq, s.batchSize), this.policy, this.broker);
      if (!batch) break;
      this.readSeq = batch.last.seq;
      const conn = this.conn;
      const flight: Flight = {
        ...batch,
        epoch: this.epoch,
        acked: false,
        timer: setTimeout(() => this.fail(conn, 'timeout', new Error(`no PUBACK within ${s.ackTimeoutSeconds} s`)), s.ackTimeoutSeconds * 1000),
      };
      this.inflight.push(flight);
      client.publish(this.topic, batch.body, { qos: 1 }, (err, packet) => this.onAck(conn, flight, err, packet?.messageId));
    }
  }

  private onAck(conn: number, flight: Flight, err: Error | undefined, messageId: number | undefined): void {
    clearTimeout(flight.timer);
    if (conn !== this.conn || flight.epoch !== this.epoch) return;
    if (err) {
      this.fail(conn, 'refused', err);
      return;
    }
    if (messageId !== undefined && this.noSubscribers.delete(messageId)) {
      // Nobody in the region has subscribed (not even an offline persistent session): the broker
      // dropped it. Keep the connection, rewind, and try again after a pause.
      this.lastError = 'no regional subscriber took the events';
      this.deps.metrics.uplinkFailures.inc({ kind: 'no-subscribers' });
      this.rewind();
      this.paused = true;
      this.retryLater(() => {
        this.paused = false;
        this.pump();
      });
      return;
    }
    flight.acked = true;
    const done: Flight[] = [];
    while (this.inflight[0]?.acked) done.push(this.inflight.shift()!);
    if (done.length > 0) this.commits = this.commits.then(() => this.commit(done));
    this.pump();
  }

  /** Custody first, then the cursor: a crash in between re-sends, and the dedupe key absorbs the repeat. */
  private async commit(done: Flight[]): Promise<void> {
    const epoch = done[0]!.epoch;
    if (epoch !== this.epoch) return;
    try {
      const custody = done.flatMap((f) => f.custody);
      if (custody.length > 0) await Promise.all(custody.map((c) => this.deps.journal.append(c)));
      if (epoch !== this.epoch) return;
      const last = done[done.length - 1]!.last;
      // The broker has these: a rewind while the journal's writer saves the cursor goes back to here, not before.
      this.acked = last;
      await this.outbox.save(last);
      this.lastError = null;
      this.beacon.schedule();
      for (const f of done) for (const [mode, n] of Object.entries(f.modes)) this.deps.metrics.uplinkEvents.inc({ mode }, n);
    } catch (err) {
      this.deps.log.error({ err }, 'uplink could not record what it sent');
      this.fail(this.conn, 'commit', err);
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    for (const f of this.inflight) clearTimeout(f.timer);
    this.inflight = [];
    await this.commits;
    // The cursor is final now: tell the region how far the broker got.
    await this.beacon.final();
    const client = this.client;
    this.client = null;
    this.connected = false;
    this.deps.metrics.uplinkConnected.set(0);
    this.deps.metrics.uplinkLag = null;
    if (client) await client.endAsync(true);
    this.outbox.close();
  }
}
