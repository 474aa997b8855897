import { connect } from 'node:net';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Gateway } from '../../gateway/app';
import { addressKey, ConnectionLimiter } from '../../gateway/broker/connection-limiter';
import { SecurityDigest } from '../../gateway/broker/security-digest';
import type { AppendInput } from '../../gateway/journal/types';
import { connectMqtt, eventually, startGateway, testConfig } from '../helpers/gateway';
import { connectBytes } from '../helpers/raw-mqtt';

/**
 * Issue 14, finding 3: 3,000 anonymous CONNECTs in 1.9 s were 3,000 fsynced journal events,
 * each broadcast to every console. New connections are now rate-limited per address before a
 * byte is parsed, and refusals are counted in metrics but journaled as one summary per address
 * (or account) and minute.
 */
const CONNECT_LIMIT = { perSecond: 50, burst: 300 };

const gateways: Gateway[] = [];
const clients: MqttClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await Promise.all(gateways.splice(0).map((g) => g.stop()));
});

async function gateway(): Promise<{ gw: Gateway; journalPath: string }> {
  const { config } = testConfig((doc) => {
    (doc.gateway as Record<string, unknown>).limits = { connect: CONNECT_LIMIT };
  });
  const gw = await startGateway(config);
  gateways.push(gw);
  return { gw, journalPath: config.gateway.journal.path };
}

const metric = async (gw: Gateway, kind: string) =>
  Number(new RegExp(`^tw_security_events_total\\{kind="${kind}"\\} (\\d+)`, 'm').exec(await gw.metrics.registry.metrics())?.[1] ?? 0);

/** One anonymous CONNECT on its own socket; resolves when the broker has answered or hung up. */
function anonymousConnect(port: number, i: number): Promise<'connack' | 'closed'> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let answer: 'connack' | 'closed' = 'closed';
    s.on('connect', () => s.write(connectBytes({ clientId: `flood-${i}`, clean: true })));
    s.on('data', (d) => {
      if (d[0] === 0x20) answer = 'connack';
      s.destroy();
    });
    s.on('error', () => s.destroy());
    s.on('close', () => resolve(answer));
  });
}

/** Security events in the journal file, read after the gateway stopped (and flushed its summaries). */
function securityEvents(journalPath: string): Array<{ type: string; payload: Record<string, unknown> }> {
  const db = new Database(journalPath, { readonly: true });
  try {
    return db
      .prepare("SELECT type, payload FROM events WHERE type LIKE 'security.%' ORDER BY seq")
      .all()
      .map((r) => ({ type: (r as { type: string }).type, payload: JSON.parse((r as { payload: string }).payload) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

describe('a flood of anonymous CONNECTs', () => {
  it('is counted in full but journaled as a handful of summaries', async () => {
    const { gw, journalPath } = await gateway();
    const N = 10_000;
    const CONCURRENT = 400;
    const answers: Array<'connack' | 'closed'> = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENT }, async () => {
        while (next < N) answers.push(await anonymousConnect(gw.broker.port, next++));
      }),
    );
    const refusedByBroker = answers.filter((a) => a === 'connack').length;
    // The limiter let the burst and the refill through, and hung up on the rest unread.
    expect(refusedByBroker).toBeGreaterThanOrEqual(CONNECT_LIMIT.burst);
    expect(refusedByBroker).toBeLessThan(N / 2);

    // Every attempt is counted, one way or the other.
    await eventually(async () => (await metric(gw, 'connect-refused')) + (await metric(gw, 'connection-rate-limited')) === N, 10_000, 'every attempt counted');
    expect(await metric(gw, 'connect-refused')).toBe(refusedByBroker);

    // A person watching the journal sees it start at once…
    const first = gw.journal.database
      .prepare("SELECT payload FROM events WHERE type = 'security.connect-refused'")
      .all()
      .map((r) => JSON.parse((r as { payload: string }).payload) as Record<string, unknown>);
    expect(first[0]).toMatchObject({ reason: 'anonymous connection', address: '127.0.0.1', count: 1 });

    // …and, once the summaries are flushed (on stop at the latest), every refusal is in a count.
    await gw.stop();
    gateways.splice(0);
    const events = securityEvents(journalPath);
    expect(events.length).toBeLessThanOrEqual(12);
    const total = (type: string) => events.filter((e) => e.type === type).reduce((n, e) => n + (e.payload.count as number), 0);
    expect(total('security.connect-refused')).toBe(refusedByBroker);
    expect(total('security.connection-rate-limited')).toBe(N - refusedByBroker);
    const summary = events.find((e) => e.type === 'security.connect-refused' && (e.payload.count as number) > 1);
    expect(summary?.payload).toMatchObject({ reasons: { 'anonymous connection': summary?.payload.count as number }, address: '127.0.0.1' });
  }, 120_000);

  it('on the ws /mqtt listener is limited by the same bucket, before the WebSocket handshake', async () => {
    const { gw } = await gateway();
    const attempts = CONNECT_LIMIT.burst + 300;
    const outcomes = await Promise.all(
      Array.from(
        { length: attempts },
        () =>
          new Promise<'open' | 'refused'>((resolve) => {
            const ws = new WebSocket(`ws://127.0.0.1:${gw.httpPort}/mqtt`, 'mqtt');
            ws.once('open', () => {
              ws.terminate();
              resolve('open');
            });
            ws.once('error', () => resolve('refused'));
          }),
      ),
    );
    const opened = outcomes.filter((o) => o === 'open').length;
    expect(opened).toBeGreaterThan(0);
    expect(opened).toBeLessThan(attempts);
    await eventually(async () => (await metric(gw, 'connection-rate-limited')) === attempts - opened, 5000, 'refusals counted');
    // The console's HTTP API is not behind this limit.
    expect((await fetch(`http://127.0.0.1:${gw.httpPort}/healthz`)).status).toBe(200);
  });
});

describe('denied SUBSCRIBE filters', () => {
  it('each get SUBACK 0x80 and are counted; the journal gets the first and then one summary', async () => {
    const { gw, journalPath } = await gateway();
    const c = await connectMqtt(gw.broker.port, 'radio-2001');
    clients.push(c);
    const N = 300;
    const filters = Object.fromEntries(Array.from({ length: N }, (_, i) => [`tw/v1/radio/${3000 + i}/down`, { qos: 1 as const }]));
    const granted = await c.subscribeAsync(filters).then(
      () => [],
      (err: { packet?: { granted: number[] } }) => err.packet?.granted ?? [],
    );
    expect(granted).toEqual(Array<number>(N).fill(0x80));
    // Counted and journaled by the broker thread, which hands both to the main thread after the SUBACK.
    await eventually(async () => (await metric(gw, 'subscribe-denied')) === N, 5000, 'every denied filter counted');
    const first = () => gw.journal.database.prepare("SELECT payload FROM events WHERE type = 'security.subscribe-denied'").all();
    await eventually(() => first().length === 1, 5000, 'the first denial journaled');
    expect(first()).toHaveLength(1);

    await c.endAsync(true);
    clients.splice(0);
    await gw.stop();
    gateways.splice(0);
    const denied = securityEvents(journalPath).filter((e) => e.type === 'security.subscribe-denied');
    expect(denied.map((e) => e.payload.count)).toEqual([1, N - 1]);
    expect(denied[1]!.payload).toMatchObject({ username: 'radio-2001', key: 'account:radio-2001', topic: `tw/v1/radio/${3000 + N - 1}/down` });
  });
});

describe('the connection limiter and the refusal digest (pure parts)', () => {
  it('admits a burst, then the refill rate, per address (IPv6 per /64)', () => {
    let t = 0;
    const limiter = new ConnectionLimiter({ perSecond: 2, burst: 3 }, 100, () => t);
    expect([1, 2, 3, 4].map(() => limiter.admit('10.0.0.7'))).toEqual([true, true, true, false]);
    expect(limiter.admit('10.0.0.8')).toBe(true);
    expect(limiter.admit('::ffff:10.0.0.7')).toBe(false);
    t = 500;
    expect([limiter.admit('10.0.0.7'), limiter.admit('10.0.0.7')]).toEqual([true, false]);
    expect(addressKey('2001:db8:0:1::5')).toBe(addressKey('2001:db8:0:1:ffff::9'));
    expect(addressKey('2001:db8:0:1::5')).not.toBe(addressKey('2001:db8:0:2::5'));
  });

  it('forgets addresses beyond its bound instead of growing', () => {
    const limiter = new ConnectionLimiter({ perSecond: 1, burst: 1 }, 1000, () => 0);
    for (let i = 0; i < 50_000; i++) limiter.admit(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect(limiter.size).toBeLessThanOrEqual(1000);
  });

  it('journals the first refusal of a key at once, one summary per window, and forgets quiet keys', async () => {
    const journaled: AppendInput[] = [];
    let t = 0;
    const digest = new SecurityDigest({ record: (e) => Promise.resolve(void journaled.push(e)), windowMs: 60_000, maxKeys: 2, now: () => t });
    const refusal = (key: string, reason = 'anonymous connection') => ({
      type: 'security.connect-refused' as const,
      key,
      source: 'mqtt',
      subject: null,
      reason,
      payload: {},
    });
    for (let i = 0; i < 100; i++) digest.note(refusal('addr:a'));
    expect(journaled.map((e) => (e.payload as { count: number }).count)).toEqual([1]);
    await digest.flush();
    expect(journaled.map((e) => (e.payload as { count: number }).count)).toEqual([1, 99]);
    t = 60_000;
    digest.note(refusal('addr:a', 'bad username or password')); // still known: folded, not journaled at once
    expect(journaled).toHaveLength(2);
    await digest.flush();
    await digest.flush(); // quiet for a window: forgotten
    digest.note(refusal('addr:a'));
    expect(journaled.map((e) => (e.payload as { count: number }).count)).toEqual([1, 99, 1, 1]);
    // More keys than it may track: the rest share one overflow key.
    for (const k of ['addr:b', 'addr:c', 'addr:d', 'addr:e']) digest.note(refusal(k));
    expect(journaled.slice(4).map((e) => (e.payload as { key: string }).key)).toEqual(['addr:b', '*']);
    await digest.stop();
    expect(journaled.at(-1)!.payload).toMatchObject({ key: '*', count: 2 });
  });
});
