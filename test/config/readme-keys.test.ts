import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { PROJECT_ROOT } from '../../config/root';
import { BaseConfigSchema } from '../../config/schema';
import { RegionConfigSchema } from '../../gateway/region/config';

/**
 * config/README.md documents every key of the site config and of the regional service's config:
 * a key added to a schema without a word in the README fails here.
 */

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
}

function keysOf(schema: z.ZodType, out = new Set<string>()): Set<string> {
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  if (def.type === 'object') {
    for (const [k, v] of Object.entries(def.shape ?? {})) {
      out.add(k);
      keysOf(v, out);
    }
  }
  for (const inner of [def.innerType, def.in, def.out, def.element, def.valueType, ...(def.options ?? [])]) if (inner) keysOf(inner, out);
  return out;
}

const readme = readFileSync(join(PROJECT_ROOT, 'config', 'README.md'), 'utf8');
const documented = (key: string) => new RegExp(`\`[^\`\\n]*\\b${key.replace(/[-.]/g, '\\$&')}\\b[^\`\\n]*\``).test(readme);

describe('config/README.md', () => {
  it('names every key of the site config', () => {
    expect([...keysOf(BaseConfigSchema)].filter((k) => !documented(k))).toEqual([]);
  });

  it('names every key of the regional service’s config', () => {
    expect([...keysOf(RegionConfigSchema)].filter((k) => !documented(k))).toEqual([]);
  });
});
