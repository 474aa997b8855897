import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildGraph, layerOf, violations, type ImportGraph, type Layer, type Rules } from './import-graph';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The dependency direction, A ← B meaning B may import A:
 *
 *   config ← contract ← devices ← gateway        contract ← console        simulators (below)
 *
 * `gateway/contract/` is the leaf everything shares: it describes the gateway (topics, views,
 * policy) and imports nothing but itself and config. The console imports only the contract and
 * itself. Checked over the whole graph, transitively: a console file that imports a contract
 * file that imports a projection depends on the gateway, and is reported with the chain.
 */
const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  config: ['config'],
  contract: ['contract', 'config'],
  devices: ['devices', 'contract', 'config'],
  gateway: ['gateway', 'devices', 'contract', 'config'],
  console: ['console', 'contract'],
  simulators: ['simulators', 'contract', 'config'],
};

/**
 * The simulators stand in for the devices on the other end of the wire, so they must not share
 * the gateway's protocol code (a bug on both sides would pass unseen): of devices/ they may use
 * only these, and nothing these import beyond them.
 */
const SIMULATOR_DEVICE_FILES: readonly string[] = [
  // Finding and spawning child processes (socat, ffmpeg), tied to the parent's life.
  'devices/cctv/child.ts',
  // The dock protocol's numbers (frame types, NAK codes, timings), which PROTOCOL.md states too.
  'devices/dock/constants.ts',
];

/** What each layer may depend on at all: the layers its imports lead to, followed through. */
function reachable(layer: Layer): Set<Layer> {
  const seen = new Set<Layer>([layer]);
  const queue: Layer[] = [layer];
  while (queue.length > 0) {
    for (const next of MAY_IMPORT[queue.shift()!]) {
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return seen;
}

function layerAllows(layers: ReadonlySet<Layer> | readonly Layer[], from: Layer, target: string): boolean {
  const to = layerOf(target);
  if (to === null) return false;
  if (from === 'simulators' && to === 'devices') return SIMULATOR_DEVICE_FILES.includes(target);
  return [...layers].includes(to);
}

const RULES: Rules = {
  mayImport: (layer, target) => layerAllows(MAY_IMPORT[layer], layer, target),
  mayReach: (layer, target) => layerAllows(reachable(layer), layer, target),
};

const project = buildGraph(ROOT);

describe('dependency direction (whole graph, transitively)', () => {
  it('every relative import resolves to a file (an import the check cannot follow would go unchecked)', () => {
    expect(project.unresolved).toEqual([]);
  });

  it('no file depends on a layer its own may not: config ← contract ← devices ← gateway, contract ← console, simulators', () => {
    expect(violations(project.graph, RULES)).toEqual([]);
  });

  it('gateway/contract/ imports only itself and config/', () => {
    const outside = [...project.graph]
      .filter(([file]) => layerOf(file) === 'contract')
      .flatMap(([file, targets]) => targets.filter((t) => !['contract', 'config'].includes(layerOf(t) ?? '')).map((t) => `${file} → ${t}`));
    expect(outside).toEqual([]);
  });

  it('sees the whole tree it checks: every layer, and the imports it must find', () => {
    const layers = new Set([...project.graph.keys()].map(layerOf));
    expect([...layers].sort()).toEqual(['config', 'console', 'contract', 'devices', 'gateway', 'simulators']);
    expect(project.graph.get('gateway/app.ts')).toContain('config/schema.ts');
    expect(project.graph.get('gateway/contract/socket.ts')).toContain('gateway/contract/views.ts');
    expect(project.graph.get('console/src/store.ts')).toContain('gateway/contract/socket.ts');
    expect(project.graph.get('simulators/serial/pty.ts')).toContain('devices/cctv/child.ts');
  });
});

describe('the dependency check itself (it cannot silently pass)', () => {
  const graph = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges));

  it('reports a forbidden direct import, and a console file that reaches the gateway through the contract', () => {
    const found = violations(
      graph({
        'console/src/a.ts': ['gateway/contract/x.ts'],
        'gateway/contract/x.ts': ['gateway/projections/y.ts'],
        'gateway/projections/y.ts': [],
      }),
      RULES,
    );
    expect(found).toEqual([
      'console/src/a.ts → gateway/contract/x.ts → gateway/projections/y.ts (console may not depend on gateway)',
      'gateway/contract/x.ts → gateway/projections/y.ts (contract may not import gateway)',
    ]);
  });

  it('reports arrows against the direction for every layer', () => {
    const found = violations(
      graph({
        'config/a.ts': ['gateway/contract/b.ts'],
        'gateway/contract/b.ts': [],
        'devices/c.ts': ['gateway/d.ts'],
        'gateway/d.ts': ['console/src/e.ts'],
        'console/src/e.ts': ['config/a.ts'],
        'simulators/f.ts': ['gateway/d.ts'],
      }),
      RULES,
    );
    expect(found).toEqual(
      expect.arrayContaining([
        'config/a.ts → gateway/contract/b.ts (config may not import contract)',
        'devices/c.ts → gateway/d.ts (devices may not import gateway)',
        'gateway/d.ts → console/src/e.ts (gateway may not import console)',
        'console/src/e.ts → config/a.ts (console may not import config)',
        'simulators/f.ts → gateway/d.ts (simulators may not import gateway)',
      ]),
    );
  });

  it('lets simulators use only the listed devices files, and nothing those reach beyond the list', () => {
    const found = violations(
      graph({
        'simulators/ok.ts': ['devices/dock/constants.ts', 'devices/cctv/child.ts'],
        'devices/dock/constants.ts': [],
        'devices/cctv/child.ts': ['devices/dock/arq.ts'],
        'devices/dock/arq.ts': [],
        'simulators/bad.ts': ['devices/dock/messages.ts'],
        'devices/dock/messages.ts': [],
      }),
      RULES,
    );
    expect(found).toEqual([
      'simulators/bad.ts → devices/dock/messages.ts (simulators may not import devices)',
      'simulators/ok.ts → devices/cctv/child.ts → devices/dock/arq.ts (simulators may not depend on devices)',
    ]);
  });

  it('on the real graph, one forbidden arrow added to the contract is reported for the contract and for its importers', () => {
    const real = new Map(project.graph);
    real.set('gateway/contract/socket.ts', [...(real.get('gateway/contract/socket.ts') ?? []), 'gateway/projections/index.ts']);
    const found = violations(real, RULES);
    expect(found).toContain('gateway/contract/socket.ts → gateway/projections/index.ts (contract may not import gateway)');
    expect(found).toContain('console/src/live.ts → gateway/contract/socket.ts → gateway/projections/index.ts (console may not depend on gateway)');
  });

  describe('reads every form of import from real files', () => {
    const root = mkdtempSync(join(tmpdir(), 'tw-deps-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const write = (file: string, text: string) => {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), text);
    };
    write('gateway/projections/index.ts', 'export const x = 1;\n');
    write('gateway/tracking/track.ts', 'export type T = number;\n');
    write('gateway/evidence/service.ts', 'export interface D { a: number }\n');
    write('gateway/app.ts', 'export const app = 1;\n');
    write('gateway/journal/types.ts', 'export type J = 1;\n');
    write('gateway/contract/type-only.ts', "import type { T } from '../tracking/track';\nexport type U = T;\n");
    write('gateway/contract/re-export.ts', "export type { D } from '../evidence/service';\n");
    write('gateway/contract/star.ts', "export * from '../journal/types';\n");
    write('gateway/contract/dynamic.ts', "export const load = () => import('../app');\n");
    write('gateway/contract/dot-js.ts', "import { x } from '../projections/index.js';\nexport const y = x;\n");
    write('gateway/contract/folder.ts', "import { x } from '../projections';\nexport const z = x;\n");
    write(
      'gateway/contract/multi-line.ts',
      "// import { nope } from '../commented-out';\nconst s = \"import { nope } from '../in-a-string'\";\nimport {\n  x,\n} from '../projections/index';\nexport const w = [x, s];\n",
    );
    write('gateway/contract/missing.ts', "import { q } from './not-there';\nexport const m = q;\n");
    write('console/src/main.ts', "import '../../gateway/contract/folder';\n");
    const built = buildGraph(root);
    const found = violations(built.graph, RULES);

    it.each([
      ['import type', 'gateway/contract/type-only.ts → gateway/tracking/track.ts'],
      ['export … from', 'gateway/contract/re-export.ts → gateway/evidence/service.ts'],
      ['export *', 'gateway/contract/star.ts → gateway/journal/types.ts'],
      ['dynamic import()', 'gateway/contract/dynamic.ts → gateway/app.ts'],
      ['.js resolved to .ts', 'gateway/contract/dot-js.ts → gateway/projections/index.ts'],
      ['a folder resolved to its index', 'gateway/contract/folder.ts → gateway/projections/index.ts'],
      ['a multi-line import', 'gateway/contract/multi-line.ts → gateway/projections/index.ts'],
      ['a side-effect import, followed transitively', 'console/src/main.ts → gateway/contract/folder.ts → gateway/projections/index.ts'],
    ])('%s', (_form, arrow) => {
      expect(found.some((v) => v.startsWith(`${arrow} (`))).toBe(true);
    });

    it('ignores imports in comments and strings, and reports what it cannot resolve', () => {
      expect(built.graph.get('gateway/contract/multi-line.ts')).toEqual(['gateway/projections/index.ts']);
      expect(built.unresolved).toEqual(['gateway/contract/missing.ts: ./not-there']);
    });
  });
});
