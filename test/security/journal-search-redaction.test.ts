import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { JournalEvent } from '../../gateway/journal/types';
import { connectMqtt, login, startGateway, testConfig, withCsrf } from '../helpers/gateway';

let gw: Gateway;
const cookies: Record<string, string> = {};

async function call<T>(method: string, path: string, who: string, body?: unknown): Promise<{ status: number; data: T; text: string }> {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}${path}`, {
    method,
    headers: { ...withCsrf(cookies[who]!), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, data: (JSON.parse(text) as { data: T }).data, text };
}

beforeAll(async () => {
  gw = await startGateway(testConfig().config);
  for (const who of ['controller', 'police', 'engineer', 'member', 'secmgr']) cookies[who] = await login(gw.httpPort, who);
  const created = await call<{ id: string }>('POST', '/api/subjects', 'controller', {
    status: 'known',
    name: 'Jack Threlfall',
    description: 'tall, grey hoodie',
    features: ['hair:ginger'],
  });
  expect(created.status).toBe(200);
  // A police officer searches the gallery by name: the search is journaled with its terms.
  const found = await call<Array<{ id: string }>>('GET', '/api/subjects?q=threlfall', 'police');
  expect(found.data.map((s) => s.id)).toEqual([created.data.id]);
}, 30_000);

afterAll(async () => {
  await gw?.stop();
});

const searches = (events: JournalEvent[]) => events.filter((e) => e.type === 'subject.viewed' && (e.payload as { via?: string }).via === 'search');

describe('subject search terms in the raw journal (GET /api/journal)', () => {
  it('are withheld from an engineer, who still sees that the search happened and who made it', async () => {
    const res = await call<{ events: JournalEvent[] }>('GET', '/api/journal?after=0&limit=500', 'engineer');
    expect(res.status).toBe(200);
    const s = searches(res.data.events);
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ actor: 'police', payload: { via: 'search', query: 'redacted' } });
    expect(res.text.toLowerCase()).not.toContain('threlfall');
  });

  it('are shown to a controller, who reads the whole gallery', async () => {
    const res = await call<{ events: JournalEvent[] }>('GET', '/api/journal?after=0&limit=500', 'controller');
    expect(res.status).toBe(200);
    expect(searches(res.data.events)[0]).toMatchObject({ actor: 'police', payload: { query: { q: 'threlfall', features: [] } } });
  });

  it('is not readable at all by roles outside the journal readers', async () => {
    for (const who of ['member', 'secmgr', 'police']) expect((await call('GET', '/api/journal?after=0&limit=500', who)).status).toBe(403);
  });

  it('stays whole in the journal itself', () => {
    const raw = [...gw.journal.replay()].filter((e) => e.type === 'subject.viewed');
    expect(raw[0]!.payload).toMatchObject({ query: { q: 'threlfall' } });
  });
});

describe("what people said, in the engineer's raw journal", () => {
  it('loses its words: a radio text and a shop report keep their header, ids and chain', async () => {
    const radio = await connectMqtt(gw.broker.port, 'radio-2003');
    const shop = await connectMqtt(gw.broker.port, 'shop-prem-001');
    try {
      await radio.publishAsync('tw/v1/radio/2003/text', JSON.stringify({ to: 9001, text: 'Jack Threlfall on Bridge Street' }), { qos: 1 });
      await shop.publishAsync(
        'tw/v1/shop/prem-001/report',
        JSON.stringify({ kind: 'incident', category: 'theft', occurredAt: new Date().toISOString(), description: 'Jack Threlfall again, two bottles' }),
        { qos: 1 },
      );
    } finally {
      await Promise.all([radio.endAsync(), shop.endAsync()]);
    }
    const engineer = await call<{ events: JournalEvent[] }>('GET', '/api/journal?after=0&limit=500', 'engineer');
    const controller = await call<{ events: JournalEvent[] }>('GET', '/api/journal?after=0&limit=500', 'controller');
    const of = (events: JournalEvent[], type: string) => events.find((e) => e.type === type)!;
    expect(of(engineer.data.events, 'radio.text')).toMatchObject({ payload: { issi: 2003 } });
    expect(of(engineer.data.events, 'shop.report')).toMatchObject({ payload: { premisesId: 'prem-001' } });
    expect(of(engineer.data.events, 'shop.report').hash).toBe(of(controller.data.events, 'shop.report').hash);
    expect(engineer.text.toLowerCase()).not.toContain('threlfall');
    // The control room reads them whole.
    expect(of(controller.data.events, 'radio.text').payload).toMatchObject({ text: 'Jack Threlfall on Bridge Street' });
  });
});
