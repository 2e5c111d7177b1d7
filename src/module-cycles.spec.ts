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
  if (parts.length === 1 || parts[0] === '..' || ROOTS.has(path)) return null; // main.ts, app.module.ts, app.factory.ts, entities.ts; migrations/
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

/**
 * The strongly connected components of more than one module (Tarjan): every module in one can
 * reach every other, so each is a cycle, however long. Sorted, each one sorted, for a stable message.
 */
function cycles(edges: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) visit(w);
      if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, low.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component = stack.splice(stack.indexOf(v));
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return found.sort((a, b) => a[0].localeCompare(b[0]));
}

/** One closed path through a cycle's modules, as "a -> b -> ... -> a", to say what to undo. */
function pathThrough(component: string[], edges: Map<string, Set<string>>): string {
  const inside = new Set(component);
  const start = component[0];
  // Breadth-first from start back to start, staying inside the component: the shortest such loop.
  const previous = new Map<string, string>();
  const queue = [...(edges.get(start) ?? [])].filter((w) => inside.has(w));
  queue.forEach((w) => previous.set(w, start));
  while (queue.length && !previous.has(start)) {
    const v = queue.shift()!;
    for (const w of edges.get(v) ?? []) {
      if (!inside.has(w) || previous.has(w)) continue;
      previous.set(w, v);
      queue.push(w);
    }
  }
  const path: string[] = [];
  for (let v = previous.get(start)!; v !== start; v = previous.get(v)!) path.unshift(v);
  return [start, ...path, start].join(' -> ');
}

describe('module dependencies', () => {
  it('have no cycle: no module reaches itself through the modules it imports', () => {
    const edges = moduleEdges();
    expect(cycles(edges).map((c) => `${c.join(', ')}: ${pathThrough(c, edges)}`)).toEqual([]);
  });
});
