import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { JournalEvent } from '../../gateway/journal/types';
import { login, startGateway, testConfig, withCsrf } from '../helpers/gateway';

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
