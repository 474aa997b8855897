import type { MqttClient } from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { BulletinView, InboxBulletin } from '../../gateway/contract/bulletins';
import { ShopDownlink } from '../../gateway/contract/payloads';
import type { ClientToServerEvents, ServerToClientEvents } from '../../gateway/contract/socket';
import { connectMqtt, eventually, journaled, loginSession, startGateway, testConfig } from '../helpers/gateway';

/**
 * Item 8 of issue 16: bulletins from the control room reach member premises on their shop
 * terminal's own downlink and on their members' page, scoped to the premises they were sent to;
 * receipts come back from both, and a bad receipt is quarantined. Real broker, real MQTT
 * clients, real HTTP and Socket.IO.
 */
let gw: Gateway;
let base: string;
const clients: MqttClient[] = [];
const sockets: Socket[] = [];
type Session = { cookie: string; csrf: string };
const sessions: Record<string, Session> = {};

beforeAll(async () => {
  gw = await startGateway(testConfig().config);
  base = `http://127.0.0.1:${gw.httpPort}`;
  for (const u of ['controller', 'police', 'member', 'operator']) sessions[u] = await loginSession(gw.httpPort, u);
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await gw?.stop();
});

async function api<T>(
  user: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; data: T; error?: { code: string; message: string } }> {
  const s = sessions[user]!;
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { data: T; error?: { code: string; message: string } };
  return { status: res.status, ...json };
}

async function terminal(premisesId: string): Promise<{ client: MqttClient; got: Array<{ topic: string; body: unknown }> }> {
  const client = await connectMqtt(gw.broker.port, `shop-${premisesId}`);
  clients.push(client);
  const got: Array<{ topic: string; body: unknown }> = [];
  client.on('message', (topic, m) => got.push({ topic, body: JSON.parse(m.toString()) as unknown }));
  return { client, got };
}

/** SUBACK return codes of one subscription each. */
async function granted(client: MqttClient, filter: string): Promise<number> {
  return client.subscribeAsync(filter, { qos: 1 }).then(
    (g) => g[0]!.qos as number,
    (err: { packet?: { granted: number[] } }) => err.packet?.granted[0] ?? -1,
  );
}

describe('the shop downlink', () => {
  it("lets a shop terminal read only its own premises' downlink, and delivers a bulletin only there", async () => {
    const pharmacy = await terminal('prem-001');
    const bookies = await terminal('prem-007');
    expect(await granted(pharmacy.client, 'tw/v1/shop/prem-001/down')).toBe(1);
    expect(await granted(bookies.client, 'tw/v1/shop/prem-007/down')).toBe(1);
    // Another premises' downlink, by name or by wildcard: refused with SUBACK 0x80.
    expect(await granted(bookies.client, 'tw/v1/shop/prem-001/down')).toBe(128);
    expect(await granted(bookies.client, 'tw/v1/shop/+/down')).toBe(128);
    expect(await granted(bookies.client, 'tw/v1/#')).toBe(128);

    const sent = await api<BulletinView>('controller', 'POST', '/api/bulletins', {
      kind: 'alert',
      text: 'Shoplifter working the Market Square pharmacies: man, 30s, grey tracksuit',
      audience: { kind: 'premises', ids: ['prem-001'] },
    });
    expect(sent.status).toBe(200);
    const msg = await eventually(() => pharmacy.got.find((m) => m.topic === 'tw/v1/shop/prem-001/down'), 10_000, 'the downlink');
    const down = ShopDownlink.parse(msg.body);
    expect(down).toMatchObject({ msgId: sent.data.id, kind: 'alert', from: 'controller', ackRequested: true });
    // The bookmaker's own downlink is still quiet: the bulletin went to one premises.
    await new Promise((r) => setTimeout(r, 300));
    expect(bookies.got).toEqual([]);
    expect(journaled(gw, 'bulletin.sent').at(-1)).toMatchObject({ bulletinId: sent.data.id, premises: ['prem-001'] });
  });

  it('asks for a confirmation before a bulletin goes to more than one premises', async () => {
    const market = { kind: 'bulletin', text: 'Market Square is closed to traffic from 18:00', audience: { kind: 'zones', ids: ['market-square'] } };
    const before = journaled(gw, 'bulletin.sent').length;
    const unconfirmed = await api('controller', 'POST', '/api/bulletins', market);
    expect(unconfirmed.status).toBe(409);
    expect(unconfirmed.error?.message).toMatch(/goes to \d+ premises/);
    expect(journaled(gw, 'bulletin.sent')).toHaveLength(before);
    const confirmed = await api<BulletinView>('controller', 'POST', '/api/bulletins', { ...market, confirmed: true });
    expect(confirmed.status).toBe(200);
    const inZone = gw.config.premises.filter((p) => p.zone === 'market-square').map((p) => p.id);
    expect(confirmed.data.recipients.map((r) => r.premisesId).sort()).toEqual(inZone.sort());
    expect(confirmed.data.audienceText).toMatch(/^Market Square/);
    // Names, not ids, where a person reads.
    expect(confirmed.data.recipients.find((r) => r.premisesId === 'prem-001')?.premisesName).toBe('Market Square Pharmacy');
  });

  it('refuses bulletins from roles the policy does not give them, and unknown premises', async () => {
    const op = await api('operator', 'POST', '/api/bulletins', { text: 'x', audience: { kind: 'all' }, confirmed: true });
    expect(op.status).toBe(403);
    const member = await api('member', 'POST', '/api/bulletins', { text: 'x', audience: { kind: 'all' }, confirmed: true });
    expect(member.status).toBe(403);
    const unknown = await api('controller', 'POST', '/api/bulletins', { text: 'x', audience: { kind: 'premises', ids: ['prem-999'] } });
    expect(unknown.status).toBe(400);
    expect(unknown.error?.message).toContain('unknown premises "prem-999"');
  });
});

describe('read receipts', () => {
  it("journals a terminal's receipts and shows the controller delivered, then read", async () => {
    const shop = await terminal('prem-007');
    await shop.client.subscribeAsync('tw/v1/shop/prem-007/down', { qos: 1 });
    const sent = await api<BulletinView>('police', 'POST', '/api/bulletins', {
      text: 'Bridge Street: CCTV down until 14:00',
      audience: { kind: 'premises', ids: ['prem-007'] },
    });
    expect(sent.status).toBe(200);
    const id = sent.data.id;
    await eventually(() => shop.got.some((m) => (m.body as { msgId: string }).msgId === id), 10_000, 'the downlink');
    await shop.client.publishAsync('tw/v1/shop/prem-007/receipt', JSON.stringify({ msgId: id, status: 'delivered' }), { qos: 1 });
    const status = async () => (await api<BulletinView[]>('controller', 'GET', '/api/bulletins')).data.find((b) => b.id === id)?.recipients[0];
    await eventually(async () => (await status())?.status === 'delivered', 10_000, 'delivered');
    await shop.client.publishAsync('tw/v1/shop/prem-007/receipt', JSON.stringify({ msgId: id, status: 'read' }), { qos: 1 });
    await eventually(async () => (await status())?.status === 'read', 10_000, 'read');
    expect(await status()).toMatchObject({ premisesName: 'Bridge Street Bookmakers', readVia: 'terminal' });
    expect(journaled(gw, 'shop.receipt').filter((p) => p.msgId === id)).toEqual([
      { msgId: id, status: 'delivered', premisesId: 'prem-007' },
      { msgId: id, status: 'read', premisesId: 'prem-007' },
    ]);
  });

  it('quarantines an invalid receipt and refuses one for another premises', async () => {
    const shop = await terminal('prem-013');
    const sent = await api<BulletinView>('controller', 'POST', '/api/bulletins', {
      text: 'Test of the receipts',
      audience: { kind: 'premises', ids: ['prem-001'] },
    });
    const id = sent.data.id;
    const before = journaled(gw, 'shop.receipt').length;
    // A status the contract does not have, and a field it does not know: both quarantined with zod's reason.
    await shop.client.publishAsync('tw/v1/shop/prem-013/receipt', JSON.stringify({ msgId: id, status: 'seen' }), { qos: 1 });
    await shop.client.publishAsync('tw/v1/shop/prem-013/receipt', JSON.stringify({ msgId: id, status: 'read', by: 'Dave' }), { qos: 1 });
    const quarantined = await eventually(
      () => {
        const q = journaled(gw, 'quarantine.message').filter((p) => p.topic === 'tw/v1/shop/prem-013/receipt');
        return q.length === 2 && q;
      },
      10_000,
      'two quarantined receipts',
    );
    expect(quarantined.map((q) => q.kind)).toEqual(['schema', 'schema']);
    expect(String(quarantined[0]!.reason)).toContain('status');
    // Another premises' receipt topic: not this terminal's to publish on.
    // QoS 0: the broker's refusal is to close the connection, so no PUBACK would ever come.
    await shop.client.publishAsync('tw/v1/shop/prem-001/receipt', JSON.stringify({ msgId: id, status: 'read' }), { qos: 0 }).catch(() => undefined);
    await eventually(() => journaled(gw, 'security.publish-denied').some((p) => String(p.topic).includes('prem-001/receipt')), 10_000, 'the denial');
    expect(journaled(gw, 'shop.receipt')).toHaveLength(before);
    const view = (await api<BulletinView[]>('controller', 'GET', '/api/bulletins')).data.find((b) => b.id === id)!;
    expect(view.recipients).toMatchObject([{ premisesId: 'prem-001', status: 'sent' }]);
  });

  it("gives a member only its own premises' bulletins, live, and journals its read with the member", async () => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = ioClient(base, {
      transports: ['websocket'],
      extraHeaders: { cookie: sessions.member!.cookie },
      reconnection: false,
    });
    sockets.push(socket);
    const live: InboxBulletin[] = [];
    socket.on('bulletins:inbox', (list) => live.push(...list));
    await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('connect_error', reject));

    const elsewhere = await api<BulletinView>('controller', 'POST', '/api/bulletins', {
      text: 'Only for the bookmaker',
      audience: { kind: 'premises', ids: ['prem-007'] },
    });
    const mine = await api<BulletinView>('controller', 'POST', '/api/bulletins', {
      text: 'Only for the pharmacy',
      audience: { kind: 'premises', ids: ['prem-001'] },
    });
    await eventually(() => live.some((b) => b.id === mine.data.id), 10_000, "the member's bulletin, live");
    expect(live.some((b) => b.id === elsewhere.data.id)).toBe(false);

    const inbox = (await api<InboxBulletin[]>('member', 'GET', '/api/bulletins')).data;
    expect(inbox.some((b) => b.id === mine.data.id)).toBe(true);
    expect(inbox.some((b) => b.id === elsewhere.data.id)).toBe(false);
    // Who else a bulletin went to is not a member's business.
    expect(inbox.every((b) => !('recipients' in b))).toBe(true);

    // Another premises' bulletin cannot be marked: as if it did not exist.
    expect((await api('member', 'POST', `/api/bulletins/${elsewhere.data.id}/receipt`, { status: 'read' })).status).toBe(404);
    const read = await api<InboxBulletin>('member', 'POST', `/api/bulletins/${mine.data.id}/receipt`, { status: 'read' });
    expect(read.data).toMatchObject({ status: 'read', readBy: 'member' });
    // Read twice: journaled once.
    await api('member', 'POST', `/api/bulletins/${mine.data.id}/receipt`, { status: 'read' });
    const receipts = [...gw.journal.replay()].filter((e) => e.type === 'bulletin.receipt' && e.ref === mine.data.id);
    expect(receipts.map((e) => [e.actor, (e.payload as { status: string }).status])).toEqual([['member', 'read']]);
    const seen = (await api<BulletinView[]>('police', 'GET', '/api/bulletins')).data.find((b) => b.id === mine.data.id)!;
    expect(seen.recipients).toMatchObject([{ premisesId: 'prem-001', status: 'read', readBy: 'member', readVia: 'console' }]);
    await eventually(() => live.some((b) => b.id === mine.data.id && b.status === 'read'), 10_000, 'the read, live');
  });
});

describe("a member's own reports", () => {
  it("get their status and outcome live, and only its own premises'", async () => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = ioClient(base, {
      transports: ['websocket'],
      extraHeaders: { cookie: sessions.member!.cookie },
      reconnection: false,
    });
    sockets.push(socket);
    const live: Array<{ incidentId: string; premisesId: string | null; state: string; outcome: string | null; caller?: unknown }> = [];
    socket.on('incidents:own', (list) => live.push(...list));
    await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('connect_error', reject));
    const report = (premisesId: string) =>
      JSON.stringify({ kind: 'incident', category: 'theft', occurredAt: new Date().toISOString(), description: `own reports test at ${premisesId}` });
    const bookies = await terminal('prem-007');
    const pharmacy = await terminal('prem-001');
    await bookies.client.publishAsync('tw/v1/shop/prem-007/report', report('prem-007'), { qos: 1 });
    await pharmacy.client.publishAsync('tw/v1/shop/prem-001/report', report('prem-001'), { qos: 1 });
    const opened = await eventually(() => live.find((i) => i.premisesId === 'prem-001' && i.state === 'reported'), 10_000, 'its report, live');
    const close = await api('controller', 'POST', `/api/incidents/${opened.incidentId}/close`, { outcome: 'words-of-advice', note: 'Spoke to him outside' });
    expect(close.status).toBe(200);
    await eventually(
      () => live.find((i) => i.incidentId === opened.incidentId && i.state === 'closed' && i.outcome === 'words-of-advice'),
      10_000,
      'the outcome, live',
    );
    expect(live.filter((i) => i.premisesId !== 'prem-001')).toEqual([]);
    expect(live.every((i) => i.caller === undefined)).toBe(true);
  });
});
