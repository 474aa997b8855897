import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import type { JournalEvent } from '../../gateway/journal/types';
import { connectMqtt, eventually, startGateway, testConfig } from '../helpers/gateway';

/**
 * Overload sheds positions, never emergencies (issue 20): with more appends queued than twice
 * the journal's batch, a radio's queued position fix is replaced by its newer one (latest
 * wins), every publisher still gets its PUBACK once the fix that replaced its own is durable,
 * and the number shed is journaled per radio. The backlog is made by holding commits.
 */
let gw: Gateway;
const clients: MqttClient[] = [];

beforeAll(async () => {
  const t = testConfig((doc) => {
    ((doc.gateway as Record<string, unknown>).journal as Record<string, unknown>).maxBatch = 50; // overloaded past 100 queued
  });
  gw = await startGateway(t.config, { baseDir: t.dir });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await gw.stop();
});

const fix = (marker: number) => JSON.stringify({ lat: 52.955, lon: -1.15, accuracyM: marker, fixTime: new Date().toISOString() });
const positionsOf = (events: JournalEvent[], issi: number) =>
  events.filter((e) => e.type === 'radio.position' && (e.payload as { issi: number }).issi === issi);

describe('position coalescing under overload', () => {
  it('keeps the latest fix per radio, acknowledges every one, journals how many were shed, and never sheds an emergency', async () => {
    const OTHERS = [2002, 2003, 2004, 2006, 2007, 2008];
    const others = await Promise.all(OTHERS.map((issi) => connectMqtt(gw.broker.port, `radio-${issi}`)));
    const radio = await connectMqtt(gw.broker.port, 'radio-2001');
    const presser = await connectMqtt(gw.broker.port, 'radio-2005');
    clients.push(...others, radio, presser);
    const release = gw.journal.holdCommits();
    // Within each account's burst (100), so the publish limit delays none of them.
    const backlog = others.flatMap((c, u) => Array.from({ length: 90 }, (_, i) => c.publishAsync(`tw/v1/radio/${OTHERS[u]}/position`, fix(i), { qos: 1 })));
    // Past 100 queued the backlog's own fixes coalesce too: it grows no further than that.
    await eventually(() => gw.journal.pendingCount >= 100, 20_000, 'a backlog at the overload mark');

    const SENT = 50;
    const acks = Array.from({ length: SENT }, (_, i) => radio.publishAsync('tw/v1/radio/2001/position', fix(1000 + i), { qos: 1 }));
    // From another handset: a connection's next packets wait for its current ones' commits.
    const emergencies = [
      presser.publishAsync('tw/v1/radio/2005/emergency', JSON.stringify({ state: 'pressed' }), { qos: 1 }),
      presser.publishAsync('tw/v1/radio/2005/emergency', JSON.stringify({ state: 'pressed' }), { qos: 1 }),
    ];
    await eventually(() => gw.journal.urgentCount === 2, 10_000, 'both presses queued');
    release();
    await Promise.all([...acks, ...emergencies, ...backlog]); // every publisher acknowledged

    const report = await eventually(() => [...gw.journal.replay()].find((e) => e.type === 'journal.coalesced'), 10_000, 'the coalesced count');
    const events = [...gw.journal.replay()];
    const mine = positionsOf(events, 2001);
    const shed = (report.payload as { counts: Record<string, number> }).counts['position:radio:2001'] ?? 0;
    expect(shed).toBeGreaterThan(0);
    expect(mine.length + shed).toBe(SENT);
    expect(mine.map((e) => (e.payload as { accuracyM: number }).accuracyM)).toContain(1000 + SENT - 1); // latest wins
    expect(events.filter((e) => e.type === 'radio.emergency' && (e.payload as { issi: number }).issi === 2005)).toHaveLength(2);
  }, 60_000);
});
