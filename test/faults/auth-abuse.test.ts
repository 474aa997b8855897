import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { ManualClock } from '../helpers/clock';
import { connectMqtt, demoPassword, eventually, startGateway, testConfig, journaled } from '../helpers/gateway';

/** 3 failures per username, 8 per address, 1 s doubling to 4 s; the tests move a manual clock past them. */
const LIMITS = {
  login: { userFailures: 3, addressFailures: 8, lockoutSeconds: 1, maxLockoutSeconds: 4 },
  publish: { perSecond: 20, burst: 20, gatewayPerSecond: 5000, gatewayBurst: 10000 },
};

const gateways: Gateway[] = [];
const clients: MqttClient[] = [];

async function gateway(clock?: ManualClock): Promise<Gateway> {
  const { config } = testConfig((doc) => {
    (doc.gateway as Record<string, unknown>).limits = LIMITS;
  });
  const gw = await startGateway(config, { clock });
  gateways.push(gw);
  return gw;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
});

/** CONNECT with this password: the CONNACK return code (0 accepted). */
async function connack(gw: Gateway, username: string, password: string): Promise<number> {
  return connectMqtt(gw.broker.port, username, { password, clientId: `${username}-abuse-${Math.random().toString(36).slice(2)}` }).then(
    (c) => {
      clients.push(c);
      return 0;
    },
    (err: Error & { code?: number }) => err.code ?? -1,
  );
}

const payloads = (gw: Gateway, type: string) => journaled(gw, type);

async function metric(gw: Gateway, name: string, labels: string): Promise<number> {
  const text = await gw.metrics.registry.metrics();
  const m = new RegExp(`^${name}\\{${labels}\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe('repeated bad passwords', () => {
  it('lock an MQTT username out with CONNACK 5, without checking the password, and back off', async () => {
    const clock = new ManualClock();
    const gw = await gateway(clock);
    for (let i = 0; i < 3; i++) expect(await connack(gw, 'radio-2001', 'guess')).toBe(5);
    await gw.journal.flush(); // the lockout is appended before the CONNACK goes
    const lockout = payloads(gw, 'security.lockout').find((p) => p.scope === 'username');
    expect(lockout).toMatchObject({ key: 'user:radio-2001', failures: 3, lockedForMs: 1000 });

    // Locked: even the right password is refused, and scrypt is never run for it.
    const checks = gw.accounts.passwordChecks;
    expect(await connack(gw, 'radio-2001', demoPassword('radio-2001'))).toBe(5);
    expect(gw.accounts.passwordChecks).toBe(checks);
    expect(await metric(gw, 'tw_security_events_total', 'kind="login-locked-out"')).toBeGreaterThanOrEqual(1);
    // Other accounts are not locked by it.
    expect(await connack(gw, 'radio-2002', demoPassword('radio-2002'))).toBe(0);

    // Still locked a moment before it expires; once it has, one more failure locks it again for twice as long.
    await clock.advance(990);
    expect(await connack(gw, 'radio-2001', demoPassword('radio-2001'))).toBe(5);
    await clock.advance(10);
    expect(await connack(gw, 'radio-2001', 'guess again')).toBe(5);
    await gw.journal.flush();
    expect(payloads(gw, 'security.lockout')).toHaveLength(2);
    expect(payloads(gw, 'security.lockout')[1]).toMatchObject({ key: 'user:radio-2001', failures: 4, lockedForMs: 2000 });
    // Each refusal is counted; the journal has the first at once, the rest in the minute's summary.
    expect(payloads(gw, 'security.connect-refused').filter((p) => p.username === 'radio-2001' && p.reason === 'bad username or password')).toHaveLength(1);
    expect(await metric(gw, 'tw_security_events_total', 'kind="connect-refused"')).toBe(4);
    expect(await metric(gw, 'tw_security_events_total', 'kind="login-locked-out"')).toBe(2);

    // After the lockout the right password works, and success clears the username's record.
    await clock.advance(2000);
    expect(await connack(gw, 'radio-2001', demoPassword('radio-2001'))).toBe(0);
    expect(await connack(gw, 'radio-2001', 'one typo')).toBe(5);
    expect(await connack(gw, 'radio-2001', demoPassword('radio-2001'))).toBe(0);
  });

  it('answer the console login with 429 and Retry-After while locked, and journal the lockout', async () => {
    const clock = new ManualClock();
    const gw = await gateway(clock);
    const attempt = (password: string) =>
      fetch(`http://127.0.0.1:${gw.httpPort}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'controller', password }),
      });
    for (let i = 0; i < 3; i++) expect((await attempt('wrong')).status).toBe(401);
    const checks = gw.accounts.passwordChecks;
    const locked = await attempt(demoPassword('controller'));
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await locked.json()) as { error: { code: string } }).error.code).toBe('TW_LOCKED_OUT');
    expect(gw.accounts.passwordChecks).toBe(checks);
    await gw.journal.flush();
    const lockout = payloads(gw, 'security.lockout')[0];
    expect(lockout).toMatchObject({ scope: 'username', key: 'user:controller', failures: 3 });
    expect(payloads(gw, 'security.login-failed').filter((p) => p.username === 'controller')).toHaveLength(3);
    await clock.advance(1000);
    expect((await attempt(demoPassword('controller'))).status).toBe(200);
  });

  it('lock out an address that guesses across many usernames, over MQTT and HTTP alike', async () => {
    const gw = await gateway();
    // Two guesses each at four usernames: no username reaches its limit, the address does.
    for (const user of ['radio-2003', 'radio-2004', 'radio-2005', 'radio-2006']) {
      for (let i = 0; i < 2; i++) expect(await connack(gw, user, 'nope')).toBe(5);
    }
    await gw.journal.flush();
    const lockout = payloads(gw, 'security.lockout').find((p) => p.scope === 'address');
    expect(lockout).toMatchObject({ key: 'addr:127.0.0.1', failures: 8 });
    const checks = gw.accounts.passwordChecks;
    expect(await connack(gw, 'radio-2009', demoPassword('radio-2009'))).toBe(5);
    const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'engineer', password: demoPassword('engineer') }),
    });
    expect(res.status).toBe(429);
    expect(gw.accounts.passwordChecks).toBe(checks);
  });
});

describe('a client flooding publishes', () => {
  const position = (n: number) => JSON.stringify({ lat: 52.955, lon: -1.15, accuracyM: n, fixTime: new Date().toISOString() });
  const positionsFrom = (gw: Gateway, issi: number) => payloads(gw, 'radio.position').filter((p) => p.issi === issi);

  it('is slowed down at QoS 1 (delayed, never dropped) while another handset goes on unhindered', async () => {
    const gw = await gateway();
    const flooder = await connectMqtt(gw.broker.port, 'radio-2001', { clientId: 'radio-2001-flood' });
    const bystander = await connectMqtt(gw.broker.port, 'radio-2002', { clientId: 'radio-2002-calm' });
    clients.push(flooder, bystander);
    const FLOOD = 120;
    let floodAcked = 0;
    const t0 = performance.now();
    const flood = Promise.all(
      Array.from({ length: FLOOD }, (_, i) => flooder.publishAsync('tw/v1/radio/2001/position', position(i), { qos: 1 }).then(() => floodAcked++)),
    );
    for (let i = 0; i < 10; i++) {
      await bystander.publishAsync('tw/v1/radio/2002/position', position(10_000 + i), { qos: 1 });
      // The flooder never gets more than its bucket allows: a burst of 20, then 20 per second.
      const elapsedS = (performance.now() - t0) / 1000;
      expect(floodAcked).toBeLessThanOrEqual(20 + 20 * elapsedS + 1);
    }
    expect(floodAcked, 'the bystander finished while the flood was still being held back').toBeLessThan(FLOOD);
    await flood;
    expect(positionsFrom(gw, 2001)).toHaveLength(FLOOD);
    expect(positionsFrom(gw, 2002)).toHaveLength(10);
    expect(flooder.connected).toBe(true);
    expect(await metric(gw, 'tw_mqtt_throttled_total', 'action="delayed"')).toBeGreaterThan(0);
  });

  it('drops and quarantines QoS 0 beyond the hard cap, counting every drop', async () => {
    const gw = await gateway();
    const flooder = await connectMqtt(gw.broker.port, 'radio-2003', { clientId: 'radio-2003-flood' });
    const bystander = await connectMqtt(gw.broker.port, 'radio-2004', { clientId: 'radio-2004-calm' });
    clients.push(flooder, bystander);
    const FLOOD = 1500;
    for (let i = 0; i < FLOOD; i++) flooder.publish('tw/v1/radio/2003/position', position(i), { qos: 0 });
    for (let i = 0; i < 5; i++) await bystander.publishAsync('tw/v1/radio/2004/position', position(20_000 + i), { qos: 1 });
    // Every message is accounted for: journaled, or dropped and counted in a quarantine record.
    const dropped = () => payloads(gw, 'quarantine.message').filter((p) => p.kind === 'rate-limit' && p.clientId === 'radio-2003-flood');
    await eventually(
      () => positionsFrom(gw, 2003).length + dropped().reduce((n, p) => n + (p.dropped as number), 0) === FLOOD,
      15_000,
      'every flooded message accounted for',
    );
    expect(dropped().length).toBeGreaterThan(0);
    expect(dropped()[0]).toMatchObject({ topic: 'tw/v1/radio/2003/position', username: 'radio-2003', reason: expect.stringMatching(/QoS 0 flood/) as unknown });
    expect(await metric(gw, 'tw_mqtt_throttled_total', 'action="dropped"')).toBe(FLOOD - positionsFrom(gw, 2003).length);
    expect(positionsFrom(gw, 2004)).toHaveLength(5);
    expect(flooder.connected).toBe(true);
  });
});
