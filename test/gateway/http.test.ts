import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { ClientToServerEvents, ServerToClientEvents } from '../../gateway/contract/socket';
import type { StateSnapshot } from '../../gateway/projections';
import { Handset } from '../../simulators/radio/handset';
import { demoPassword, eventually, login, startGateway, testConfig, withCsrf } from '../helpers/gateway';
import { untyped } from '../helpers/untyped';

let gw: Gateway;
let base: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  gw = await startGateway(testConfig().config);
  base = `http://127.0.0.1:${gw.httpPort}`;
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await gw.stop();
});

function consoleSocket(cookie: string | null, auth: Record<string, unknown> = {}, origin?: string): Socket<ServerToClientEvents, ClientToServerEvents> {
  const s: Socket<ServerToClientEvents, ClientToServerEvents> = ioClient(base, {
    transports: ['websocket'],
    extraHeaders: { ...(cookie ? { cookie } : {}), ...(origin ? { origin } : {}) },
    auth,
    reconnection: false,
  });
  sockets.push(s);
  return s;
}

describe('HTTP', () => {
  it('answers /healthz, /readyz and /metrics', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, checks: { journal: true, broker: true, projections: true } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const name of [
      'tw_journal_commit_seconds',
      'tw_journal_batch_size',
      'tw_mqtt_clients_connected',
      'nodejs_eventloop_lag_seconds',
      'tw_mqtt_messages_in_total',
    ]) {
      expect(metrics).toContain(name);
    }
  });

  it('refuses /api without a session', async () => {
    const res = await fetch(`${base}/api/state`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'TW_UNAUTHENTICATED' } });
  });

  it('logs a person in with an httpOnly, SameSite=Strict cookie and journals it', async () => {
    const res = await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'controller', password: 'controller-demo' }),
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^tw_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const logins = gw.journal.database.prepare("SELECT actor FROM events WHERE type = 'auth.login'").all();
    expect(logins).toContainEqual({ actor: 'controller' });
  });

  it('refuses a wrong password, and a device account, at the console login', async () => {
    const attempt = (username: string, password: string) =>
      fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    expect((await attempt('controller', 'guess')).status).toBe(401);
    expect((await attempt('radio-2001', 'radio-2001-demo')).status).toBe(401);
    const failed = gw.journal.database.prepare("SELECT count(*) AS n FROM events WHERE type = 'security.login-failed'").get() as { n: number };
    expect(failed.n).toBe(2);
  });

  it('rejects a malformed login body with the path of each problem', async () => {
    const res = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'x' }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'TW_INVALID', message: expect.stringMatching(/^password: /) as unknown } });
  });

  it('checks roles: a member may not read the journal, an engineer may', async () => {
    const member = await login(gw.httpPort, 'member');
    expect((await fetch(`${base}/api/journal`, { headers: { cookie: member } })).status).toBe(403);
    expect((await fetch(`${base}/api/state`, { headers: { cookie: member } })).status).toBe(403);
    const engineer = await login(gw.httpPort, 'engineer');
    const res = await fetch(`${base}/api/journal?after=0&limit=5`, { headers: { cookie: engineer } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { events: Array<{ seq: number }>; head: number } };
    expect(body.data.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5].slice(0, body.data.events.length));
  });

  it('keeps the gallery and custody records out of the raw journal: ids only, digests kept', async () => {
    await gw.journal.append(
      untyped({
        source: 'api',
        type: 'subject.created',
        actor: 'police',
        payload: { subjectId: 'subj-j1', status: 'known', name: 'Dana Quill', dob: '1991-03-04', aliases: [], description: 'tall' },
      }),
    );
    await gw.journal.append(
      untyped({ source: 'dock', type: 'evidence.verified', payload: { evidenceId: 'ev-j1', wearer: 'guard-7', name: 'shift-0712.mp4' } }),
    );
    const read = async (user: string) => {
      const res = await fetch(`${base}/api/journal?after=0&limit=1000`, { headers: { cookie: await login(gw.httpPort, user) } });
      return ((await res.json()) as { data: { events: Array<{ type: string; payload: unknown; payloadSha256: string }> } }).data.events;
    };
    for (const user of ['engineer', 'controller']) {
      const events = await read(user);
      expect(
        events.find((e) => e.type === 'subject.created'),
        user,
      ).toMatchObject({ payload: { subjectId: 'subj-j1' }, payloadSha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown });
      expect(JSON.stringify(events), user).not.toContain('Dana Quill');
    }
    expect((await read('engineer')).find((e) => e.type === 'evidence.verified')?.payload).toEqual({ evidenceId: 'ev-j1' });
    expect((await read('controller')).find((e) => e.type === 'evidence.verified')?.payload).toMatchObject({ wearer: 'guard-7' });
  });

  it('ends the session at logout', async () => {
    const cookie = await login(gw.httpPort, 'police');
    expect((await fetch(`${base}/api/me`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${base}/api/logout`, { method: 'POST', headers: withCsrf(cookie) })).status).toBe(200);
    expect((await fetch(`${base}/api/me`, { headers: { cookie } })).status).toBe(401);
  });
});

describe('console socket', () => {
  it('refuses a connection without a session', async () => {
    const s = consoleSocket(null);
    const err = await new Promise<Error>((resolve) => s.once('connect_error', resolve));
    expect(err.message).toBe('unauthenticated');
  });

  it("refuses a page of another site using a controller's cookie, and accepts the console's own origin", async () => {
    const cookie = await login(gw.httpPort, 'controller');
    const hijack = consoleSocket(cookie, {}, 'http://evil.example');
    const err = await new Promise<Error>((resolve) => hijack.once('connect_error', resolve));
    expect(err.message).toBe('cross-origin');
    const own = consoleSocket(cookie, {}, base);
    await new Promise<void>((resolve, reject) => own.once('connect', resolve).once('connect_error', reject));
    expect(own.connected).toBe(true);
  });

  it('cuts off a console that stops reading, instead of buffering for it without bound; it resumes with no gap', async () => {
    const cookie = await login(gw.httpPort, 'controller');
    const s = consoleSocket(cookie);
    const snapshot = await new Promise<StateSnapshot>((resolve) => s.once('state:snapshot', resolve));
    const seqs: number[] = [];
    s.on('journal:events', (b) => seqs.push(...b.events.map((e) => e.seq)));
    const connected = async () => Number(/^tw_console_sockets_connected (\d+)/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1]);
    const before = await connected();
    // The console's machine stops reading its socket (a hung tab): the kernel's buffers fill, then the gateway's.
    const tcp = (s.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }).ws._socket;
    tcp.pause();
    const filler = 'x'.repeat(20_000);
    const appended: number[] = [];
    for (let i = 0; i < 2500 && (await connected()) >= before; i++)
      appended.push((await gw.journal.append(untyped({ source: 'test', type: 'test.filler', payload: { i, filler } }))).seq);
    const last = appended.at(-1)!;
    expect(await connected(), 'the stalled console was cut off').toBe(before - 1);
    const disconnected = new Promise<string>((resolve) => s.once('disconnect', resolve));
    tcp.resume();
    expect(await disconnected).toBe('io server disconnect');
    // It comes back from the last event it saw, and misses nothing up to the head.
    const resumed = consoleSocket(cookie, { lastSeq: seqs.at(-1) ?? snapshot.seq });
    resumed.on('journal:events', (b) => seqs.push(...b.events.map((e) => e.seq)));
    await eventually(() => seqs.at(-1)! >= last, 10_000, 'the resumed console to catch up');
    expect(
      appended.filter((q) => seqs.filter((x) => x === q).length !== 1),
      'each event seen exactly once',
    ).toEqual([]);
  });

  it('sends the state on connect, then live changes; resumes after a drop with no gap or duplicate', async () => {
    const cookie = await login(gw.httpPort, 'controller');
    const s = consoleSocket(cookie);
    const snapshot = await new Promise<StateSnapshot>((resolve) => s.once('state:snapshot', resolve));
    expect(snapshot.units).toHaveLength(gw.config.units.length);
    const seqs: number[] = [];
    let head = snapshot.seq;
    const positions: number[] = [];
    s.on('journal:events', (b) => {
      seqs.push(...b.events.map((e) => e.seq));
      head = b.head;
    });
    s.on('units:positions', (p) => positions.push(...p.map((x) => x.issi)));

    const h = new Handset({
      url: `mqtt://127.0.0.1:${gw.broker.port}`,
      issi: 2003,
      username: 'radio-2003',
      password: demoPassword('radio-2003'),
      config: gw.config,
      startZone: gw.config.zones[1]!.id,
      seed: 3,
    });
    await h.connect();
    await h.move(1);
    await h.status(32769);
    await eventually(() => positions.includes(2003) && seqs.length > 0);

    // Drop, miss some events, come back with the last head seen.
    s.disconnect();
    const before = head;
    await h.status(32770);
    await h.ptt('start', 9001);
    await h.ptt('stop', 9001);
    const resumed = consoleSocket(cookie, { lastSeq: before });
    const batch = await new Promise<{ events: Array<{ seq: number; type: string }>; head: number }>((resolve) => resumed.once('journal:events', resolve));
    const expected = gw.journal
      .read(before, 1000)
      .filter((e) => !['radio.position', 'mqtt.connected', 'mqtt.disconnected', 'quarantine.message'].includes(e.type))
      .map((e) => e.seq);
    expect(batch.events.map((e) => e.seq)).toEqual(expected);
    expect(batch.events.map((e) => e.type)).toEqual(expect.arrayContaining(['radio.status', 'radio.ptt']));
    expect(Math.min(...batch.events.map((e) => e.seq))).toBeGreaterThan(before);
    await h.close();
  });

  it('does not send a console one message per commit of position fixes; its head still catches up', async () => {
    const cookie = await login(gw.httpPort, 'controller');
    const s = consoleSocket(cookie);
    await new Promise<StateSnapshot>((resolve) => s.once('state:snapshot', resolve));
    const batches: Array<{ events: number; head: number }> = [];
    s.on('journal:events', (b) => batches.push({ events: b.events.length, head: b.head }));
    const h = new Handset({
      url: `mqtt://127.0.0.1:${gw.broker.port}`,
      issi: 2005,
      username: 'radio-2005',
      password: demoPassword('radio-2005'),
      config: gw.config,
      startZone: gw.config.zones[0]!.id,
      seed: 5,
    });
    await h.connect();
    const before = batches.length;
    // Each fix waits for its PUBACK, so each is a commit of its own.
    for (let i = 0; i < 30; i++) await h.move(1);
    const last = gw.journal.head.seq;
    await eventually(() => batches.at(-1)!.head >= last, 5000, "the console's head to reach the last fix");
    const sent = batches.slice(before);
    expect(sent.every((b) => b.events === 0)).toBe(true);
    expect(sent.length, 'head-only messages, a few a second, not one per commit').toBeLessThan(15);
    await h.close();
  });

  it('gives a member no live operational picture', async () => {
    const cookie = await login(gw.httpPort, 'member');
    const s = consoleSocket(cookie);
    let got = 0;
    s.on('state:snapshot', () => got++);
    s.on('journal:events', () => got++);
    await new Promise<void>((resolve) => s.once('connect', () => resolve()));
    const h = new Handset({
      url: `mqtt://127.0.0.1:${gw.broker.port}`,
      issi: 2004,
      username: 'radio-2004',
      password: demoPassword('radio-2004'),
      config: gw.config,
      startZone: gw.config.zones[2]!.id,
      seed: 4,
    });
    await h.connect();
    await h.status(32768);
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toBe(0);
    await h.close();
  });
});
