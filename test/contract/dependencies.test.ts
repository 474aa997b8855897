import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/gateway';

/**
 * The dependency direction is config ← devices ← gateway ← console: each layer may import
 * only from layers to its left, and the console only the gateway's shared contract.
 */
const LAYERS = ['config', 'devices', 'gateway', 'console'] as const;

function sources(dir: string): string[] {
  const full = join(ROOT, dir);
  let entries: string[];
  try {
    entries = readdirSync(full);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    if (name === 'node_modules' || name === 'dist') return [];
    const p = join(full, name);
    return statSync(p).isDirectory() ? sources(join(dir, name)) : /\.(ts|tsx)$/.test(name) ? [p] : [];
  });
}

function localImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);
  return specs.map((s) => relative(ROOT, resolve(dirname(file), s)));
}

describe('dependency direction', () => {
  for (const [i, layer] of LAYERS.entries()) {
    it(`${layer}/ imports only from ${LAYERS.slice(0, i + 1).join(', ')}`, () => {
      const violations: string[] = [];
      for (const file of sources(layer)) {
        for (const target of localImports(file)) {
          const top = target.split('/')[0]!;
          const allowed = LAYERS.slice(0, i + 1) as readonly string[];
          const consoleOk = layer !== 'console' || top === 'console' || target.startsWith('gateway/contract');
          // Devices may use the contract (the shapes they produce are its), nothing else of the gateway (issue 15).
          const contractOk = layer === 'devices' && target.startsWith('gateway/contract/');
          if ((!allowed.includes(top) && !contractOk) || !consoleOk) violations.push(`${relative(ROOT, file)} → ${target}`);
        }
      }
      expect(violations).toEqual([]);
    });
  }

  it('sees the imports it checks (the check itself works)', () => {
    expect(localImports(join(ROOT, 'gateway/app.ts'))).toContain('config/schema');
  });
});
