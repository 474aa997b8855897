import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FrameType } from '../../../devices/dock/constants';
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
