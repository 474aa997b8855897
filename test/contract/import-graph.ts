import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * The project's import graph and the rules it must follow, for test/contract/dependencies.test.ts.
 * Kept apart from the test so that the test of the test can feed it a graph of its own.
 *
 * Imports are read with TypeScript's own pre-processor, so `import type`, `export … from`,
 * `export *`, side-effect imports, dynamic `import()` and `import x = require()` all count, and
 * commented-out imports or strings that look like imports do not. A computed `import(name)` is
 * invisible to any static check; the project has none.
 */

/** A file's layer: the top-level folders, with `gateway/contract/` a layer of its own. */
export type Layer = 'config' | 'contract' | 'devices' | 'gateway' | 'console' | 'simulators';

/** Repository-relative paths with `/` separators, e.g. `gateway/contract/socket.ts`. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

export interface Rules {
  /** Whether a file of this layer may import `target` directly. */
  mayImport(layer: Layer, target: string): boolean;
  /** Whether a file of this layer may depend on `target` at all, through any chain of imports. */
  mayReach(layer: Layer, target: string): boolean;
}

export const SOURCE_ROOTS = ['config', 'gateway', 'devices', 'console', 'simulators'] as const;

export function layerOf(file: string): Layer | null {
  if (file.startsWith('gateway/contract/')) return 'contract';
  const top = file.split('/')[0];
  switch (top) {
    case 'config':
    case 'devices':
    case 'gateway':
    case 'console':
    case 'simulators':
      return top;
    default:
      return null;
  }
}

const SOURCE = /\.(?:ts|tsx|mts|cts|js|mjs|cjs)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist']);

/** Every source file under the given folders of `root`, repository-relative. */
export function sourceFiles(root: string, dirs: readonly string[] = SOURCE_ROOTS): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    const full = join(root, dir);
    if (!existsSync(full)) return;
    for (const name of readdirSync(full).sort()) {
      const rel = `${dir}/${name}`;
      if (statSync(join(root, rel)).isDirectory()) {
        if (!SKIP_DIRS.has(name)) walk(rel);
      } else if (SOURCE.test(name)) out.push(rel);
    }
  };
  for (const d of dirs) walk(d);
  return out;
}

/** The module specifiers a source file names, in every form an import can take. */
export function specifiers(text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  return [...info.importedFiles, ...info.referencedFiles].map((f) => f.fileName);
}

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.d.ts', '.js', '.mjs'];

/**
 * Where a relative specifier lands, as the bundler resolution in tsconfig.json finds it:
 * the file itself, `.js` written for `.ts`, an added extension, or the folder's index.
 * Null when nothing is there (the caller reports it: an import the check cannot follow
 * must not pass unseen).
 */
export function resolveSpecifier(root: string, fromFile: string, spec: string): string | null {
  const base = resolve(root, dirname(fromFile), spec.replace(/[?#].*$/, ''));
  const isFile = (p: string) => existsSync(p) && statSync(p).isFile();
  const candidates = [
    base,
    ...(/\.[cm]?js$/.test(base) ? ['.ts', '.tsx', '.mts', '.cts'].map((e) => base.replace(/\.[cm]?js$/, e)) : []),
    ...EXTENSIONS.map((e) => base + e),
    ...EXTENSIONS.map((e) => join(base, `index${e}`)),
  ];
  const hit = candidates.find(isFile);
  return hit === undefined ? null : relative(root, hit).split(sep).join('/');
}

export interface BuiltGraph {
  graph: Map<string, string[]>;
  /** `file: specifier` for relative imports that resolve to nothing. */
  unresolved: string[];
}

/** The graph of relative imports between the source files (package imports are not edges). */
export function buildGraph(root: string, dirs: readonly string[] = SOURCE_ROOTS): BuiltGraph {
  const graph = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of sourceFiles(root, dirs)) {
    const targets: string[] = [];
    for (const spec of specifiers(readFileSync(join(root, file), 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolveSpecifier(root, file, spec);
      if (target === null) unresolved.push(`${file}: ${spec}`);
      else if (!targets.includes(target)) targets.push(target);
    }
    graph.set(file, targets);
  }
  return { graph, unresolved };
}

/**
 * Every forbidden dependency in the graph, as a readable chain:
 * - a direct import the importer's layer may not make (`a.ts → b.ts`), and
 * - a file reached through a chain of imports that the origin's layer may not depend on
 *   (`console/x.ts → gateway/contract/y.ts → gateway/z.ts`), each origin and target once, by
 *   a shortest chain.
 * A file outside every layer (tests, tools) is not checked as an origin, and is forbidden as a
 * target.
 */
export function violations(graph: ImportGraph, rules: Rules): string[] {
  const out: string[] = [];
  for (const [file, targets] of graph) {
    const layer = layerOf(file);
    if (layer === null) continue;
    for (const t of targets) {
      if (!rules.mayImport(layer, t)) out.push(`${file} → ${t} (${layer} may not import ${layerOf(t) ?? t})`);
    }
    // Breadth first from the file, so each forbidden file is reported by its shortest chain.
    const via = new Map<string, string | null>([[file, null]]);
    const queue = [file];
    while (queue.length > 0) {
      const at = queue.shift()!;
      for (const next of graph.get(at) ?? []) {
        if (via.has(next)) continue;
        via.set(next, at);
        if (!rules.mayReach(layer, next)) {
          // A forbidden direct import is already reported above; here what a chain brings in.
          if (at !== file || rules.mayImport(layer, next)) out.push(`${chain(via, next).join(' → ')} (${layer} may not depend on ${layerOf(next) ?? next})`);
          continue;
        }
        queue.push(next);
      }
    }
  }
  return out.sort();
}

function chain(via: ReadonlyMap<string, string | null>, end: string): string[] {
  const path = [end];
  for (let p = via.get(end); p != null; p = via.get(p)) path.unshift(p);
  return path;
}
