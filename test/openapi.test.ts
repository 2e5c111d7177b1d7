/**
 * The OpenAPI document (docs/api.md "Ops"): every operation has a readable id, its success
 * answer's schema and its error answers; and a client generated from /docs-json with
 * openapi-typescript type-checks real calls (test/openapi/typed-calls.ts.txt) and runs them.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '..');
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Operation {
  operationId?: string;
  responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
  requestBody?: { content: Record<string, { schema?: Record<string, unknown> }> };
}
type Doc = { paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>; components: { schemas: Record<string, Record<string, unknown>> } };

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: Doc;
  let dir: string;
  const operations: Array<{ where: string; op: Operation }> = [];

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.http().get('/docs-json').expect(200)).body as Doc;
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const m of METHODS) if (item[m]) operations.push({ where: `${m.toUpperCase()} ${p}`, op: item[m]! });
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handlemeter-openapi-'));
  });

  afterAll(async () => {
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('names every operation readably, once', () => {
    const ids = operations.map((o) => o.op.operationId);
    expect(operations.filter((o) => !/^[a-z][A-Za-z0-9]*$/.test(o.op.operationId ?? '')).map((o) => `${o.where}: ${o.op.operationId}`)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every operation its success schema and its error answers with the error body', () => {
    const problems: string[] = [];
    for (const { where, op } of operations) {
      const success = Object.entries(op.responses).filter(([s]) => /^2/.test(s));
      if (!success.length) problems.push(`${where}: no 2xx answer`);
      for (const [status, r] of success) {
        if (status === '204') continue;
        const schemas = Object.values(r.content ?? {}).map((c) => c.schema);
        if (!schemas.length || schemas.some((s) => !s || Object.keys(s).length === 0)) problems.push(`${where}: ${status} has no schema`);
      }
      const errors = Object.entries(op.responses).filter(([s]) => /^[45]/.test(s));
      if (!errors.length) problems.push(`${where}: no error answers`);
      for (const [status, r] of errors) {
        if (r.content?.['application/json']?.schema?.$ref !== '#/components/schemas/ErrorBodyDto') problems.push(`${where}: ${status} is not the error body`);
      }
      if (where !== 'GET /health' && !op.responses['401']) problems.push(`${where}: no 401`);
    }
    expect(problems).toEqual([]);
    expect(doc.components.schemas.ErrorBodyDto).toMatchObject({ required: expect.arrayContaining(['statusCode', 'code', 'message', 'details']) });
  });

  it('generates a typed client that type-checks real calls, which then succeed', async () => {
    fs.writeFileSync(path.join(dir, 'openapi.json'), JSON.stringify(doc));
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'), path.join(dir, 'openapi.json'), '-o', path.join(dir, 'schema.d.ts')], { stdio: 'pipe' });
    // Kept as .ts.txt: it compiles only beside the schema generated here, never in the project's own tsc.
    fs.copyFileSync(path.join(__dirname, 'openapi/typed-calls.ts.txt'), path.join(dir, 'typed-calls.ts'));

    expect(typeCheck(dir, 'typed-calls.ts')).toEqual([]);
    // The types have teeth: a wrong call does not compile.
    fs.writeFileSync(
      path.join(dir, 'wrong-calls.ts'),
      `import type { operations } from './schema';
       type Body = operations['createContract'] extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;
       export const a: Body = { name: 'x', handleAllowance: 'five', overagePrice: { amount: '1.00', currency: 'USD' } };
       export const b: Body = { name: 'x', handleAllowance: 5, overagePrice: { amount: '1.00', currency: 'USD' }, countPolicy: 'sometimes' };
       export const c: Body = { name: 'x', overagePrice: { amount: '1.00', currency: 'USD' } };`,
    );
    expect(typeCheck(dir, 'wrong-calls.ts')).toHaveLength(3);

    const js = ts.transpileModule(fs.readFileSync(path.join(dir, 'typed-calls.ts'), 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    fs.writeFileSync(path.join(dir, 'typed-calls.js'), js);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { run } = require(path.join(dir, 'typed-calls.js')) as { run: (base: string, key: string) => Promise<Record<string, Record<string, unknown>>> };
    const r = await run(t.url, ADMIN_KEY);
    expect(r.contract).toMatchObject({ name: 'Typed Co', handleAllowance: 10, countPolicy: 'confirmed', timezone: 'Europe/Paris' });
    expect(r.handle).toMatchObject({ userId: '777', screenName: 'typed' });
    expect(r.key.key).toEqual(expect.stringMatching(/^hm_/));
    expect(r.usage).toMatchObject({ uniqueHandles: 0, allowance: 10, overageCost: { amount: '0.00', currency: 'USD' } });
    expect(r.notFound).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
  });
});

/** tsc's diagnostics for one file, strict, as messages. */
function typeCheck(dir: string, file: string): string[] {
  const program = ts.createProgram([path.join(dir, file)], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], skipLibCheck: true, types: [] });
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}
