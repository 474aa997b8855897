import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/app';
import { EVENTS, isEvent, isEventType, type EventSpec, type JournalEvent } from '../../gateway/contract/events';
import { renderEventsMarkdown } from '../../gateway/contract/events-md';
import { EXTERNAL_TOPICS, TOPICS } from '../../gateway/contract/topics';
import { runShopliftBreach } from '../../simulators/scenarios/shoplift-breach';
import { demoPassword, ROOT, startGateway, testConfig } from '../helpers/gateway';

const entries = Object.entries(EVENTS) as Array<[string, EventSpec]>;
/** Types a writer journals through a template (`cbo.${state}`, `camera.${change}`) or by topic name (the broker). */
const INBOUND = new Set([...TOPICS, ...EXTERNAL_TOPICS].filter((t) => t.direction === 'in').map((t) => t.name));
const family = (type: string) => type.slice(0, type.indexOf('.') + 1);

describe('the event catalogue', () => {
  it('EVENTS.md is what the catalogue generates (run `npm run events:docs` after a change)', () => {
    expect(readFileSync(join(ROOT, 'gateway/contract/EVENTS.md'), 'utf8')).toBe(renderEventsMarkdown());
  });

  it('names writers that really journal the type, and readers that really look at it', () => {
    const wrong: string[] = [];
    for (const [type, spec] of entries) {
      if (spec.writers.length === 0) wrong.push(`${type}: no writer`);
      for (const file of [...spec.writers, ...spec.readers]) {
        if (!existsSync(join(ROOT, file))) wrong.push(`${type}: ${file} does not exist`);
      }
      for (const file of spec.writers) {
        const text = readFileSync(join(ROOT, file), 'utf8');
        const byName = text.includes(`'${type}'`);
        const byTemplate = text.includes(`\`${family(type)}\${`);
        const byTopic = file === 'gateway/broker/broker.ts' && INBOUND.has(type);
        // A PEI event is journaled under the type the decoder gave it (devices/radio).
        const byDecoder = file === 'gateway/radio/pei-bridge.ts' && type.startsWith('radio.');
        if (!byName && !byTemplate && !byTopic && !byDecoder) wrong.push(`${type}: ${file} does not journal it`);
      }
      for (const file of spec.readers) {
        const text = readFileSync(join(ROOT, file), 'utf8');
        if (!text.includes(`'${type}'`) && !text.includes(`'${family(type)}'`)) wrong.push(`${type}: ${file} never looks at it`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('gives every inbound topic the wire schema its payload is built from', () => {
    for (const t of [...TOPICS, ...EXTERNAL_TOPICS].filter((x) => x.direction === 'in')) {
      expect(isEventType(t.name), t.name).toBe(true);
      expect(t.schema).toBe((EVENTS as Record<string, EventSpec>)[t.name]!.wire);
    }
  });

  it('narrows an event by type', () => {
    const header = { seq: 1, id: 'e1', ts: 0, source: 'test', actor: null, subject: null, ref: null, dedupe: null, payloadSha256: '', prevHash: '', hash: '' };
    const e: JournalEvent = { ...header, type: 'radio.position', payload: { issi: 2001, lat: 52.95, lon: -1.15, fixTime: new Date().toISOString() } };
    expect(isEvent(e, 'radio.position') && e.payload?.issi).toBe(2001);
    expect(isEvent(e, 'radio.status')).toBe(false);
  });
});

describe('the catalogue is true of what the gateway journals', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway(testConfig().config);
    await runShopliftBreach({
      mqttUrl: `mqtt://127.0.0.1:${gw.broker.port}`,
      httpUrl: `http://127.0.0.1:${gw.httpPort}`,
      config: gw.config,
      passwordFor: demoPassword,
    });
  }, 60_000);
  afterAll(async () => {
    await gw.stop();
  });

  it('journals only catalogued types, each payload as its schema says', () => {
    const events = [...gw.journal.replay()];
    const types = new Set(events.map((e) => e.type));
    // The scenario touches the radios, shops, CCTV, subjects, orders, breaches, alerts and incidents.
    for (const t of ['radio.position', 'shop.report', 'cctv.sighting', 'track.sighting', 'cbo.issued', 'breach.detected', 'alert.sent', 'incident.dispatched'])
      expect(types, t).toContain(t);
    const problems: string[] = [];
    for (const e of events) {
      if (!isEventType(e.type)) {
        problems.push(`#${e.seq} ${String(e.type)}: not in the catalogue`);
        continue;
      }
      const parsed = (EVENTS as Record<string, EventSpec>)[e.type]!.payload.safeParse(e.payload);
      if (!parsed.success) problems.push(`#${e.seq} ${e.type}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    expect(problems).toEqual([]);
  });
});
