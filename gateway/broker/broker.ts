import { hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Aedes, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import type { LoginOutcome, Principal } from '../auth/accounts';
import type { Lockout } from '../auth/login-throttle';
import { PublishThrottle } from '../auth/publish-throttle';
import type { RateLimit } from '../auth/token-bucket';
import { dedupeKey, QUARANTINE_RAW_CAP, quarantineEvent, validateInbound, type InboundContext, type KnownIds } from '../ingest';
import type { AppendInput } from '../journal/types';
import { topicClass } from '../metrics';
import { decidePublish, mayReceive, maySubscribe } from './acl';
import { decideClientId, type ClientIdIndex } from './client-ids';
import { ConnectionLimiter } from './connection-limiter';
import { corkPerTurn } from './cork';
import { limitPacketSize } from './packet-limit';
import { PubAcks, type HeldAck } from './pubacks';
import { SecurityDigest } from './security-digest';
import { guardStrings } from './utf8-guard';
import { listen } from './listen';

/** The gateway's own publishes (downlinks to radios and terminals): the broker, or its thread. */
export interface MqttPublisher {
  publish(topic: string, payload: unknown, qos?: 0 | 1, retain?: boolean): Promise<void>;
}

/** Logins and publish limits: the gateway's accounts (gateway/auth/accounts.ts). */
export interface BrokerAccounts {
  login(username: string, password: string, address: string): Promise<LoginOutcome>;
  publishLimitFor(principal: Principal): RateLimit;
}

/** Where the broker's events go: the journal (an append resolves once committed). */
export interface BrokerJournal {
  append(input: AppendInput): Promise<unknown>;
  readonly isOpen: boolean;
}

/** What the broker counts (gateway/metrics.ts holds the counters these feed). */
export interface BrokerMetrics {
  clients(delta: 1 | -1): void;
  securityEvent(kind: string): void;
  messageIn(cls: string, outcome: 'accepted' | 'quarantined' | 'denied'): void;
  quarantined(reason: string): void;
  throttled(action: 'dropped' | 'delayed'): void;
  messageOut(cls: string): void;
}

type LogFn = (obj: Record<string, unknown>, msg?: string) => void;
/** The few logger methods the broker uses (a pino Logger, or the broker thread's relay of one). */
export interface BrokerLog {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export interface BrokerOptions {
  host: string;
  port: number;
  maxPacketSize: number;
  accounts: BrokerAccounts;
  journal: BrokerJournal;
  metrics: BrokerMetrics;
  log: BrokerLog;
  /** Ids topic parameters must name (configured cameras); others are quarantined. */
  knownIds?: KnownIds;
  /** Who owns which client id (client-ids.ts). */
  clientIds: ClientIdIndex;
  /** New connections per remote address, TCP and WebSocket alike. */
  connectLimit: RateLimit;
  /** `radio.status` values that are emergencies (radio/emergency-status.ts): committed in the urgent lane. */
  emergencyStatus?: ReadonlySet<number>;
}

/** Repeated refusals are journaled as one summary per address or account and minute. */
const DIGEST_WINDOW_MS = 60_000;
const DIGEST_MAX_KEYS = 1000;

/** CONNACK return codes of MQTT 3.1.1 (§3.2.2.3). */
const CONNACK_IDENTIFIER_REJECTED = 2;
const CONNACK_NOT_AUTHORIZED = 5;

/** The peer address of a TCP client, or of the HTTP request a WebSocket client came in on. */
function remoteAddress(client: Client): string {
  return streamAddress(client.conn, client.req);
}

function streamAddress(stream: Duplex, req?: IncomingMessage): string {
  return (stream as Partial<Socket>).remoteAddress ?? req?.socket?.remoteAddress ?? 'unknown';
}

function authError(message: string, returnCode: number): AuthenticateError {
  const err = new Error(message) as AuthenticateError;
  err.returnCode = returnCode;
  return err;
}

type Forward = (packet: PublishPacket, client: Client | null, done: (err?: Error) => void) => void;

/**
 * The embedded MQTT broker. Access policy is injected as aedes hooks; every inbound publish is
 * validated against the topic contract and journaled before aedes sends its PUBACK, so an
 * acknowledged message is durable. Invalid messages are acknowledged too (the publisher's
 * session goes on) but quarantined with their reason and never forwarded.
 *
 * Forward on validation, acknowledge on commit: a valid publish is handed to subscribers as
 * soon as it is validated, while its journal append is still waiting for the group commit;
 * `authorizePublish` calls back (and aedes sends the PUBACK) only after the commit. aedes would
 * then route the packet a second time, so the broker takes over aedes's `publish` and lets
 * through once every packet it has already routed (or refused). If the gateway dies between
 * the two, subscribers have the message, the publisher has no PUBACK and resends it: QoS 1
 * allows the duplicate delivery, and the journal keeps one (its dedupe key). QoS 2 (exactly once)
 * is routed by aedes after the commit, as before: only aedes's incoming store knows a resend.
 */
export class MqttBroker implements MqttPublisher {
  private aedes: Aedes | null = null;
  private server: Server | null = null;
  private readonly principals = new WeakMap<Client, Principal>();
  /** Clients past CONNECT, until they disconnect. */
  private readonly connected = new Set<Client>();
  /** Clients whose CONNECT had an empty id with CleanSession=0 ([MQTT-3.1.3-8]). */
  private readonly idless = new WeakSet<Client>();
  /** Clients whose CONNECT had an empty id with CleanSession=1: aedes made one up for them. */
  private readonly assignedId = new WeakSet<Client>();
  /** Clients closed for a malformed string: journaled where it was caught, not again as an error. */
  private readonly badString = new WeakSet<Client>();
  private readonly limiter: ConnectionLimiter;
  private readonly digest: SecurityDigest;
  /** Payload buffers that were quarantined: aedes forwards the same Buffer, so we can stop it. */
  private readonly quarantined = new WeakSet<Buffer>();
  /** Inbound packets already routed (or never to be): aedes's own `publish` of them is skipped. */
  private readonly routed = new WeakSet<PublishPacket>();
  /** aedes's own `publish`: routes a packet to subscribers, retained store and offline queues. */
  private forward: Forward | null = null;
  /** QoS 1 acknowledgements that follow their commit, in arrival order. */
  private readonly pubacks = new PubAcks<Client>((client) => client.conn);
  private readonly throttle = new PublishThrottle<Client, InboundContext>((first, count) => void this.recordDropped(first, count));

  constructor(private readonly opts: BrokerOptions) {
    this.limiter = new ConnectionLimiter(opts.connectLimit);
    this.digest = new SecurityDigest({ record: (input) => this.record(input), windowMs: DIGEST_WINDOW_MS, maxKeys: DIGEST_MAX_KEYS });
  }

  async start(): Promise<void> {
    // Loaded here rather than imported: the broker thread first makes mqtt-packet's disabled
    // debug calls free (quiet-debug.ts), which must happen before mqtt-packet is loaded.
    const { Aedes } = await import('aedes');
    const aedes = await Aedes.createBroker({
      // No cap on messages being delivered at once. With aedes's default (100), a backlog
      // waits in mqemitter's array queue, whose shift() is O(n) once the array is large: under
      // overload each delivery then costs more the longer the backlog, and it never drains.
      concurrency: 0,
      preConnect: (client, packet, done) => {
        if (packet.clientId === '' && packet.clean === false) this.idless.add(client);
        if (packet.clientId === '' && packet.clean) this.assignedId.add(client);
        done(null, true);
      },
      authenticate: (client, username, password, done) => {
        this.authenticate(client, username, password).then(
          (principal) => done(null, principal !== null),
          (err: AuthenticateError) => done(err, false),
        );
      },
      authorizePublish: (client, packet, done) => {
        this.authorizePublish(client, packet).then(
          () => done(null),
          (err: Error) => done(err),
        );
      },
      authorizeSubscribe: (client, sub, done) => done(null, this.authorizeSubscribe(client, sub)),
      authorizeForward: (client, packet) => {
        if (this.quarantined.has(packet.payload as Buffer)) return null;
        const principal = this.principals.get(client);
        return principal && mayReceive(principal, packet.topic) ? packet : null;
      },
    });
    this.takeOverPublish(aedes);
    aedes.on('client', (client) => {
      this.connected.add(client);
      this.opts.metrics.clients(1);
    });
    aedes.on('clientDisconnect', (client) => {
      this.connected.delete(client);
      this.opts.metrics.clients(-1);
      const p = this.principals.get(client);
      if (p)
        void this.record({
          source: `mqtt:${client.id}`,
          type: 'mqtt.disconnected',
          subject: `account:${p.username}`,
          payload: { clientId: client.id, username: p.username },
        });
    });
    aedes.on('clientError', (client, err) => {
      this.opts.log.debug({ clientId: client.id, err: err.message }, 'client error');
      this.onProtocolError(client, err);
    });
    aedes.on('connectionError', (_client, err) => {
      // Before CONNECT there is no account to hold to account: counted, not journaled.
      this.opts.log.debug({ err: err.message }, 'connection error');
      this.opts.metrics.securityEvent('protocol-error');
    });
    this.aedes = aedes;

    const server = createServer({ noDelay: true }, (socket: Socket) => {
      if (!this.admit(socket.remoteAddress ?? 'unknown')) {
        socket.destroy();
        return;
      }
      // Without TCP_NODELAY, small QoS 1 packets wait on Nagle and p99 latency balloons.
      socket.setNoDelay(true);
      this.handle(socket);
    });
    await listen(server, this.opts.port, this.opts.host);
    this.server = server;
    this.digest.start();
    this.opts.log.info({ port: this.port }, 'mqtt listening');
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /**
   * Whether a new connection from `address` is within its rate; call before reading a byte of
   * it and destroy the socket when not. Every refusal is counted; they are journaled in summary.
   */
  admit(address: string): boolean {
    if (this.limiter.admit(address)) return true;
    this.opts.metrics.securityEvent('connection-rate-limited');
    this.digest.note({
      type: 'security.connection-rate-limited',
      key: `addr:${address}`,
      source: 'mqtt',
      subject: null,
      reason: 'too many new connections from this address',
      payload: { address },
    });
    return false;
  }

  /**
   * aedes routes an inbound publish (`broker.publish(packet, client, done)`) only after the
   * PUBACK it writes when `authorizePublish` calls back. Packets the broker forwarded early, or
   * refused, are in `routed` and skipped there; everything else (the gateway's own downlinks,
   * Wills) goes through unchanged.
   */
  private takeOverPublish(aedes: Aedes): void {
    const original = aedes.publish.bind(aedes) as unknown as (packet: PublishPacket, a?: unknown, b?: unknown) => void;
    this.forward = (packet, client, done) => original(packet, client, done);
    const routed = this.routed;
    const publish = (packet: PublishPacket, a?: unknown, b?: unknown): void => {
      if (routed.has(packet)) {
        routed.delete(packet);
        const done = (typeof a === 'function' ? a : b) as ((err?: Error) => void) | undefined;
        done?.();
        return;
      }
      original(packet, a, b);
    };
    aedes.publish = publish;
  }

  /** Hands a validated inbound packet to subscribers now, before its commit. */
  private forwardNow(client: Client, packet: PublishPacket): void {
    const forward = this.forward;
    if (!forward) return;
    this.routed.add(packet);
    forward(packet, client, (err) => {
      if (err) this.opts.log.warn({ err, clientId: client.id }, 'could not forward publish');
    });
  }

  /** Serves one connection: TCP sockets, and MQTT-over-WebSocket streams from the HTTP server. */
  handle(stream: Duplex, req?: IncomingMessage): void {
    if (!this.aedes) {
      stream.destroy();
      return;
    }
    corkPerTurn(stream);
    const client = this.aedes.handle(stream, req);
    limitPacketSize(client, this.opts.maxPacketSize, (size) => {
      this.opts.metrics.securityEvent('oversize-packet');
      void this.record({ source: 'mqtt', type: 'security.oversize-packet', payload: { clientId: client.id ?? null, size, max: this.opts.maxPacketSize } });
    });
    const address = streamAddress(stream, req);
    guardStrings(client, (problem, packet) => {
      this.badString.add(client);
      this.opts.metrics.securityEvent('malformed-string');
      const p = this.principals.get(client);
      this.digest.note({
        type: 'security.malformed-string',
        key: p ? `account:${p.username}` : `addr:${address}`,
        source: client.id ? `mqtt:${client.id}` : 'mqtt',
        subject: p ? `account:${p.username}` : null,
        reason: problem === 'invalid-utf8' ? 'string is not valid UTF-8 [MQTT-1.5.3-1]' : 'string holds U+0000 [MQTT-1.5.3-2]',
        payload: { clientId: client.id ?? null, username: p?.username ?? null, address, packet },
      });
    });
  }

  /** Publishes from the gateway itself (downlinks); resolves when handed to subscribers. */
  publish(topic: string, payload: unknown, qos: 0 | 1 = 1, retain = false): Promise<void> {
    return this.publishRaw(topic, Buffer.from(JSON.stringify(payload)), qos, retain);
  }

  /** `publish` of a payload already serialised (the broker thread's downlinks from the main thread). */
  publishRaw(topic: string, payload: Buffer, qos: 0 | 1 = 1, retain = false): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) return Promise.reject(new Error('broker not started'));
    this.opts.metrics.messageOut(topicClass(topic));
    return new Promise((resolve, reject) => {
      aedes.publish({ cmd: 'publish', topic, payload, qos, retain, dup: false }, (err?: Error) => (err ? reject(err) : resolve()));
    });
  }

  /** Closes every connection of one account (the people screen disabled it or changed its role). */
  disconnectAccount(username: string): number {
    let closed = 0;
    for (const client of this.connected) {
      if (this.principals.get(client)?.username !== username) continue;
      client.close();
      closed++;
    }
    if (closed) this.opts.log.info({ username, closed }, 'account changed: its MQTT connections closed');
    return closed;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    // Stop accepting first; the server's close completes only once aedes has closed its clients.
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    const aedes = this.aedes;
    this.aedes = null;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await closed;
    // Last, while the journal is still open: the refusals counted since the last summary.
    await this.digest.stop();
  }

  private async authenticate(client: Client, username: string | undefined, password: Buffer | undefined): Promise<Principal> {
    const clientId = client.id;
    const address = remoteAddress(client);
    /**
     * Counted one by one, journaled in summary ([SecurityDigest]): before login, per address and
     * kind of refusal (an attacker chooses the username and client id freely); after, per account.
     */
    const refuse = (reason: string, code: number, key: string, extra: Record<string, unknown> = {}): never => {
      this.opts.metrics.securityEvent('connect-refused');
      this.digest.note({
        type: 'security.connect-refused',
        key,
        source: 'mqtt',
        subject: username ? `account:${username}` : null,
        reason,
        payload: { clientId: clientId.slice(0, 256), username: username?.slice(0, 64) ?? null, address, ...extra },
      });
      throw authError(reason, code);
    };
    if (this.idless.has(client)) return refuse('empty client id with CleanSession=0', CONNACK_IDENTIFIER_REJECTED, `addr:${address}/idless`);
    if (!username || !password) return refuse('anonymous connection', CONNACK_NOT_AUTHORIZED, `addr:${address}/anonymous`);
    const outcome = await this.opts.accounts.login(username, password.toString('utf8'), address);
    if (!outcome.ok && outcome.reason === 'locked') {
      // Not journaled one by one: a client hammering a locked account would flood the journal.
      // The lockout itself was journaled when it began.
      this.opts.metrics.securityEvent('login-locked-out');
      throw authError(`locked out for ${Math.ceil(outcome.lockout.ms / 1000)} s`, CONNACK_NOT_AUTHORIZED);
    }
    if (!outcome.ok) {
      for (const l of outcome.lockouts) void this.recordLockout(l, 'mqtt', clientId);
      return refuse('bad username or password', CONNACK_NOT_AUTHORIZED, `addr:${address}/credentials`);
    }
    const { principal } = outcome;
    // Before the session exists: a refused id never takes over (nor fires the Will of) its owner's.
    const id = this.assignedId.has(client) ? { ok: true as const } : decideClientId(this.opts.clientIds, username, clientId);
    if (!id.ok) return refuse(id.reason, CONNACK_IDENTIFIER_REJECTED, `account:${username}/client-id`, { owner: id.owner });
    this.principals.set(client, principal);
    this.throttle.connected(client, this.opts.accounts.publishLimitFor(principal));
    await this.record({
      source: `mqtt:${clientId}`,
      type: 'mqtt.connected',
      subject: `account:${username}`,
      payload: { clientId, username, role: principal.role },
    });
    return principal;
  }

  private async authorizePublish(client: Client | null, packet: PublishPacket): Promise<void> {
    const principal = client ? this.principals.get(client) : undefined;
    if (!client || !principal) throw new Error('publish from an unauthenticated client');
    // Its place in the line of acknowledgements is taken on arrival, before any wait.
    const ack = packet.qos === 1 ? this.pubacks.reserve(client, packet.messageId ?? 0) : null;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const ctx: InboundContext = {
      topic: packet.topic,
      clientId: client.id,
      username: principal.username,
      payload,
      messageId: packet.messageId,
      qos: packet.qos,
    };
    const cls = topicClass(packet.topic);
    const decision = decidePublish(principal, packet.topic);
    if (decision.kind === 'deny') {
      this.countIn(cls, 'denied');
      this.opts.metrics.securityEvent('publish-denied');
      await this.record({
        source: `mqtt:${client.id}`,
        type: 'security.publish-denied',
        subject: `account:${principal.username}`,
        payload: { clientId: client.id, username: principal.username, topic: packet.topic.slice(0, 512), reason: decision.reason },
      });
      // MQTT 3.1.1 cannot refuse one PUBLISH: closing the connection is the refusal ([MQTT-3.3.5-2]).
      throw new Error(`publish denied: ${decision.reason}`);
    }
    const admission = this.throttle.admit(client, packet.qos, ctx);
    if (admission.drop) {
      this.opts.metrics.throttled('dropped');
      this.quarantined.add(packet.payload as Buffer); // never forwarded, never retained
      this.routed.add(packet);
      packet.retain = false;
      return;
    }
    if (admission.waitMs > 0) {
      this.opts.metrics.throttled('delayed');
      await new Promise((r) => setTimeout(r, admission.waitMs));
    }
    const verdict = validateInbound(decision.kind === 'allow' ? decision.match : null, payload, this.opts.knownIds);
    const dedupe = dedupeKey(ctx, hash('sha256', payload, 'base64url').slice(0, 22));
    if (!verdict.ok) {
      this.quarantined.add(packet.payload as Buffer);
      this.routed.add(packet); // not routed at all
      packet.retain = false; // never keep a quarantined message as the retained state
      this.countIn(cls, 'quarantined');
      this.opts.metrics.quarantined(verdict.kind);
      await this.acknowledgeOnCommit(client, packet, ack, this.opts.journal.append({ ...quarantineEvent(ctx, verdict.kind, verdict.reason), dedupe }));
      return;
    }
    this.countIn(cls, 'accepted');
    // A position fix may be shed for a newer one of the same radio if the journal is overloaded.
    const coalesce = verdict.type === 'radio.position' && verdict.subject ? `position:${verdict.subject}` : undefined;
    const { ok: _accepted, subject, ...event } = verdict;
    const urgent = event.type === 'radio.status' && this.opts.emergencyStatus?.has(event.payload.value) === true;
    const committed = this.opts.journal.append({
      source: `mqtt:${client.id}`,
      subject,
      dedupe,
      ...(coalesce ? { coalesce } : {}),
      ...(urgent ? { urgent } : {}),
      ...event,
    });
    // QoS 2 keeps aedes's own order (stored, routed once, PUBREC): a resend of it must not be
    // delivered again, and only aedes's incoming store knows one.
    if (packet.qos < 2 && this.opts.journal.isOpen) this.forwardNow(client, packet);
    await this.acknowledgeOnCommit(client, packet, ack, committed);
  }

  /**
   * The PUBACK waits for the commit; a refused commit closes the connection unacknowledged,
   * and the publisher resends. For a QoS 1 PUBLISH already routed (or refused), the broker
   * writes the PUBACK itself (pubacks.ts), so that a connection's PUBACKs keep the order its
   * PUBLISHes came in ([MQTT-4.6.0-2]) when a later emergency is committed first, and so that
   * aedes, told the packet is QoS 0, is done with it at once. Otherwise (QoS 2, a journal
   * closing, a connection with too many unacknowledged) aedes acknowledges when this resolves.
   */
  private async acknowledgeOnCommit(client: Client, packet: PublishPacket, ack: HeldAck | null, committed: Promise<unknown>): Promise<void> {
    if (ack && this.routed.has(packet) && !this.pubacks.full(client)) {
      packet.qos = 0;
      committed.then(
        () => this.pubacks.ready(client, ack),
        (err: unknown) => {
          this.opts.log.warn({ err, clientId: client.id }, 'commit refused: closing the connection unacknowledged');
          client.close();
        },
      );
      return;
    }
    try {
      await committed;
    } finally {
      if (ack) this.pubacks.forget(client, ack); // aedes writes this one itself
    }
  }

  private countIn(cls: string, outcome: 'accepted' | 'quarantined' | 'denied'): void {
    this.opts.metrics.messageIn(cls, outcome);
  }

  /**
   * A malformed packet from a logged-in client closes its connection (MQTT 3.1.1 has no other
   * answer); the reason is journaled against its account. The line going away (resets,
   * keepalive) is not misbehaviour, and an oversize packet is journaled where it is caught.
   */
  private onProtocolError(client: Client, err: Error & { code?: string }): void {
    const p = this.principals.get(client);
    if (!p || err.code || this.badString.has(client) || /^(connection closed|keep alive timeout)$|exceeds maxPacketSize/.test(err.message)) return;
    this.opts.metrics.securityEvent('protocol-error');
    void this.record({
      source: `mqtt:${client.id}`,
      type: 'security.protocol-error',
      subject: `account:${p.username}`,
      payload: { clientId: client.id, username: p.username, error: err.message.slice(0, 200) },
    });
  }

  /** QoS 0 dropped over the publish limit: one quarantine record per client per second, with the count. */
  private async recordDropped(first: InboundContext, count: number): Promise<void> {
    const raw = first.payload.subarray(0, QUARANTINE_RAW_CAP);
    await this.record({
      source: `mqtt:${first.clientId}`,
      type: 'quarantine.message',
      subject: `account:${first.username}`,
      payload: {
        topic: first.topic.slice(0, 512),
        clientId: first.clientId,
        username: first.username,
        kind: 'rate-limit',
        reason: `QoS 0 flood: ${count} message(s) dropped beyond the publish limit; the first is kept here`,
        dropped: count,
        size: first.payload.length,
        rawBase64: raw.toString('base64'),
        truncated: raw.length < first.payload.length,
      },
    });
  }

  private async recordLockout(l: Lockout, via: string, clientId: string | null): Promise<void> {
    this.opts.metrics.securityEvent('lockout');
    await this.record({
      source: via,
      type: 'security.lockout',
      subject: l.scope === 'username' ? `account:${l.key.slice(5)}` : null,
      payload: { scope: l.scope, key: l.key, failures: l.failures, lockedForMs: l.ms, clientId, ip: l.address },
    });
  }

  private authorizeSubscribe(client: Client, sub: Subscription): Subscription | null {
    const principal = this.principals.get(client);
    if (principal && maySubscribe(principal, sub.topic)) return sub;
    this.opts.metrics.securityEvent('subscribe-denied');
    this.digest.note({
      type: 'security.subscribe-denied',
      key: principal ? `account:${principal.username}` : `addr:${remoteAddress(client)}`,
      source: `mqtt:${client.id}`,
      subject: principal ? `account:${principal.username}` : null,
      reason: "topic filter outside the account's subscriptions",
      payload: { clientId: client.id, username: principal?.username ?? null, topic: sub.topic.slice(0, 512) },
    });
    return null; // SUBACK 0x80 for this topic
  }

  /** Journals a broker-side event; a failure is logged, never thrown into aedes. */
  private async record(input: AppendInput): Promise<void> {
    try {
      await this.opts.journal.append(input);
    } catch (err) {
      this.opts.log.error({ err, type: input.type }, 'could not journal broker event');
    }
  }
}
