import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Modules are the folders under src/ (gateway/drop-in counts as its own). An import from one
 * module into another is an edge; `import type` is left out (it is erased, so it cannot make a
 * load-order cycle, though it is still a dependency worth a look).
 */
const SRC = __dirname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Composition roots: they import every module by design (the app's modules, TypeORM's list of entities). */
const ROOTS = new Set(['database/entities.ts']);

function moduleOf(file: string): string | null {
  const path = relative(SRC, file);
  const parts = path.split('/');
  if (parts.length === 1 || ROOTS.has(path)) return null; // main.ts, app.module.ts, app.factory.ts, entities.ts
  return parts[0] === 'gateway' && parts[1] === 'drop-in' && parts.length > 2 ? 'gateway/drop-in' : parts[0];
}

function moduleEdges(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const file of files(SRC)) {
    const from = moduleOf(file);
    if (!from) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^import\s+(?!type\s)[^'"]*?from\s+'(\.[^']+)'/gms)) {
      const to = moduleOf(resolve(dirname(file), m[1]) + '.ts');
      if (to && to !== from) (edges.get(from) ?? edges.set(from, new Set()).get(from)!).add(to);
    }
  }
  return edges;
}

/** Pairs of modules that import each other, as "a <-> b" with a < b. */
function mutualPairs(edges: Map<string, Set<string>>): string[] {
  const pairs: string[] = [];
  for (const [a, tos] of edges) for (const b of tos) if (a < b && edges.get(b)?.has(a)) pairs.push(`${a} <-> ${b}`);
  return pairs.sort();
}

/**
 * The pairs found when this test was written (issue 15). The list may only shrink: a new pair
 * fails, and so does a listed pair that is gone (delete its line). When it is empty, the test
 * says what it means: no two modules import each other.
 */
const KNOWN_PAIRS = ['auth <-> contracts', 'auth <-> gateway/drop-in'];

describe('module dependencies', () => {
  const pairs = mutualPairs(moduleEdges());

  it('add no pair of modules that import each other', () => {
    expect(pairs.filter((p) => !KNOWN_PAIRS.includes(p))).toEqual([]);
  });

  it('keep the list of known pairs exact: a pair that is gone leaves the list', () => {
    expect(KNOWN_PAIRS.filter((p) => !pairs.includes(p))).toEqual([]);
  });
});
