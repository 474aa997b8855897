/**
 * The broker thread (started by BrokerThread, broker-thread.ts): aedes, the access checks, the
 * validation of every inbound message and its forwarding to subscribers run here, on their own
 * core, so neither the projections and consoles on the main thread delay a forward nor a burst
 * of MQTT delays the consoles. What needs the gateway's services goes to the main thread as
 * messages: logins (accounts and lockouts live there), journal appends (a PUBACK still waits for
 * the commit), counters and log lines.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LoginOutcome, Principal } from '../auth/accounts';
import type { RateLimit } from '../auth/token-bucket';
import { isUrgent } from '../journal/lanes';
import type { AppendInput } from '../journal/types';
import { MqttBroker, type BrokerAccounts, type BrokerJournal, type BrokerLog, type BrokerMetrics } from './broker';
import { quietDisabledDebug } from './quiet-debug';
import { RelayedStream } from './stream-relay';
import { Outbox, type BrokerThreadData, type FromBroker, type LogLevel, type MetricDelta, type ToBroker } from './thread-protocol';

const port = parentPort;
if (!port) throw new Error('broker-worker runs only as a worker thread');
// Before aedes is loaded (MqttBroker.start).
quietDisabledDebug();
const data = workerData as BrokerThreadData;

/** Counters since the last batch, by `kind label`; sent at the end of each batch. */
const counts = new Map<string, MetricDelta>();
const count = (kind: MetricDelta[0], label: string): void => {
  outbox.schedule();
  const key = `${kind}\u0000${label}`;
  const d = counts.get(key);
  if (d) d[2] += 1;
  else counts.set(key, [kind, label, 1] as MetricDelta);
};
const outbox = new Outbox<FromBroker>(port, () => {
  if (counts.size === 0) return null;
  const deltas = [...counts.values()];
  counts.clear();
  return { kind: 'metrics', deltas };
});
const send = (m: FromBroker): void => outbox.send(m);

/** Requests awaiting the main thread's answer, by id. */
const calls = new Map<number, (reply: ToBroker) => void>();
let nextId = 1;
function ask(make: (id: number) => FromBroker): Promise<ToBroker> {
  const id = nextId++;
  return new Promise((resolve) => {
    calls.set(id, resolve);
    send(make(id));
  });
}
function answer(id: number, reply: ToBroker): void {
  const call = calls.get(id);
  calls.delete(id);
  call?.(reply);
}

const metrics: BrokerMetrics = {
  clients: (delta) => {
    outbox.schedule();
    const d = counts.get('clients\u0000');
    if (d) d[2] += delta;
    else counts.set('clients\u0000', ['clients', '', delta]);
  },
  securityEvent: (kind) => count('security', kind),
  messageIn: (cls, outcome) => count('in', `${cls} ${outcome}`),
  quarantined: (reason) => count('quarantined', reason),
  throttled: (action) => count('throttled', action),
  messageOut: (cls) => count('out', cls),
};

/** Error objects as plain data (a log line must survive the trip between threads). */
function plain(obj: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(obj, (_key, value: unknown) =>
      value instanceof Error ? { type: value.name, message: value.message, stack: value.stack, ...(value as { code?: unknown }) } : value,
    ),
  ) as Record<string, unknown>;
}

const LEVELS: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };
const relay =
  (level: LogLevel) =>
  (obj: Record<string, unknown>, msg?: string): void => {
    if (LEVELS[level] >= data.logLevel) send({ kind: 'log', level, obj: plain(obj), msg });
  };
const log: BrokerLog = { debug: relay('debug'), info: relay('info'), warn: relay('warn'), error: relay('error') };

/** Each principal's publish limit, as the main thread's accounts set it at login. */
const limits = new WeakMap<Principal, RateLimit>();
const accounts: BrokerAccounts = {
  async login(username, password, address): Promise<LoginOutcome> {
    const reply = await ask((id) => ({ kind: 'login', id, username, password, address }));
    if (reply.kind === 'login-failed') throw new Error(reply.message);
    if (reply.kind !== 'login') throw new Error(`broker thread: unexpected answer ${reply.kind} to a login`);
    if (reply.outcome.ok) limits.set(reply.outcome.principal, reply.limit);
    return reply.outcome;
  },
  publishLimitFor(principal) {
    const limit = limits.get(principal);
    if (!limit) throw new Error(`broker thread: no publish limit for ${principal.username}`);
    return limit;
  },
};

let stopping = false;
const journal: BrokerJournal = {
  async append(input: AppendInput): Promise<void> {
    const { payload, ...rest } = input;
    const asked = ask((id) => ({ kind: 'append', id, input: { ...rest, payloadJson: JSON.stringify(payload ?? null) } }));
    // An emergency does not wait for the end of this turn (a busy one reads hundreds of packets).
    if (isUrgent(input)) outbox.flush();
    const reply = await asked;
    if (reply.kind === 'appended' && reply.error !== null) throw new Error(reply.error);
  },
  get isOpen() {
    return !stopping;
  },
};

const broker = new MqttBroker({ ...data, accounts, journal, metrics, log });
const relayed = new Map<number, RelayedStream>();

async function stop(): Promise<void> {
  await broker.stop();
  stopping = true;
  for (const s of relayed.values()) s.destroy();
  send({ kind: 'stopped' });
  outbox.flush();
}

function onMessage(m: ToBroker): void {
  switch (m.kind) {
    case 'login':
    case 'login-failed':
    case 'appended':
      answer(m.id, m);
      return;
    case 'admit':
      send({ kind: 'admitted', id: m.id, ok: broker.admit(m.address) });
      return;
    case 'publish':
      broker.publishRaw(m.topic, Buffer.from(m.payload), m.qos, m.retain).then(
        () => send({ kind: 'published', id: m.id, error: null }),
        (err: Error) => send({ kind: 'published', id: m.id, error: err.message }),
      );
      return;
    case 'disconnect-account':
      broker.disconnectAccount(m.username);
      return;
    case 'stop':
      stop().catch((err: unknown) => {
        log.error({ err }, 'broker did not stop cleanly');
        send({ kind: 'stopped' });
        outbox.flush();
      });
      return;
    case 'stream-open': {
      const stream = new RelayedStream(m.sid, m.address, send);
      relayed.set(m.sid, stream);
      stream.once('close', () => relayed.delete(m.sid));
      broker.handle(stream);
      return;
    }
    case 'stream-data':
      relayed.get(m.sid)?.deliver(m.chunks);
      return;
    case 'stream-ack':
      relayed.get(m.sid)?.written();
      return;
    case 'stream-end':
      relayed.get(m.sid)?.ended();
      return;
    case 'stream-destroy':
      relayed.get(m.sid)?.destroy();
      return;
    case 'stream-pause':
    case 'stream-resume':
      // The main thread never pauses its own writes to us: the ack is the backpressure.
      return;
  }
}

port.on('message', (batch: ToBroker[]) => {
  for (const m of batch) onMessage(m);
});

broker.start().then(
  () => send({ kind: 'listening', port: broker.port }),
  (err: Error & { code?: unknown }) => {
    send({ kind: 'start-failed', message: err.message, code: typeof err.code === 'string' ? err.code : null });
    outbox.flush();
  },
);
