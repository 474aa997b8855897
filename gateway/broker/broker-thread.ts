import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Accounts } from '../auth/accounts';
import type { Journal } from '../journal/journal';
import type { AppendInput } from '../journal/types';
import type { Metrics } from '../metrics';
import { startWorker } from '../worker-thread';
import { ConnectionRelays } from './stream-relay';
import { Outbox, type BrokerThreadData, type FromBroker, type MetricDelta, type ToBroker } from './thread-protocol';

export interface BrokerThreadOptions extends Omit<BrokerThreadData, 'logLevel'> {
  accounts: Accounts;
  journal: Journal;
  metrics: Metrics;
  log: Logger;
}

/** How long the broker thread has to close its clients and record its last refusals. */
const STOP_TIMEOUT_MS = 5_000;

/**
 * The embedded MQTT broker, run in a thread of its own (broker-worker.ts runs broker.ts there).
 * MQTT connections are accepted, authorised, validated and forwarded on that thread; this, the
 * main thread's end, answers its logins from the accounts, makes its events durable in the
 * journal (so a PUBACK still follows the commit, and committed events reach the projections as
 * any other), counts its metrics and logs its lines. Connections the main thread accepts (MQTT
 * over WebSocket on the HTTP server, MQTT over TLS) are relayed to it byte for byte.
 */
export class BrokerThread {
  private worker: Worker | null = null;
  private outbox: Outbox<ToBroker> | null = null;
  private relays: ConnectionRelays | null = null;
  private listeningPort = 0;
  private nextId = 1;
  private readonly calls = new Map<number, (reply: FromBroker) => void>();
  private stopped: (() => void) | null = null;

  constructor(private readonly opts: BrokerThreadOptions) {}

  async start(): Promise<void> {
    const { accounts: _a, journal: _j, metrics: _m, log, ...rest } = this.opts;
    const data: BrokerThreadData = { ...rest, logLevel: log.levelVal };
    const worker = startWorker(new URL('./broker-worker.ts', import.meta.url), 'broker-worker', { workerData: data });
    this.worker = worker;
    const outbox = new Outbox<ToBroker>(worker);
    this.outbox = outbox;
    this.relays = new ConnectionRelays((m) => outbox.send(m));
    const started = new Promise<number>((resolve, reject) => {
      this.calls.set(0, (m) => {
        if (m.kind === 'listening') resolve(m.port);
        else if (m.kind === 'start-failed') reject(Object.assign(new Error(m.message), m.code ? { code: m.code } : {}));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`broker thread exited (code ${code}) before listening`)));
    });
    worker.on('message', (batch: FromBroker[]) => {
      for (const m of batch) this.onMessage(m);
    });
    worker.on('error', (err) => this.opts.log.error({ err }, 'broker thread failed'));
    worker.on('exit', (code) => this.exited(code));
    try {
      this.listeningPort = await started;
    } catch (err) {
      this.calls.delete(0);
      await this.terminate();
      throw err;
    }
    this.calls.delete(0);
  }

  get port(): number {
    return this.listeningPort;
  }

  get listening(): boolean {
    return this.worker !== null && this.listeningPort !== 0;
  }

  /**
   * Whether a new connection from `address` is within the per-address rate the broker keeps
   * for TCP connections too; ask before reading a byte of it and destroy the socket when not.
   */
  async admit(address: string): Promise<boolean> {
    const reply = await this.ask((id) => ({ kind: 'admit', id, address }));
    return reply.kind === 'admitted' && reply.ok;
  }

  /** Serves a connection the main thread accepted (MQTT over WebSocket, over TLS). */
  handle(stream: Duplex, req?: IncomingMessage): void {
    if (!this.relays || !this.listening) {
      stream.destroy();
      return;
    }
    const address = (stream as Partial<{ remoteAddress: string }>).remoteAddress ?? req?.socket?.remoteAddress ?? 'unknown';
    this.relays.open(stream, address);
  }

  /** Publishes from the gateway itself (downlinks); resolves when handed to subscribers. */
  async publish(topic: string, payload: unknown, qos: 0 | 1 = 1, retain = false): Promise<void> {
    if (!this.listening) throw new Error('broker not started');
    const json = JSON.stringify(payload);
    const reply = await this.ask((id) => ({ kind: 'publish', id, topic, payload: json, qos, retain }));
    if (reply.kind !== 'published') throw new Error('broker stopped');
    if (reply.error !== null) throw new Error(reply.error);
  }

  /**
   * Closes every MQTT connection of one account: a person disabled, or given another role,
   * must not keep reading through a connection that logged in as they were.
   */
  disconnectAccount(username: string): void {
    this.outbox?.send({ kind: 'disconnect-account', username });
  }

  /** Closes every client (their sessions end as on any broker stop), then the thread. */
  async stop(): Promise<void> {
    const worker = this.worker;
    const outbox = this.outbox;
    if (!worker || !outbox) return;
    this.listeningPort = 0;
    const stopped = new Promise<void>((resolve) => {
      this.stopped = resolve;
      setTimeout(resolve, STOP_TIMEOUT_MS).unref();
    });
    outbox.send({ kind: 'stop' });
    await stopped;
    await this.terminate();
  }

  private async terminate(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.outbox = null;
    this.relays?.closeAll();
    this.relays = null;
    this.listeningPort = 0;
    for (const call of this.calls.values()) call({ kind: 'stopped' });
    this.calls.clear();
    if (worker) await worker.terminate();
  }

  private exited(code: number): void {
    if (!this.worker) return; // stopped on purpose
    this.opts.log.error({ code }, 'broker thread exited: MQTT is down');
    this.worker = null;
    this.listeningPort = 0;
    this.relays?.closeAll();
  }

  private ask(make: (id: number) => ToBroker): Promise<FromBroker> {
    const outbox = this.outbox;
    if (!outbox) return Promise.reject(new Error('broker not started'));
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.calls.set(id, resolve);
      outbox.send(make(id));
    });
  }

  private answer(id: number, reply: FromBroker): void {
    const call = this.calls.get(id);
    this.calls.delete(id);
    call?.(reply);
  }

  private onMessage(m: FromBroker): void {
    switch (m.kind) {
      case 'listening':
      case 'start-failed':
        this.calls.get(0)?.(m);
        return;
      case 'stopped':
        this.stopped?.();
        return;
      case 'published':
      case 'admitted':
        this.answer(m.id, m);
        return;
      case 'login':
        this.login(m.id, m.username, m.password, m.address);
        return;
      case 'append':
        this.append(m.id, m.input);
        return;
      case 'metrics':
        for (const d of m.deltas) this.count(d);
        return;
      case 'log':
        this.opts.log[m.level](m.obj, m.msg);
        return;
      default:
        this.relays?.onMessage(m);
    }
  }

  private login(id: number, username: string, password: string, address: string): void {
    const { accounts } = this.opts;
    accounts.login(username, password, address).then(
      (outcome) => {
        const limit = outcome.ok ? accounts.publishLimitFor(outcome.principal) : { perSecond: 0, burst: 0 };
        this.outbox?.send({ kind: 'login', id, outcome, limit });
      },
      (err: Error) => this.outbox?.send({ kind: 'login-failed', id, message: err.message }),
    );
  }

  private append(id: number, input: Extract<FromBroker, { kind: 'append' }>['input']): void {
    const { payloadJson, ...rest } = input;
    let payload: unknown;
    try {
      payload = JSON.parse(payloadJson);
    } catch (err) {
      this.outbox?.send({ kind: 'appended', id, error: (err as Error).message });
      return;
    }
    // The broker thread's own AppendInput, its payload round-tripped through JSON.
    this.opts.journal.appendSerialized({ ...rest, payload } as AppendInput, payloadJson).then(
      () => this.outbox?.send({ kind: 'appended', id, error: null }),
      (err: Error) => this.outbox?.send({ kind: 'appended', id, error: err.message }),
    );
  }

  private count([kind, label, n]: MetricDelta): void {
    const m = this.opts.metrics;
    switch (kind) {
      case 'clients':
        if (n >= 0) m.clients.inc(n);
        else m.clients.dec(-n);
        return;
      case 'security':
        m.securityEvents.inc({ kind: label }, n);
        return;
      case 'in': {
        const [cls = '', outcome = ''] = label.split(' ');
        m.messagesIn.inc({ class: cls, outcome }, n);
        return;
      }
      case 'quarantined':
        m.quarantined.inc({ reason: label }, n);
        return;
      case 'throttled':
        m.throttled.inc({ action: label }, n);
        return;
      case 'out':
        m.messagesOut.inc({ class: label }, n);
        return;
    }
  }
}
