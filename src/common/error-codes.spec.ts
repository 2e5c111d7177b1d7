import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from './error-codes';

const ROOT = join(__dirname, '../..');

/** The codes of docs/api.md's error table: the rows `| status | \`CODE\` | when |` under "### Errors". */
function documentedCodes(): string[] {
  const doc = readFileSync(join(ROOT, 'docs/api.md'), 'utf8');
  const section = doc.split(/^### Errors$/m)[1]?.split(/^#{1,3} /m)[0] ?? '';
  return [...section.matchAll(/^\|\s*[0-9x]{3}\s*\|\s*`([A-Z_]+)`\s*\|/gm)].map((m) => m[1]);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('the error catalogue', () => {
  it('is the error table of docs/api.md, code for code', () => {
    const documented = documentedCodes();
    expect(documented.length).toBeGreaterThan(0);
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual([...ERROR_CODES].sort());
  });

  it('holds only codes the code can answer with', () => {
    const source = sourceFiles(join(ROOT, 'src'))
      .filter((f) => !f.endsWith('error-codes.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    expect(ERROR_CODES.filter((code) => !source.includes(`'${code}'`))).toEqual([]);
  });
});
