import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FrameType, HEARTBEAT_MS, MAX_TRIES, MISSED_HEARTBEATS, RETRANSMIT_MS } from '../../../devices/dock/constants';
import { conformanceSection, withConformance } from '../../../devices/dock/conformance/statements';
import { SCHEMAS } from '../../../devices/dock/messages';
import { schemaSection, withSchemas } from '../../../devices/dock/schema-doc';

const doc = readFileSync(new URL('../../../devices/dock/PROTOCOL.md', import.meta.url), 'utf8');

describe('PROTOCOL.md and the code cannot drift', () => {
  it('carries the JSON Schema of every control payload exactly as messages.ts validates it (npm run dock:docs)', () => {
    expect(doc).toContain(schemaSection());
    expect(withSchemas(doc)).toBe(doc);
  });

  it('has a schema for every control frame type, and documents every NAK reason the code sends', () => {
    const control = Object.entries(FrameType).filter(([name]) => name !== 'DATA');
    for (const [name, code] of control) {
      expect(SCHEMAS[code as keyof typeof SCHEMAS], name).toBeDefined();
      expect(doc, name).toContain(`#### ${name} (0x${code.toString(16).padStart(2, '0')})`);
    }
    expect(doc).toMatch(/7 bad HELLO payload/);
  });
});

describe('PROTOCOL.md sections 9 and 10', () => {
  it('lists the conformance statements exactly as the kit checks them (npm run dock:docs)', () => {
    expect(doc).toContain(conformanceSection());
    expect(withConformance(doc)).toBe(doc);
  });

  it('states the timers the code runs with', () => {
    const timers = doc.slice(doc.indexOf('| timer | value |'), doc.indexOf('## 10.'));
    expect(timers).toContain(`| retransmit | ${RETRANSMIT_MS} ms`);
    expect(timers).toContain(`| retry budget | ${MAX_TRIES} sends`);
    expect(timers).toContain(`| NAK go-back guard | ${RETRANSMIT_MS / 5} ms`);
    expect(timers).toContain(`| heartbeat | every ${HEARTBEAT_MS / 1000} s`);
    expect(timers).toContain(`| liveness | ${MISSED_HEARTBEATS} heartbeats (${(MISSED_HEARTBEATS * HEARTBEAT_MS) / 1000} s)`);
    // Every frame type the state diagrams name is one the protocol has.
    const names = new Set([...doc.slice(doc.indexOf('## 9.')).matchAll(/\b([A-Z][A-Z_]{2,})\b/g)].map((m) => m[1]!));
    for (const n of names)
      if (/_|HELLO|ACK|NAK|DATA|HEARTBEAT/.test(n) && !['MUST', 'SKIP', 'FAIL', 'PASS'].includes(n)) expect(Object.keys(FrameType), n).toContain(n);
  });
});
