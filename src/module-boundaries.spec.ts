import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * What module-cycles.spec.ts does not see: a module hands out services, never its repositories;
 * the ledger's tables are written in src/ledger only (issue 15; docs/architecture.md "Which
 * module owns which table"); and src/dev stays development code.
 */
const SRC = __dirname;
const LEDGER_TABLES = [
  'calls',
  'period_handles',
  'period_counters',
  'period_activity',
  'period_top_handles',
  'app_rate_limits',
];

function sources(dir: string): { path: string; text: string }[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    if (!path.endsWith('.ts') || path.endsWith('.spec.ts')) return [];
    return [{ path: relative(SRC, path), text: readFileSync(path, 'utf8') }];
  });
}

describe('module boundaries', () => {
  const files = sources(SRC);

  it('modules export no repository', () => {
    const exported = files
      .filter((f) => f.path.endsWith('.module.ts'))
      .flatMap((f) => [...f.text.matchAll(/exports:\s*\[([^\]]*)\]/g)].map((m) => ({ path: f.path, names: m[1] })))
      .flatMap(({ path, names }) => (names.match(/\w+Repository\b/g) ?? []).map((name) => `${path}: ${name}`));
    expect(exported).toEqual([]);
  });

  it("no module imports another module's repository file", () => {
    const moduleOf = (path: string) => path.split('/')[0];
    const reaching = files
      .flatMap((f) =>
        [...f.text.matchAll(/from\s+'(\.[^']*\.repository)'/g)].map((m) => ({ path: f.path, target: m[1] })),
      )
      .filter(({ path, target }) => moduleOf(relative(SRC, join(SRC, path, '..', target))) !== moduleOf(path))
      .map(({ path, target }) => `${path}: ${target}`);
    expect(reaching).toEqual([]);
  });

  it('only src/ledger writes the ledger tables', () => {
    const write = new RegExp(`(INSERT INTO|UPDATE|DELETE FROM)\\s+(${LEDGER_TABLES.join('|')})\\b`, 'g');
    const writers = files
      .filter((f) => !f.path.startsWith('ledger/'))
      .flatMap((f) => [...f.text.matchAll(write)].map((m) => `${f.path}: ${m[0]}`));
    expect(writers).toEqual([]);
  });

  it('nothing outside src/dev imports it, so the production build (which leaves src/dev out) does not pull it in', () => {
    const importers = files
      .filter((f) => !f.path.startsWith('dev/'))
      .flatMap((f) => [...f.text.matchAll(/from\s+'(\.[^']*)'/g)].map((m) => ({ path: f.path, target: m[1] })))
      .filter(({ path, target }) => relative(SRC, join(SRC, path, '..', target)).startsWith('dev/'))
      .map(({ path, target }) => `${path}: ${target}`);
    expect(importers).toEqual([]);
  });

  it('the counter-row upsert is written once', () => {
    const upserts = files.flatMap((f) => (f.text.match(/INSERT INTO period_counters\b/g) ?? []).map(() => f.path));
    expect(upserts).toEqual(['ledger/ledger.sql.ts']);
  });
});
