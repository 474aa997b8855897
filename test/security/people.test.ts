import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { ClientToServerEvents, ServerToClientEvents } from '../../gateway/contract/socket';
import { connectMqtt, demoPassword, eventually, loginSession, startGateway, testConfig } from '../helpers/gateway';

/**
 * Issue 16 item 13, people administration, over real HTTP against a real gateway: the security
 * manager lists, adds, changes, resets and disables console accounts; nobody else may; no
 * password or hash ever leaves the gateway or reaches the journal; a temporary password lets
 * nothing in until it is replaced; a disabled account cannot log in and its live console ends.
 */

type ConsoleClient = Socket<ServerToClientEvents, ClientToServerEvents>;
const sockets: ConsoleClient[] = [];
let gw: Gateway;
let setup: ReturnType<typeof testConfig>;
let manager: { cookie: string; csrf: string };

beforeAll(async () => {
  setup = testConfig();
  gw = await startGateway(setup.config);
  manager = await loginSession(gw.httpPort, 'secmgr');
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await gw?.stop();
});

interface Answer {
  status: number;
  text: string;
  json: { data?: unknown; error?: { code: string; message: string } };
}

async function call(method: string, path: string, session: { cookie: string; csrf: string } | null, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = session ? { cookie: session.cookie, 'x-csrf-token': session.csrf } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as Answer['json'] };
}

const login = (username: string, password: string) => call('POST', '/api/login', null, { username, password });
const journalText = () => JSON.stringify([...gw.journal.replay()]);
const journal = (type: string) => [...gw.journal.replay()].filter((e) => e.type === type);
type Person = {
  username: string;
  displayName: string;
  consoleRole: string;
  premisesId: string | null;
  disabled: boolean;
  mustChangePassword: boolean;
  source: string;
};
const people = async () => (await call('GET', '/api/users', manager)).json.data as Person[];

async function openConsole(cookie: string): Promise<{ disconnects: string[] }> {
  const socket: ConsoleClient = ioClient(`http://127.0.0.1:${gw.httpPort}`, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
  sockets.push(socket);
  const disconnects: string[] = [];
  socket.on('disconnect', (reason) => disconnects.push(reason));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { disconnects };
}

/** A session for a person added with a temporary password: they choose their own first. */
async function firstLogin(username: string, temporary: string, chosen: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/login/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: temporary, newPassword: chosen }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: { csrfToken: string } };
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: body.data.csrfToken };
}

describe('who may administer people', () => {
  it('GET /api/users answers the security manager with the console people, by name, and no password or hash', async () => {
    const res = await call('GET', '/api/users', manager);
    expect(res.status).toBe(200);
    const list = res.json.data as Person[];
    expect(list.map((p) => p.username).sort()).toEqual(['controller', 'engineer', 'member', 'operator', 'police', 'secmgr']);
    expect(list.find((p) => p.username === 'member')).toMatchObject({ consoleRole: 'member', premisesId: 'prem-001', disabled: false, source: 'config' });
    // Devices are not people: no handset, dock or terminal on the list.
    expect(res.text).not.toMatch(/radio-2001|dock-1|shop-prem-001/);
    expect(res.text).not.toMatch(/scrypt|"password|passwordHash|apiToken/i);
  });

  it('refuses a controller (403) and everyone else but the security manager, and a caller not logged in (401)', async () => {
    for (const user of ['controller', 'police', 'engineer', 'operator', 'member']) {
      const s = await loginSession(gw.httpPort, user);
      expect((await call('GET', '/api/users', s)).status, user).toBe(403);
      expect(
        (await call('POST', '/api/users', s, { username: 'x1', displayName: 'X', consoleRole: 'controller', temporaryPassword: 'long-enough-1' })).status,
        user,
      ).toBe(403);
      expect((await call('PATCH', '/api/users/secmgr', s, { disabled: true })).status, user).toBe(403);
      expect((await call('POST', '/api/users/controller/password', s, { temporaryPassword: 'long-enough-1' })).status, user).toBe(403);
    }
    expect((await call('GET', '/api/users', null)).status).toBe(401);
    expect(journal('user.disabled')).toEqual([]);
  });
});

describe('adding a person', () => {
  const temporary = 'Tangerine-Kettle-42';
  const chosen = 'my own passphrase 7';

  it('adds them with a temporary password that lets nothing in until they choose their own', async () => {
    const added = await call('POST', '/api/users', manager, {
      username: 'jo.bloggs',
      displayName: 'Jo Bloggs',
      consoleRole: 'controller',
      temporaryPassword: temporary,
    });
    expect(added.status).toBe(201);
    expect(added.json.data).toMatchObject({
      username: 'jo.bloggs',
      displayName: 'Jo Bloggs',
      consoleRole: 'controller',
      mustChangePassword: true,
      source: 'database',
    });
    expect(added.text).not.toContain(temporary);
    expect(added.text).not.toMatch(/scrypt|hash/i);
    const [created] = journal('user.created');
    expect(created).toMatchObject({
      actor: 'secmgr',
      subject: 'account:jo.bloggs',
      payload: { username: 'jo.bloggs', displayName: 'Jo Bloggs', consoleRole: 'controller' },
    });

    // The right temporary password is not a login: the console is told to ask for a new one.
    const first = await login('jo.bloggs', temporary);
    expect(first.status).toBe(403);
    expect(first.json.error?.code).toBe('TW_PASSWORD_CHANGE_REQUIRED');
    // Nor is it a way in over MQTT.
    await expect(connectMqtt(gw.broker.port, null, { username: 'jo.bloggs', password: temporary, clientId: 'jo.bloggs-1' })).rejects.toThrow();
    // A wrong current password does not change anything.
    const wrong = await call('POST', '/api/login/password', null, { username: 'jo.bloggs', password: 'not-the-one-1', newPassword: chosen });
    expect(wrong.status).toBe(401);
    // The same password again is not a change.
    const same = await call('POST', '/api/login/password', null, { username: 'jo.bloggs', password: temporary, newPassword: temporary });
    expect(same.status).toBe(400);

    const s = await firstLogin('jo.bloggs', temporary, chosen);
    expect((await call('GET', '/api/me', s)).json.data).toMatchObject({ username: 'jo.bloggs', consoleRole: 'controller' });
    expect((await call('GET', '/api/state', s)).status).toBe(200);
    expect((await login('jo.bloggs', temporary)).status).toBe(401);
    expect((await login('jo.bloggs', chosen)).status).toBe(200);
    expect(journal('user.password-changed')).toMatchObject([{ actor: 'jo.bloggs', payload: { username: 'jo.bloggs', wasTemporary: true } }]);
    expect((await people()).find((p) => p.username === 'jo.bloggs')?.mustChangePassword).toBe(false);
    // Not a password, not a hash, in the journal.
    const text = journalText();
    for (const secret of [temporary, chosen, 'scrypt$']) expect(text).not.toContain(secret);
  });

  it('refuses what a security manager may not do, each with a reason', async () => {
    const add = (body: Record<string, unknown>) =>
      call('POST', '/api/users', manager, {
        username: 'new.person',
        displayName: 'New Person',
        consoleRole: 'controller',
        temporaryPassword: 'long-enough-1',
        ...body,
      });
    // Only console roles: a device role is not one.
    expect((await add({ consoleRole: 'handset' })).status).toBe(400);
    expect((await add({ consoleRole: 'member' })).json.error?.message).toMatch(/a member needs the premises/);
    expect((await add({ consoleRole: 'member', premisesId: 'prem-999' })).json.error?.message).toMatch(/no premises "prem-999"/);
    expect((await add({ premisesId: 'prem-001' })).json.error?.message).toMatch(/only a member has premises/);
    expect((await add({ temporaryPassword: 'short' })).status).toBe(400);
    // Taken, by a person or by a device.
    expect((await add({ username: 'controller' })).status).toBe(409);
    expect((await add({ username: 'radio-2001' })).status).toBe(409);
    expect((await add({ username: 'jo.bloggs' })).status).toBe(409);
    expect((await add({ username: 'Bad Name' })).status).toBe(400);
    // A device account is not a person to change.
    expect((await call('PATCH', '/api/users/radio-2001', manager, { disabled: true })).status).toBe(404);
    expect((await call('PATCH', '/api/users/nobody-here', manager, { disabled: true })).status).toBe(404);
    expect((await call('PATCH', '/api/users/controller', manager, {})).status).toBe(400);
    // Nobody disables themselves; the last security manager stays one.
    expect((await call('PATCH', '/api/users/secmgr', manager, { disabled: true })).json.error?.message).toMatch(/cannot disable your own account/);
    expect((await call('PATCH', '/api/users/secmgr', manager, { consoleRole: 'controller' })).json.error?.message).toMatch(/last security manager/);
    expect((await people()).map((p) => p.username)).not.toContain('new.person');
  });

  it('adds a member for a premises, shown to them as their own', async () => {
    const added = await call('POST', '/api/users', manager, {
      username: 'baker',
      displayName: 'Pat Baker',
      consoleRole: 'member',
      premisesId: 'prem-002',
      temporaryPassword: 'first-time-pass',
    });
    expect(added.status).toBe(201);
    const s = await firstLogin('baker', 'first-time-pass', 'bread and butter 9');
    expect((await call('GET', '/api/me', s)).json.data).toMatchObject({ consoleRole: 'member', premisesId: 'prem-002' });
  });
});

describe('changing, resetting and disabling', () => {
  it('a disabled account cannot log in, and its live console ends at once', async () => {
    const s = await loginSession(gw.httpPort, 'operator');
    const live = await openConsole(s.cookie);
    const res = await call('PATCH', '/api/users/operator', manager, { disabled: true });
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ username: 'operator', disabled: true, source: 'database' });
    await eventually(() => live.disconnects.length > 0, 5_000, 'the console socket to close');
    expect((await call('GET', '/api/me', s)).status).toBe(401);
    // The right password, refused as any wrong one is (a guesser learns nothing).
    const refused = await login('operator', demoPassword('operator'));
    expect(refused.status).toBe(401);
    expect(refused.json.error?.code).toBe('TW_BAD_CREDENTIALS');
    const [disabled] = journal('user.disabled');
    expect(disabled).toMatchObject({ actor: 'secmgr', subject: 'account:operator', payload: { username: 'operator' } });
    expect((disabled!.payload as { sessionsEnded: number }).sessionsEnded).toBeGreaterThanOrEqual(1);
    expect(journal('security.login-failed').some((e) => (e.payload as { username?: string } | null)?.username === 'operator')).toBe(true);

    // And back: the same password works again.
    expect((await call('PATCH', '/api/users/operator', manager, { disabled: false })).status).toBe(200);
    expect((await login('operator', demoPassword('operator'))).status).toBe(200);
    expect(journal('user.enabled')).toMatchObject([{ actor: 'secmgr', payload: { username: 'operator' } }]);
  });

  it("a disabled person's MQTT connection closes, and it cannot connect again", async () => {
    const mqtt = await connectMqtt(gw.broker.port, 'operator');
    const closed = new Promise<void>((resolve) => mqtt.once('close', () => resolve()));
    expect((await call('PATCH', '/api/users/operator', manager, { disabled: true })).status).toBe(200);
    await closed;
    await expect(connectMqtt(gw.broker.port, 'operator')).rejects.toThrow(/Not authorized/i);
    expect((await call('PATCH', '/api/users/operator', manager, { disabled: false })).status).toBe(200);
    (await connectMqtt(gw.broker.port, 'operator')).end(true);
  });

  it('a new role ends the sessions that carry the old one', async () => {
    const s = await loginSession(gw.httpPort, 'police');
    expect((await call('GET', '/api/subjects', s)).status).toBe(200);
    const res = await call('PATCH', '/api/users/police', manager, { consoleRole: 'engineer', displayName: 'Sgt Pat Police' });
    expect(res.status).toBe(200);
    expect((await call('GET', '/api/subjects', s)).status).toBe(401);
    const again = await loginSession(gw.httpPort, 'police');
    expect((await call('GET', '/api/me', again)).json.data).toMatchObject({ consoleRole: 'engineer' });
    expect((await call('GET', '/api/subjects', again)).status).toBe(403);
    expect(journal('user.changed').at(-1)).toMatchObject({
      actor: 'secmgr',
      payload: { username: 'police', changed: ['displayName', 'consoleRole'], displayName: 'Sgt Pat Police', consoleRole: 'engineer' },
    });
    expect((await call('PATCH', '/api/users/police', manager, { consoleRole: 'police' })).status).toBe(200);
  });

  it('a reset password ends the sessions and must be replaced at the next login', async () => {
    const s = await loginSession(gw.httpPort, 'controller');
    const res = await call('POST', '/api/users/controller/password', manager, { temporaryPassword: 'reset-by-manager-1' });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('reset-by-manager-1');
    expect(res.json.data).toMatchObject({ mustChangePassword: true });
    expect((await call('GET', '/api/me', s)).status).toBe(401);
    expect((await login('controller', demoPassword('controller'))).status).toBe(401);
    expect((await login('controller', 'reset-by-manager-1')).json.error?.code).toBe('TW_PASSWORD_CHANGE_REQUIRED');
    await firstLogin('controller', 'reset-by-manager-1', 'night shift 2026 ok');
    expect(journal('user.password-reset')).toMatchObject([{ actor: 'secmgr', payload: { username: 'controller' } }]);
    expect(journalText()).not.toContain('reset-by-manager-1');
  });

  it('another security manager can be made, and then the first may step down, but not disable themselves', async () => {
    await call('POST', '/api/users', manager, {
      username: 'deputy',
      displayName: 'Dee Deputy',
      consoleRole: 'security-manager',
      temporaryPassword: 'deputy-temp-1',
    });
    // Only enabled managers count: a deputy who never logged in is enabled, so the first may step down.
    const down = await call('PATCH', '/api/users/secmgr', manager, { consoleRole: 'controller' });
    expect(down.status).toBe(200);
    // Stepping down ended the manager's own session: the deputy takes over.
    expect((await call('GET', '/api/users', manager)).status).toBe(401);
    const deputy = await firstLogin('deputy', 'deputy-temp-1', 'second in charge 1');
    expect((await call('PATCH', '/api/users/deputy', deputy, { consoleRole: 'police' })).json.error?.message).toMatch(
      /Dee Deputy is the last security manager/,
    );
    expect((await call('PATCH', '/api/users/secmgr', deputy, { consoleRole: 'security-manager' })).status).toBe(200);
    manager = await loginSession(gw.httpPort, 'secmgr');
  });

  it('a configured person may choose a new password at login too, which the database then holds', async () => {
    const s = await firstLogin('member', demoPassword('member'), 'pharmacy counter 42');
    expect((await call('GET', '/api/me', s)).json.data).toMatchObject({ username: 'member', consoleRole: 'member', premisesId: 'prem-001' });
    expect((await login('member', demoPassword('member'))).status).toBe(401);
    expect(journal('user.password-changed').at(-1)).toMatchObject({ actor: 'member', payload: { username: 'member', wasTemporary: false } });
    expect((await people()).find((p) => p.username === 'member')).toMatchObject({ source: 'database', premisesId: 'prem-001', mustChangePassword: false });
  });

  it('the database wins over the config, and is still in force after a restart', async () => {
    expect((await call('PATCH', '/api/users/engineer', manager, { disabled: true })).status).toBe(200);
    await gw.stop();
    gw = await startGateway(setup.config);
    manager = await loginSession(gw.httpPort, 'secmgr');
    expect((await login('engineer', demoPassword('engineer'))).status).toBe(401);
    const list = await people();
    expect(list.find((p) => p.username === 'engineer')).toMatchObject({ disabled: true, source: 'database' });
    expect(list.find((p) => p.username === 'jo.bloggs')).toMatchObject({ displayName: 'Jo Bloggs', consoleRole: 'controller', source: 'database' });
    expect((await login('jo.bloggs', 'my own passphrase 7')).status).toBe(200);
  });
});
