import type { MqttClient } from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { Principal } from '../../gateway/auth/accounts';
import { decidePublish, mayReceive, maySubscribe } from '../../gateway/broker/acl';
import {
  can,
  HTTP_ROUTES,
  MQTT_CONSOLE_READ,
  seesLive,
  SOCKET_COMMANDS,
  SOCKET_STREAMS,
  type Permission,
  type RoutePolicy,
} from '../../gateway/contract/policy';
import { CONSOLE_ROLES, type ConsoleRole } from '../../gateway/contract/roles';
import type { ClientToServerEvents, ConsoleEvent, ServerToClientEvents, StateSnapshot } from '../../gateway/contract/socket';
import { TOPICS, type TopicSpec } from '../../gateway/contract/topics';
import { declaredRoutes } from '../../gateway/http/route-policy';
import { connectMqtt, demoPassword, eventually, loginSession, startGateway, testConfig } from '../helpers/gateway';

/**
 * The role × surface matrix, generated from the access policy: every console role against every
 * HTTP route (and its percent-encoded twin), every socket command, and every contract topic
 * (subscribe and publish, own and foreign parameters), plus each device account on the broker.
 * Real gateway, real sessions, real MQTT.js and Socket.IO clients.
 */

const USER_OF: Record<ConsoleRole, string> = {
  controller: 'controller',
  'cctv-operator': 'operator',
  'security-manager': 'secmgr',
  police: 'police',
  engineer: 'engineer',
  member: 'member',
};
const DEVICE_ACCOUNTS = ['radio-2006', 'radio-gateway', 'shop-prem-001', 'dock-1', 'cctv', 'service'] as const;

let gw: Gateway;
let base: string;
const sessions = new Map<ConsoleRole, { cookie: string; csrf: string }>();
const principals = new Map<string, Principal>();
const mqttClients: MqttClient[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  gw = await startGateway(testConfig().config);
  base = `http://127.0.0.1:${gw.httpPort}`;
  for (const role of CONSOLE_ROLES) sessions.set(role, await loginSession(gw.httpPort, USER_OF[role]));
  for (const username of [...Object.values(USER_OF), ...DEVICE_ACCOUNTS]) {
    const outcome = await gw.accounts.login(username, demoPassword(username), '127.0.0.1');
    if (!outcome.ok) throw new Error(`no principal for ${username}`);
    principals.set(username, outcome.principal);
  }
}, 60_000);
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  for (const c of mqttClients) c.end(true);
  await gw.stop();
});

// ---------------------------------------------------------------- HTTP

/** A concrete path for a route pattern: ids that exist nowhere, so an allowed call reaches the handler and answers 400/404. */
const concrete = (url: string) => url.replace(/:(\w+)/g, 'no-such-$1').replace('/*', '/index.html');
/** The same path with its first letter percent-encoded: the router decodes it, a raw-URL check would not. */
const encoded = (path: string) => `/%${path.charCodeAt(1).toString(16)}${path.slice(2)}`;

async function call(method: string, path: string, session: { cookie: string; csrf: string } | null): Promise<number> {
  const headers: Record<string, string> = session ? { cookie: session.cookie, 'x-csrf-token': session.csrf } : {};
  const body = method === 'GET' || method === 'HEAD' ? undefined : '{}';
  if (body) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, body });
  await res.arrayBuffer();
  return res.status;
}

function expectedHttp(policy: RoutePolicy, role: ConsoleRole | null): 'allow' | 401 | 403 {
  if (policy === 'public') return 'allow';
  if (role === null) return 401;
  if (policy === 'authenticated') return 'allow';
  const anyOf: readonly Permission[] = typeof policy === 'string' ? [policy] : policy;
  return anyOf.some((p) => can(role, p)) ? 'allow' : 403;
}

describe('HTTP routes', () => {
  it('every registered route has a policy, and every policy entry is a registered route', () => {
    const table = declaredRoutes((gw as unknown as { http: object }).http);
    expect(table.length).toBeGreaterThan(40);
    for (const r of table) expect(r.policy, `${r.method} ${r.url}`).toBeTruthy();
    const registered = new Set(table.map((r) => `${r.method} ${r.url}`));
    expect(Object.keys(HTTP_ROUTES).filter((k) => !registered.has(k))).toEqual([]);
  });

  // Logout ends the session it is called with: checked last, below, with sessions of its own.
  const routes = Object.entries(HTTP_ROUTES).filter(([key]) => key !== 'POST /api/logout');
  for (const role of [null, ...CONSOLE_ROLES] as const) {
    it(`answers ${role ?? 'anonymous'} on every route as the policy says, plain and percent-encoded`, async () => {
      const wrong: string[] = [];
      for (const [key, policy] of routes) {
        const [method, url] = key.split(' ') as [string, string];
        const path = concrete(url);
        const want = expectedHttp(policy, role);
        const session = role ? sessions.get(role)! : null;
        for (const p of [path, encoded(path)]) {
          const got = await call(method, p, session);
          const ok = want === 'allow' ? got !== 401 && got !== 403 && got < 500 : got === want;
          if (!ok) wrong.push(`${method} ${p}: ${got}, policy ${String(policy)} says ${want}`);
        }
      }
      expect(wrong).toEqual([]);
    }, 60_000);
  }

  it('lets every role log out, and nobody without a session', async () => {
    expect(await call('POST', '/api/logout', null)).toBe(401);
    expect(await call('POST', encoded('/api/logout'), null)).toBe(401);
    for (const role of CONSOLE_ROLES) expect(await call('POST', '/api/logout', await loginSession(gw.httpPort, USER_OF[role])), role).toBe(200);
  });

  it('never serves data on an unknown path (finding 4: /%61pi/site)', async () => {
    const res = await fetch(`${base}/%61pi/site`);
    expect(res.status).toBe(401);
    for (const path of ['/api/nope', '/%61pi/nope', '/api/../api/site', '/API/site']) {
      const r = await fetch(`${base}${path}`);
      const text = await r.text();
      expect([401, 404, 503].includes(r.status) || (r.status === 200 && !text.includes('"data"')), `${path}: ${r.status}`).toBe(true);
    }
  });
});

// ---------------------------------------------------------------- Socket.IO

function socketAs(role: ConsoleRole): Promise<Socket<ServerToClientEvents, ClientToServerEvents>> {
  const s: Socket<ServerToClientEvents, ClientToServerEvents> = ioClient(base, {
    transports: ['websocket'],
    extraHeaders: { cookie: sessions.get(role)!.cookie },
    reconnection: false,
  });
  sockets.push(s);
  return new Promise((resolve, reject) => s.once('connect', () => resolve(s)).once('connect_error', reject));
}

type Reply = { data?: unknown; error?: { code: string } };
const emit = (s: Socket, event: string, input: unknown) =>
  new Promise<Reply>((resolve) => (s as unknown as { emit: (e: string, i: unknown, ack: (r: Reply) => void) => void }).emit(event, input, resolve));

describe('console socket', () => {
  for (const role of CONSOLE_ROLES) {
    it(`answers ${role}'s commands as the policy says, and refuses commands it does not name`, async () => {
      const s = await socketAs(role);
      const wrong: string[] = [];
      for (const [event, permission] of Object.entries(SOCKET_COMMANDS)) {
        const reply = await emit(s, event, { id: 'no-such-id' });
        const forbidden = reply.error?.code === 'TW_FORBIDDEN';
        if (forbidden === can(role, permission)) wrong.push(`${event}: ${JSON.stringify(reply).slice(0, 120)}`);
      }
      expect(wrong).toEqual([]);
      expect((await emit(s, 'journal:erase', { id: 'x' })).error?.code).toBe('TW_FORBIDDEN');
    }, 30_000);
  }

  it('sends each role only the streams, and inside the live stream only the events, the policy gives it', async () => {
    const got = new Map<ConsoleRole, Set<string>>();
    const events = new Map<ConsoleRole, Set<string>>();
    for (const role of CONSOLE_ROLES) {
      const seen = new Set<string>();
      const types = new Set<string>();
      got.set(role, seen);
      events.set(role, types);
      const s = await socketAs(role);
      s.onAny((event: string) => seen.add(event));
      s.on('journal:events', ({ events: batch }: { events: ConsoleEvent[] }) => batch.forEach((e) => types.add(e.type)));
    }
    // Something for every live stream to carry: a radio moves (units, positions, journal events),
    // its emergency button is pressed (announced before its commit, \`emergency:raising\`), it sends
    // a text (message.view), and a shop reports an incident (incident.view), which opens one.
    const radio = await connectMqtt(gw.broker.port, 'radio-2006', { clientId: 'handset-2006' });
    const shop = await connectMqtt(gw.broker.port, 'shop-prem-001');
    mqttClients.push(radio, shop);
    await radio.publishAsync('tw/v1/radio/2006/position', JSON.stringify({ lat: 52.9548, lon: -1.1495, fixTime: new Date().toISOString() }), { qos: 1 });
    await radio.publishAsync('tw/v1/radio/2006/emergency', JSON.stringify({ state: 'pressed' }), { qos: 1 });
    await radio.publishAsync('tw/v1/radio/2006/text', JSON.stringify({ to: 9001, text: 'Male in a red jacket, Dean Harker, heading north' }), { qos: 1 });
    await shop.publishAsync(
      'tw/v1/shop/prem-001/report',
      JSON.stringify({ kind: 'incident', category: 'theft', occurredAt: new Date().toISOString(), description: 'Dean Harker took two bottles of perfume' }),
      { qos: 1 },
    );
    await eventually(() => got.get('controller')!.has('emergency:raising'), 10_000, 'the controller to hear of the emergency');
    await eventually(
      () => ['radio.text', 'shop.report', 'incident.reported', 'emergency.raised'].every((t) => events.get('controller')!.has(t)),
      10_000,
      'the controller to get the text, the report, its incident and the emergency',
    );
    await new Promise((r) => setTimeout(r, 500));
    const wrong: string[] = [];
    for (const role of CONSOLE_ROLES) {
      for (const [stream, permission] of Object.entries(SOCKET_STREAMS)) {
        if (got.get(role)!.has(stream) && !can(role, permission)) wrong.push(`${role} got ${stream}`);
      }
      if (can(role, SOCKET_STREAMS['journal:events']) && !got.get(role)!.has('journal:events')) wrong.push(`${role} missed journal:events`);
      for (const type of events.get(role)!) if (!seesLive(role, type)) wrong.push(`${role} got ${type}`);
    }
    expect(wrong).toEqual([]);
    // Who reads what was said: the control room and the police; not the engineer, who sees the radio move.
    expect([...events.get('engineer')!].filter((t) => ['radio.text', 'shop.report', 'incident.reported'].includes(t))).toEqual([]);
    expect(events.get('engineer')).toContain('radio.emergency');
    expect(events.get('police')).toContain('radio.text');
    expect(events.get('cctv-operator')).toContain('shop.report');
    expect(events.get('cctv-operator')).not.toContain('radio.text');
    // The state the policy gives a role is trimmed the same way: the incident the report opened is
    // the controller's and the operator's, not the engineer's.
    const stateOf = async (role: ConsoleRole) =>
      ((await (await fetch(`${base}/api/state`, { headers: { cookie: sessions.get(role)!.cookie } })).json()) as { data: StateSnapshot }).data;
    expect((await stateOf('controller')).incidents.length).toBeGreaterThan(0);
    expect((await stateOf('cctv-operator')).incidents.length).toBeGreaterThan(0);
    const engineer = await stateOf('engineer');
    expect([engineer.incidents, engineer.alerts, engineer.cbos, engineer.breaches, engineer.tracks.tracks]).toEqual([[], [], [], [], []]);
    expect(engineer.units.length).toBeGreaterThan(0);
  });

  it('has a policy for every handler the server registers, and a handler for every policy entry', async () => {
    await socketAs('controller');
    const io = (gw.consoleSocket as unknown as { io: { sockets: { sockets: Map<string, { eventNames(): Array<string | symbol> }> } } }).io;
    const server = [...io.sockets.sockets.values()].at(-1)!;
    const handlers = server
      .eventNames()
      .map(String)
      .filter((e) => !['disconnect', 'disconnecting', 'error'].includes(e));
    expect(handlers.filter((e) => !(e in SOCKET_COMMANDS))).toEqual([]);
    expect(Object.keys(SOCKET_COMMANDS).filter((e) => !handlers.includes(e))).toEqual([]);
  });
});

// ---------------------------------------------------------------- MQTT

/** Concrete topics of a contract entry: the account's own parameters and foreign ones. */
function instances(spec: TopicSpec): Array<{ topic: string; params: Record<string, string> }> {
  const values: Record<string, string[]> = {
    issi: ['2006', '2002', '9500'],
    gssi: ['9001', '9002'],
    premisesId: ['prem-001', 'prem-007'],
    cameraId: ['cam-01'],
  };
  let out: Array<Record<string, string>> = [{}];
  for (const [, name] of spec.pattern.matchAll(/\{(\w+)\}/g)) out = out.flatMap((p) => values[name!]!.map((v) => ({ ...p, [name!]: v })));
  return out.map((params) => ({ params, topic: spec.pattern.replace(/\{(\w+)\}/g, (_, k: string) => params[k]!) }));
}

/** What the policy says an account may read, straight from its tables. */
function policyReads(p: Principal, spec: TopicSpec, params: Record<string, string>): boolean {
  switch (p.role) {
    case 'console':
      return (MQTT_CONSOLE_READ[spec.name] ?? []).some((r) => can(p.consoleRole, r.permission) && (!r.own || params[r.own] === p.premisesId));
    case 'service':
      return true;
    case 'handset':
      return (
        spec.direction === 'out' &&
        spec.roles.includes('handset') &&
        (params.issi === String(p.issi) || (params.gssi !== undefined && p.talkgroups.includes(Number(params.gssi))))
      );
    case 'control-station':
      return (
        spec.direction === 'out' &&
        spec.roles.includes('control-station') &&
        (params.issi === undefined || p.issiRanges.some(([a, b]) => Number(params.issi) >= a && Number(params.issi) <= b))
      );
    case 'shop-terminal':
      return spec.direction === 'out' && spec.roles.includes('shop-terminal') && params.premisesId === p.premisesId;
    default:
      return false;
  }
}

function policyPublishes(p: Principal, spec: TopicSpec, params: Record<string, string>): boolean {
  if (spec.direction !== 'in' || !spec.roles.includes(p.role)) return false;
  if (
    params.issi !== undefined &&
    !(p.role === 'handset' ? params.issi === String(p.issi) : p.issiRanges.some(([a, b]) => Number(params.issi) >= a && Number(params.issi) <= b))
  )
    return false;
  return params.premisesId === undefined || params.premisesId === p.premisesId;
}

describe('MQTT topics', () => {
  const accounts = [...Object.values(USER_OF), ...DEVICE_ACCOUNTS];
  it('decides subscribe, receive and publish for every account × contract topic as the policy says', () => {
    const wrong: string[] = [];
    for (const username of accounts) {
      const p = principals.get(username)!;
      for (const spec of TOPICS) {
        for (const { topic, params } of instances(spec)) {
          const reads = policyReads(p, spec, params);
          // Control stations subscribe with wildcards and are narrowed per message.
          if (p.role !== 'control-station' && maySubscribe(p, topic) !== reads) wrong.push(`${username} subscribe ${topic}: policy ${reads}`);
          if (mayReceive(p, topic) !== reads) wrong.push(`${username} receive ${topic}: policy ${reads}`);
          const publishes = decidePublish(p, topic).kind === 'allow';
          if (publishes !== policyPublishes(p, spec, params)) wrong.push(`${username} publish ${topic}: ${publishes}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('gives the whole tree only to roles that may read every topic (finding 1: member subscribed tw/v1/#)', () => {
    for (const username of accounts) {
      const p = principals.get(username)!;
      const all = TOPICS.every((spec) => instances(spec).every(({ params }) => policyReads(p, spec, params)));
      expect(maySubscribe(p, 'tw/v1/#'), username).toBe(all);
      expect(maySubscribe(p, 'tw/v1/radio/+/position'), username).toBe(p.role === 'service' || (p.role === 'console' && can(p.consoleRole, 'mqtt.units')));
    }
    expect(maySubscribe(principals.get('member')!, 'tw/v1/#')).toBe(false);
  });

  /** SUBACK return codes for these filters, on the real broker. */
  async function suback(username: string, filters: string[]): Promise<number[]> {
    const c = await connectMqtt(gw.broker.port, username, { clientId: `${username}-matrix-${mqttClients.length}` });
    mqttClients.push(c);
    const granted = await c.subscribeAsync(Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }]))).then(
      (g) => g.map((x) => x.qos as number),
      (err: { packet?: { granted: number[] } }) => err.packet?.granted ?? [],
    );
    return granted;
  }

  it('refuses each kind of subscription the policy denies on the real broker with SUBACK 0x80, grants the rest', async () => {
    expect(
      await suback('member', ['tw/v1/#', 'tw/v1/radio/+/position', 'tw/v1/shop/prem-007/report', 'tw/v1/shop/+/report', 'tw/v1/shop/prem-001/report']),
    ).toEqual([128, 128, 128, 128, 1]);
    expect(await suback('engineer', ['tw/v1/radio/+/position', 'tw/v1/radio/+/text', 'tw/v1/radio/+/presence', 'tw/v1/cctv/+/fault'])).toEqual([
      128, 128, 1, 1,
    ]);
    expect(await suback('operator', ['tw/v1/#', 'tw/v1/radio/+/text', 'tw/v1/radio/+/position', 'tw/v1/cctv/+/sighting'])).toEqual([128, 128, 1, 1]);
    expect(await suback('controller', ['tw/v1/#'])).toEqual([1]);
    expect(await suback('radio-2006', ['tw/v1/radio/2002/down', 'tw/v1/talkgroup/9002/down', 'tw/v1/radio/2006/down'])).toEqual([128, 128, 1]);
    expect(await suback('shop-prem-001', ['tw/v1/shop/prem-001/report', 'tw/v1/shop/prem-007/down', 'tw/v1/shop/+/down', 'tw/v1/shop/prem-001/down'])).toEqual([
      128, 128, 128, 1,
    ]);
  });

  it("delivers to a member's MQTT account only its own premises' reports, never radios", async () => {
    const member = await connectMqtt(gw.broker.port, 'member', { clientId: 'member-matrix-rx' });
    mqttClients.push(member);
    await member.subscribeAsync({ 'tw/v1/shop/prem-001/report': { qos: 1 } });
    const got: string[] = [];
    member.on('message', (topic) => got.push(topic));
    const shop7 = await connectMqtt(gw.broker.port, 'shop-prem-007', { clientId: 'shop-prem-007-matrix' });
    const shop1 = await connectMqtt(gw.broker.port, 'shop-prem-001', { clientId: 'shop-prem-001-matrix' });
    const radio = await connectMqtt(gw.broker.port, 'radio-2006', { clientId: 'handset-2006' });
    mqttClients.push(shop7, shop1, radio);
    const report = (premisesId: string) =>
      JSON.stringify({ kind: 'incident', category: 'theft', occurredAt: new Date().toISOString(), description: `matrix test at ${premisesId}` });
    await shop7.publishAsync('tw/v1/shop/prem-007/report', report('prem-007'), { qos: 1 });
    await radio.publishAsync('tw/v1/radio/2006/position', JSON.stringify({ lat: 52.955, lon: -1.15, fixTime: new Date().toISOString() }), { qos: 1 });
    await shop1.publishAsync('tw/v1/shop/prem-001/report', report('prem-001'), { qos: 1 });
    // Its own report arrives after the others were published: anything else would have come by now.
    await eventually(() => got.includes('tw/v1/shop/prem-001/report'), 10_000, "the member's own report");
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual(['tw/v1/shop/prem-001/report']);
  });
});
