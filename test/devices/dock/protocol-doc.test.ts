import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrameType, HEARTBEAT_MS, MAX_TRIES, MISSED_HEARTBEATS, NakCode, RETRANSMIT_MS } from '../../../devices/dock/constants';
import { GATEWAY_STATEMENTS, gatewaySection, withGatewayStatements } from '../../../devices/dock/conformance/gateway-statements';
import { conformanceSection, withConformance } from '../../../devices/dock/conformance/statements';
import { NAK_REASONS, SCHEMAS } from '../../../devices/dock/messages';
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
    const refusals = doc.slice(doc.indexOf('**Refusals.**'), doc.indexOf('**Liveness.**'));
    for (const code of Object.values(NakCode)) {
      expect(doc, `NAK ${code}`).toContain(`${code} ${NAK_REASONS[code]}`);
      // Every refusal says what it refuses and what the dock does about it.
      if (code >= NakCode.payload) expect(refusals, `NAK ${code}`).toMatch(new RegExp(`^\\| ${code} \\| .+ \\| .+ \\|$`, 'm'));
    }
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

/** Every test file under test/, as text: the gateway statements' tests may live beside the code they exercise. */
function testFiles(dir: string): Array<{ path: string; text: string }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'artifacts' ? [] : testFiles(path);
    return e.name.endsWith('.test.ts') ? [{ path, text: readFileSync(path, 'utf8') }] : [];
  });
}

describe('PROTOCOL.md section 11, the gateway statements', () => {
  it('lists them exactly as conformance/gateway-statements.ts has them (npm run dock:docs)', () => {
    expect(doc).toContain(gatewaySection());
    expect(withGatewayStatements(doc)).toBe(doc);
  });

  it('has exactly one test named by each G-id, and no test names a G-id the document lacks', () => {
    const named = new Map<string, string[]>();
    for (const f of testFiles(new URL('../..', import.meta.url).pathname))
      for (const m of f.text.matchAll(/\bit\(\s*(['"`])(G\d+) /g)) named.set(m[2]!, [...(named.get(m[2]!) ?? []), f.path]);
    const ids = GATEWAY_STATEMENTS.map((s) => s.id.split(' ')[0]!);
    const docIds = [...doc.slice(doc.indexOf('## 11.')).matchAll(/^\| (G\d+) \|/gm)].map((m) => m[1]!);
    expect(docIds).toEqual(ids);
    for (const id of ids) expect(named.get(id) ?? [], `tests named ${id}`).toHaveLength(1);
    expect([...named.keys()].filter((id) => !ids.includes(id))).toEqual([]);
  });
});
