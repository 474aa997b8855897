import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Gateway } from '../../gateway/app';
import { cookieFrom, SESSION_COOKIE } from '../../gateway/auth/sessions';
import type { ClientToServerEvents, ServerToClientEvents } from '../../gateway/contract/socket';
import { ManualClock } from '../helpers/clock';
import { eventually, loginSession, startGateway, testConfig } from '../helpers/gateway';
import { freePort } from '../helpers/net';

/**
 * Issue 14, finding 6: a live connection must not outlive the session it was opened under.
 * A person who logs out (or idles out) on a shared control-room PC must not leave a socket
 * behind that still receives the live picture, runs commands or streams a camera.
 */

type ConsoleClient = Socket<ServerToClientEvents, ClientToServerEvents>;
const sockets: ConsoleClient[] = [];
const videos: WebSocket[] = [];

/**
 * Two gateways: `slow` re-checks sessions only every minute (so what happens there within
 * seconds is the logout notification or the per-command check), `fast` has a short idle
 * timeout and re-checks often (idle expiry with no command at all). Each has its own clock,
 * which the tests move on past the idle timeout instead of waiting for it.
 */
let slow: Gateway;
let fast: Gateway;
const slowClock = new ManualClock();
const fastClock = new ManualClock();
const SLOW_IDLE_MS = 3_000;
const FAST = { idleMs: 1_500, checkMs: 250 };

/** The demo town's cameras on a port where nobody serves RTSP: a view opens (and is journaled) without a stream. */
async function config() {
  const deadPort = await freePort();
  return testConfig((doc) => {
    doc.cameras = (doc.cameras as Array<Record<string, unknown>>).map((c) => ({ ...c, rtspUrl: `rtsp://127.0.0.1:${deadPort}/${String(c.id)}` }));
  }).config;
}

beforeAll(async () => {
  slow = await startGateway(await config(), { sessionTiming: { idleMs: SLOW_IDLE_MS, checkMs: 60_000 }, clock: slowClock });
  fast = await startGateway(await config(), { sessionTiming: FAST, clock: fastClock });
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  for (const v of videos) v.terminate();
  await slow?.stop();
  await fast?.stop();
});

/** A console's Socket.IO connection as the browser opens it (session cookie, same origin); resolves once connected. */
async function openConsole(gw: Gateway, cookie: string): Promise<{ socket: ConsoleClient; disconnects: string[] }> {
  const socket: ConsoleClient = ioClient(`http://127.0.0.1:${gw.httpPort}`, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
  sockets.push(socket);
  const disconnects: string[] = [];
  socket.on('disconnect', (reason) => disconnects.push(reason));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, disconnects };
}

/** `/video/<id>` as the camera wall opens it; resolves once open, with its close code when it closes. */
async function openVideo(gw: Gateway, cookie: string): Promise<{ ws: WebSocket; closed: () => number | null }> {
  const ws = new WebSocket(`ws://127.0.0.1:${gw.httpPort}/video/cam-01`, { headers: { cookie } });
  videos.push(ws);
  let code: number | null = null;
  ws.on('close', (c) => (code = c));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return { ws, closed: () => code };
}

async function logout(gw: Gateway, session: { cookie: string; csrf: string }): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/logout`, {
    method: 'POST',
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(res.status).toBe(200);
}

function viewEnds(gw: Gateway, user: string): Array<{ reason: string }> {
  return gw.journal
    .read(0, 100_000)
    .filter((e) => e.type === 'video.view-ended' && e.actor === user)
    .map((e) => e.payload as { reason: string });
}

describe('console socket and session', () => {
  it('logging out over HTTP disconnects the console socket at once; the console cannot reconnect or run a command', async () => {
    const session = await loginSession(slow.httpPort, 'controller');
    const { socket, disconnects } = await openConsole(slow, session.cookie);
    // While the session lives, the command works: the refusal below is the session's doing.
    const before: unknown = await socket.timeout(5_000).emitWithAck('subject:search', {});
    expect(before).toHaveProperty('data');

    await logout(slow, session);
    // The re-check interval here is a minute: only the logout itself can close it this soon.
    await eventually(() => disconnects.length > 0, 5_000, 'the console socket to be disconnected');
    expect(disconnects).toEqual(['io server disconnect']);

    // The console tries again, as it does after a server disconnect: refused.
    const refused = new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    socket.connect();
    expect((await refused).message).toBe('unauthenticated');
    await expect(socket.timeout(1_000).emitWithAck('subject:search', {})).rejects.toThrow();
  });

  it('a command sent after the session idled out is refused and the socket closed, before any periodic check', async () => {
    const session = await loginSession(slow.httpPort, 'controller');
    const { socket, disconnects } = await openConsole(slow, session.cookie);
    // An open socket is not activity: after the idle timeout (and well before the minute's
    // re-check) the next command finds the session gone.
    await slowClock.advance(SLOW_IDLE_MS + 500);
    const seqBefore = slow.journal.head.seq;
    const reply: unknown = await socket.timeout(5_000).emitWithAck('alert:send', { text: 'after idle expiry', priority: 'high', talkgroups: ['tg-town'] });
    expect(reply).toEqual({ error: { code: 'TW_UNAUTHENTICATED', message: expect.any(String) as string } });
    await eventually(() => disconnects.length > 0, 5_000, 'the console socket to be disconnected');
    // Nothing was done in the person's name.
    expect(slow.journal.read(seqBefore, 1000).filter((e) => e.actor === 'controller')).toEqual([]);
  });

  it('an idle expiry disconnects an open console socket with no command sent', async () => {
    const session = await loginSession(fast.httpPort, 'controller');
    const { socket, disconnects } = await openConsole(fast, session.cookie);
    const disconnected = new Promise((resolve) => socket.once('disconnect', resolve));
    await fastClock.advance(FAST.idleMs - FAST.checkMs);
    expect(fast.sessions.peek(cookieFrom(session.cookie, SESSION_COOKIE))).not.toBeNull(); // not idle long enough yet
    await fastClock.advance(2 * FAST.checkMs);
    await disconnected;
    expect(disconnects).toEqual(['io server disconnect']);
    const me = await fetch(`http://127.0.0.1:${fast.httpPort}/api/me`, { headers: { cookie: session.cookie } });
    expect(me.status).toBe(401);
  });
});

describe('video socket and session', () => {
  it('logging out closes an open video WebSocket at once (policy violation), journaled as the session ending', async () => {
    const session = await loginSession(slow.httpPort, 'operator');
    const video = await openVideo(slow, session.cookie);
    await logout(slow, session);
    await eventually(() => video.closed() !== null, 5_000, 'the video WebSocket to close');
    expect(video.closed()).toBe(1008);
    await eventually(() => viewEnds(slow, 'operator').some((p) => p.reason === 'session ended'), 5_000, 'the view end in the journal');
    // And it cannot be opened again with that cookie.
    await expect(openVideo(slow, session.cookie)).rejects.toThrow('HTTP 401');
  });

  it('an idle expiry closes an open video WebSocket: watching is not activity', async () => {
    const session = await loginSession(fast.httpPort, 'operator');
    const video = await openVideo(fast, session.cookie);
    const closed = new Promise((resolve) => video.ws.once('close', resolve));
    await fastClock.advance(FAST.idleMs + 2 * FAST.checkMs);
    await closed;
    expect(video.closed()).toBe(1008);
    await eventually(() => viewEnds(fast, 'operator').some((p) => p.reason === 'session ended'), 5_000, 'the view end in the journal');
  });
});
