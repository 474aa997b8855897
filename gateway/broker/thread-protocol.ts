/**
 * The channel between the gateway's main thread and its broker thread (broker-worker.ts).
 *
 * Each side gathers what it has to say during one event-loop turn and posts it as one array
 * (`Outbox`): a thousand PUBLISHes read in one turn cost one message between the threads, not a
 * thousand. Messages are handled in the order they were posted.
 */
import type { MessagePort } from 'node:worker_threads';
import type { LoginOutcome } from '../auth/accounts';
import type { RateLimit } from '../auth/token-bucket';
import type { KnownIds } from '../ingest';
import type { AppendInput } from '../journal/types';
import type { ClientIdIndex } from './client-ids';

/** What the broker thread is started with (everything the broker needs that is not a service). */
export interface BrokerThreadData {
  host: string;
  port: number;
  maxPacketSize: number;
  knownIds: KnownIds;
  clientIds: ClientIdIndex;
  connectLimit: RateLimit;
  emergencyStatus: ReadonlySet<number>;
  /** The main logger's level value: lower levels are not relayed at all. */
  logLevel: number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Counters the broker thread keeps and hands over with its next message (metrics.ts). */
export type MetricDelta =
  | ['clients', '', number]
  | ['security', string, number]
  | ['in', string, number] // `${class} ${outcome}`
  | ['quarantined', string, number]
  | ['throttled', string, number]
  | ['out', string, number];

/** A journal append, its payload already serialised (as the journal would) in the broker thread. */
export type WireAppend = Omit<AppendInput, 'payload'> & { payloadJson: string };

/** Main thread → broker thread. */
export type ToBroker =
  | { kind: 'stop' }
  | { kind: 'disconnect-account'; username: string }
  | { kind: 'publish'; id: number; topic: string; payload: string; qos: 0 | 1; retain: boolean }
  | { kind: 'admit'; id: number; address: string }
  | { kind: 'login'; id: number; outcome: LoginOutcome; limit: RateLimit }
  | { kind: 'login-failed'; id: number; message: string }
  | { kind: 'appended'; id: number; error: string | null }
  | StreamMessage;

/** Broker thread → main thread. */
export type FromBroker =
  | { kind: 'listening'; port: number }
  | { kind: 'start-failed'; message: string; code: string | null }
  | { kind: 'stopped' }
  | { kind: 'published'; id: number; error: string | null }
  | { kind: 'admitted'; id: number; ok: boolean }
  | { kind: 'login'; id: number; username: string; password: string; address: string }
  | { kind: 'append'; id: number; input: WireAppend }
  | { kind: 'metrics'; deltas: MetricDelta[] }
  | { kind: 'log'; level: LogLevel; obj: Record<string, unknown>; msg: string | undefined }
  | StreamMessage;

/**
 * A connection the main thread accepted (MQTT over WebSocket on the HTTP server, MQTT over
 * TLS) relayed to the broker thread byte for byte; both directions use the same messages.
 * `ack` answers `data` once written (the writer's backpressure); `pause` / `resume` ask the other
 * side to stop / start reading.
 */
export type StreamMessage =
  | { kind: 'stream-open'; sid: number; address: string }
  | { kind: 'stream-data'; sid: number; chunks: Uint8Array[] }
  | { kind: 'stream-ack'; sid: number }
  | { kind: 'stream-pause'; sid: number }
  | { kind: 'stream-resume'; sid: number }
  | { kind: 'stream-end'; sid: number }
  | { kind: 'stream-destroy'; sid: number };

/**
 * Gathers one turn's messages and posts them as one array, on `setImmediate`. `last` adds a
 * message of its own at the end of each batch (the broker thread's counters since the last one).
 */
export class Outbox<M> {
  private queue: M[] = [];
  private scheduled = false;

  constructor(
    private readonly port: Pick<MessagePort, 'postMessage'>,
    private readonly last: () => M | null = () => null,
  ) {}

  send(message: M): void {
    this.queue.push(message);
    this.schedule();
  }

  /** Makes sure a batch goes this turn, for `last` to say something even if nothing was sent. */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Posts now what has been gathered (the turn's end, or before the thread stops). */
  flush(): void {
    this.scheduled = false;
    const last = this.last();
    if (last) this.queue.push(last);
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.port.postMessage(batch);
  }
}
