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
type Doc = {
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
  components: { schemas: Record<string, Record<string, unknown>> };
};

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: Doc;
  let dir: string;
  const operations: Array<{ where: string; op: Operation }> = [];

  beforeAll(async () => {
    t = await startTestApp();
    // The app typed-calls.ts.txt registers, as X would know it.
    t.sim.addApp({
      consumerKey: 'typed-consumer-key',
      consumerSecret: 'typed-consumer-secret',
      bearerToken: 'typed-bearer-token',
    });
    doc = (await t.http().get('/docs-json').expect(200)).body as Doc;
    for (const [p, item] of Object.entries(doc.paths)) {
      // X's redirect back to us: a keyless HTML page for the owner's browser, not an API operation.
      if (p === '/oauth/callback') continue;
      for (const m of METHODS) if (item[m]) operations.push({ where: `${m.toUpperCase()} ${p}`, op: item[m] });
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handlemeter-openapi-'));
  });

  afterAll(async () => {
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('names every operation readably, once', () => {
    const ids = operations.map((o) => o.op.operationId);
    expect(
      operations
        .filter((o) => !/^[a-z][A-Za-z0-9]*$/.test(o.op.operationId ?? ''))
        .map((o) => `${o.where}: ${o.op.operationId}`),
    ).toEqual([]);
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
        if (!schemas.length || schemas.some((s) => !s || Object.keys(s).length === 0))
          problems.push(`${where}: ${status} has no schema`);
      }
      const errors = Object.entries(op.responses).filter(([s]) => /^[45]/.test(s));
      if (!errors.length) problems.push(`${where}: no error answers`);
      for (const [status, r] of errors) {
        if (r.content?.['application/json']?.schema?.$ref !== '#/components/schemas/ErrorBodyDto')
          problems.push(`${where}: ${status} is not the error body`);
      }
      if (where !== 'GET /health' && !op.responses['401']) problems.push(`${where}: no 401`);
    }
    expect(problems).toEqual([]);
    expect(doc.components.schemas.ErrorBodyDto).toMatchObject({
      required: expect.arrayContaining(['statusCode', 'code', 'message', 'details']),
    });
  });

  it("has one operation per gateway path, each with its own request schema and X's limits", () => {
    const gateway = Object.keys(doc.paths).filter((p) => p.startsWith('/insights/engagement'));
    expect(gateway.sort()).toEqual([
      '/insights/engagement/28hr',
      '/insights/engagement/historical',
      '/insights/engagement/totals',
    ]);
    const resolve = (s: Record<string, unknown>) =>
      (typeof s.$ref === 'string' ? doc.components.schemas[s.$ref.split('/').pop()!] : s) as Record<string, any>;
    const body = (p: string) => resolve(doc.paths[p].post!.requestBody!.content['application/json'].schema!);
    const totals = body('/insights/engagement/totals');
    const hr28 = body('/insights/engagement/28hr');
    const historical = body('/insights/engagement/historical');
    expect([
      totals.properties.tweet_ids.maxItems,
      hr28.properties.tweet_ids.maxItems,
      historical.properties.tweet_ids.maxItems,
    ]).toEqual([250, 25, 25]);
    expect(totals.properties.engagement_types.items.enum).toHaveLength(7);
    expect(totals.properties.engagement_types.items.enum).toContain('quote_tweets');
    expect(hr28.properties.engagement_types.items.enum).toHaveLength(17);
    expect(hr28.properties.engagement_types.items.enum).not.toContain('quote_tweets');
    expect(historical.properties).toHaveProperty('start');
    expect(totals.properties).not.toHaveProperty('start');
    expect(totals.required).toEqual(expect.arrayContaining(['tweet_ids', 'engagement_types', 'groupings']));
    expect(totals.properties.groupings.maxProperties).toBe(3);
    expect(resolve(totals.properties.groupings.additionalProperties).properties.group_by.items.enum).toEqual([
      'tweet.id',
      'engagement.type',
    ]);
  });

  it('generates a typed client that type-checks real calls, which then succeed', async () => {
    fs.writeFileSync(path.join(dir, 'openapi.json'), JSON.stringify(doc));
    execFileSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'),
        path.join(dir, 'openapi.json'),
        '-o',
        path.join(dir, 'schema.d.ts'),
      ],
      { stdio: 'pipe' },
    );
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
       export const c: Body = { name: 'x', overagePrice: { amount: '1.00', currency: 'USD' } };
       type Totals = operations['engagementTotals'] extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;
       export const d: Totals = { tweet_ids: ['1'], engagement_types: ['media_views'], groupings: { g: { group_by: ['tweet.id'] } } };
       export const e: Totals = { tweet_ids: ['1'], engagement_types: ['favorites'], groupings: { g: { group_by: ['engagement.hour'] } } };`,
    );
    expect(typeCheck(dir, 'wrong-calls.ts')).toHaveLength(5);

    const js = ts.transpileModule(fs.readFileSync(path.join(dir, 'typed-calls.ts'), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    fs.writeFileSync(path.join(dir, 'typed-calls.js'), js);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { run } = require(path.join(dir, 'typed-calls.js')) as {
      run: (base: string, key: string) => Promise<Record<string, unknown>>;
    };
    const r = await run(t.url, ADMIN_KEY);
    expect(r.contract).toMatchObject({
      name: 'Typed Co',
      handleAllowance: 10,
      countPolicy: 'confirmed',
      timezone: 'Europe/Paris',
    });
    expect(r.handle).toMatchObject({ userId: '777', screenName: 'typed' });
    expect(r.key).toMatchObject({ key: expect.stringMatching(/^hm_/) });
    expect(r.usage).toMatchObject({
      uniqueHandles: 0,
      allowance: 10,
      overageCost: { amount: '0.00', currency: 'USD' },
    });
    expect(r.notFound).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    expect(r.totals).toMatchObject({ perTweet: { [r.tweetId as string]: { favorites: expect.any(String) } } });
  });
});

/** tsc's diagnostics for one file, strict, as messages. */
function typeCheck(dir: string, file: string): string[] {
  const program = ts.createProgram([path.join(dir, file)], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    skipLibCheck: true,
    types: [],
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}
