import fc from 'fast-check';
import { Response } from 'supertest';
import { withClient } from './support/database';
import { Seeded, seed, totalsBody } from './support/fixtures';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

/**
 * A bounded fuzz of every input: gateway bodies and headers, admin and finance bodies, import rows
 * (JSON and CSV), query strings and path params. Whatever comes in, the answer is never a 5xx, and
 * every answer of handlemeter's own that is an error has the contract's body with statusCode equal
 * to the HTTP status. Seeded: FUZZ_SEED replays a run (a failure prints its seed and the shrunk
 * case; FUZZ_SEED=random picks one), FUZZ_RUNS sets the cases per input family.
 */
const SEED = process.env.FUZZ_SEED === 'random' ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED ?? 20261202);
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const params = { seed: SEED, numRuns: RUNS, endOnFailure: false };
// Five or six families of RUNS requests per test; the default 150 takes seconds, npm run test:long's 2000 a few minutes.
jest.setTimeout(60_000 + RUNS * 100);

// ---------------------------------------------------------------- values

/** Numbers, strings and shapes that break parsers: huge, negative, fractional, non-finite as text, unicode, NUL, lone surrogates, prototypes. */
const oddScalar = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '𝕏',
    '١٢٣',
    'NaN',
    'Infinity',
    '1e309',
    '-0',
    '0x10',
    '__proto__',
    'constructor',
    '9'.repeat(25),
    '9223372036854775808',
    '-1',
    '2026-02-30',
    '0000-00',
    '9999-99',
    '275760-09-13',
    '<script>',
    '%00',
    '../../etc',
    ' 1 ',
    'null',
  ),
);
/** Any JSON, with nesting deep enough to reach recursive validators. */
const oddJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: oddScalar },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(oddScalar, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), oddScalar, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map(nest) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3000 }).map((n) => Array(n).fill('1')) },
);

function nest(depth: number): unknown {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  // Shown as nest(N) in a failure report: fast-check's own printer would overflow the stack on it.
  return Object.assign(v as object, { [fc.toStringMethod]: () => `nest(${depth})` });
}

/** Characters that text handling gets wrong: NUL, unpaired surrogates, controls, bidi and zero-width marks, quotes, astral emoji. */
const nastyChar = fc.constantFrom(
  '\u0000',
  '\ud800',
  '\udfff',
  '\u0007',
  '\u001b',
  '\u202e',
  '\u200b',
  '\ufeff',
  '\r\n',
  '"',
  "'",
  '\\',
  '%00',
  ',',
  '😀',
  'é',
  '\u0130',
);

/** A valid string with a nasty character put in, or the string far too long. */
const corrupted = (v: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.tuple(nastyChar, fc.nat(v.length)).map(([c, i]) => v.slice(0, i) + c + v.slice(i)),
    fc.constant(v.repeat(400)),
    fc.constant(v.toUpperCase()),
    fc.constant(` ${v} `),
  );

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A valid object with one field changed (to an odd value or, kept in type, corrupted; a nested
 * object is mutated in turn), or with up to three changed, some dropped and maybe an unknown one
 * added: closest to what a client gets wrong. Sometimes not an object at all. One bad field among
 * good ones is what reaches the deepest code: two bad ones are mostly refused by the first check.
 */
function mutated(valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(valid);
  const fieldValue = (k: string): fc.Arbitrary<unknown> => {
    const v = valid[k];
    if (typeof v === 'string')
      return fc.oneof({ weight: 2, arbitrary: corrupted(v) }, { weight: 1, arbitrary: oddJson });
    if (isPlainObject(v)) return fc.oneof({ weight: 2, arbitrary: mutated(v) }, { weight: 1, arbitrary: oddJson });
    if (Array.isArray(v))
      return fc.oneof(oddJson, fc.array(fc.oneof(fc.constantFrom(...v), oddJson), { maxLength: 25 }));
    return oddJson;
  };
  const one = fc.constantFrom(...keys).chain((k) => fieldValue(k).map((v) => ({ ...valid, [k]: v })));
  const many = fc
    .record({
      changed: fc
        .subarray(keys, { maxLength: Math.min(3, keys.length) })
        .chain((ks) => fc.tuple(...ks.map((k) => fieldValue(k).map((v) => [k, v] as const)))),
      drop: fc.subarray(keys, { maxLength: Math.min(2, keys.length) }),
      add: fc.option(
        fc.tuple(
          fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !(k in valid)),
          oddJson,
        ),
        { freq: 5 },
      ),
    })
    .map(({ changed, drop, add }) => {
      const out: Record<string, unknown> = { ...valid, ...Object.fromEntries(changed) };
      for (const k of drop) delete out[k];
      if (add) out[add[0]] = add[1];
      return out;
    });
  return fc.oneof({ weight: 5, arbitrary: one }, { weight: 4, arbitrary: many }, { weight: 1, arbitrary: oddJson });
}

/** Header values Node will put on the wire: printable latin-1, and UTF-8 text sent as its bytes. */
const headerValue = fc.oneof(
  fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String),
  fc.string({
    unit: fc.constantFrom(...'\t !"#%&\'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~\u00a0\u00ff'.split('')),
    maxLength: 60,
  }),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => Buffer.from(s, 'utf8').toString('latin1')),
  fc.constantFrom(
    '',
    ' ',
    '@',
    '@@',
    '0',
    '-1',
    '9'.repeat(30),
    '9223372036854775808',
    'OAuth',
    'OAuth ',
    'Bearer',
    'Bearer ',
    'Basic Zm9vOmJhcg==',
    'OAuth oauth_consumer_key="x"',
    'OAuth a="b", a="b"',
    'OAuth oauth_timestamp="99999999999999"',
    'OAuth oauth_signature="%ZZ"',
    'x'.repeat(8000),
  ),
);

// ---------------------------------------------------------------- the check

/**
 * handlemeter's own answer: below 500 and, when an error, the contract's body. `fromX` marks a
 * gateway answer that is X's (passed through byte for byte, so in X's shape, not ours).
 */
function expectContractAnswer(res: Response, what: string, fromX = false): void {
  const show = () => `${what} → ${res.status} ${JSON.stringify(res.body ?? res.text).slice(0, 300)}`;
  if (res.status >= 500) throw new Error(`5xx: ${show()}`);
  if (res.status < 400 || fromX) return;
  const b = res.body as Record<string, unknown>;
  const ok =
    b &&
    b.statusCode === res.status &&
    typeof b.code === 'string' &&
    /^[A-Z_]+$/.test(b.code) &&
    typeof b.message === 'string' &&
    b.message !== '' &&
    typeof b.details === 'object' &&
    b.details !== null &&
    !Array.isArray(b.details);
  if (!ok) throw new Error(`not the contract's error body: ${show()}`);
}

const printable = (v: unknown) => {
  try {
    return JSON.stringify(v)?.slice(0, 200) ?? String(v);
  } catch {
    return String(v);
  }
};

describe(`fuzz (FUZZ_SEED=${SEED}, FUZZ_RUNS=${RUNS})`, () => {
  let t: TestApp;
  let s: Seeded;
  const admin = { 'X-API-Key': ADMIN_KEY };

  beforeAll(async () => {
    t = await startTestApp();
    s = await seed(t, { handles: 2 });
  });
  afterAll(() => t.close());

  /** Gateway calls that X received, and rows in the call log: a refusal must add to neither. */
  const gatewayCounts = async () => ({
    atX: t.sim.received.length,
    logged: await withClient(t.databaseUrl, (c) =>
      c.query('SELECT count(*)::int AS n FROM calls').then((r) => r.rows[0].n),
    ),
  });

  async function gateway(endpoint: string, body: unknown, headers: Record<string, string>, raw?: string) {
    const before = t.sim.received.length;
    const req = t.http().post(`/insights/engagement/${endpoint}`).set(headers);
    const res = raw === undefined ? await req.send(body as object) : await req.send(raw);
    const fromX = t.sim.received.length > before;
    expectContractAnswer(
      res,
      `POST /insights/engagement/${endpoint} ${printable(headers)} ${printable(raw ?? body)}`,
      fromX,
    );
    return { res, fromX };
  }

  it('gateway bodies: random shapes and mutations of a valid body, on every endpoint', async () => {
    const start = await gatewayCounts();
    let sent = 0;
    const valid = totalsBody(['impressions', 'favorites'], 2);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('totals', '28hr', 'historical', 'Totals', 'nope', '%2e%2e', 'totals.json'),
        mutated({ ...valid, start: '2026-11-20', end: '2026-11-21' }),
        fc.boolean(),
        async (endpoint, body, user) => {
          const headers: Record<string, string> = { 'X-API-Key': s.clientKey, 'Content-Type': 'application/json' };
          if (user) headers['X-Handle'] = s.handles[0].userId;
          // A bare scalar is not something superagent sends as JSON: send its JSON text.
          const { fromX } = await gateway(
            endpoint,
            body,
            headers,
            typeof body === 'object' && body !== null ? undefined : JSON.stringify(body),
          );
          if (fromX) sent++;
        },
      ),
      params,
    );
    // Refusals are not calls: every row in the call log is a call X received, and the other way round.
    await t.settle();
    const end = await gatewayCounts();
    expect({ atX: end.atX - start.atX, logged: end.logged - start.logged }).toEqual({ atX: sent, logged: sent });
  });

  it('gateway bodies: bytes that are not JSON, and JSON that is not an object', async () => {
    const raw = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.constantFrom(
        '',
        '{',
        '{"tweet_ids":',
        '[]',
        '[{}]',
        '"x"',
        '1',
        'null',
        'true',
        '{"a":1,"a":2}',
        '\ufeff{}',
        '{"__proto__":{"x":1}}',
        '{"constructor":{"prototype":{}}}',
        '['.repeat(5000) + ']'.repeat(5000),
        `{"tweet_ids":["${'1'.repeat(100_000)}"]}`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        raw,
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'text/plain',
          'application/x-www-form-urlencoded',
          'text/csv',
          'application/xml',
          'multipart/form-data; boundary=x',
        ),
        async (text, type) => {
          await gateway(
            'totals',
            undefined,
            { 'X-API-Key': s.clientKey, 'X-Handle': s.handles[0].userId, 'Content-Type': type },
            text,
          );
        },
      ),
      params,
    );
  });

  it('gateway headers: X-Handle, X-App-Id, X-API-Key, Authorization and Content-Type oddities', async () => {
    const body = JSON.stringify(totalsBody(['favorites'], 1));
    const h = s.handles[0];
    const parts: Record<string, Part> = {
      key: [fc.constantFrom(s.clientKey, ADMIN_KEY), headerValue],
      handle: [fc.constantFrom(undefined, h.userId, `@${h.screenName}`, h.screenName.toUpperCase()), headerValue],
      appId: [fc.constant(s.appId), headerValue],
      auth: [fc.constant(undefined), headerValue],
      type: [fc.constantFrom('application/json', 'application/json; charset=utf-8'), headerValue],
    };
    await fc.assert(
      fc.asyncProperty(oneOdd(parts), async (v) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of [
          ['X-API-Key', v.key],
          ['X-Handle', v.handle],
          ['X-App-Id', v.appId],
          ['Authorization', v.auth],
          ['Content-Type', v.type],
        ]) {
          if (value !== undefined) headers[name!] = value;
        }
        await gateway('totals', undefined, headers, body);
      }),
      // Regression: a numeric X-Handle past bigint reached PostgreSQL (500).
      {
        ...params,
        examples: [
          [
            {
              key: s.clientKey,
              handle: '9223372036854775808',
              appId: s.appId,
              auth: undefined,
              type: 'application/json',
            },
          ],
        ],
      },
    );
  });

  const contractBody = {
    name: 'Fuzz',
    handleAllowance: 10,
    overagePrice: { amount: '1.00', currency: 'USD' },
    timezone: 'Europe/Berlin',
    billingDay: 3,
    countPolicy: 'confirmed',
    enforcement: 'block',
    alertThresholds: [0.5, 1],
    notify: { emails: ['a@example.com'], webhookUrl: 'https://example.com/h' },
  };

  async function send(
    method: 'post' | 'patch' | 'get' | 'delete',
    path: string,
    body?: unknown,
    headers: Record<string, string> = admin,
  ): Promise<Response> {
    let req = t.http()[method](path).set(headers);
    if (body !== undefined)
      req =
        typeof body === 'object' && body !== null
          ? req.send(body)
          : req.set('Content-Type', 'application/json').send(JSON.stringify(body));
    const res = await req;
    expectContractAnswer(res, `${method.toUpperCase()} ${path} ${printable(body)}`);
    return res;
  }

  // Regression examples: each of these once answered 500. They run first, every time, whatever the seed.
  const deep = nest(1700);
  const app = { name: 'app', consumerKey: 'ck_fuzz', consumerSecret: 'cs', bearerToken: 'AAAA' };
  const handle = { screenName: '@fuzz', userId: '42', accessToken: '42-abc', accessTokenSecret: 'ats' };
  const apiKey = { name: 'fuzz', role: 'client', appId: '' };
  const reconciliation = {
    period: '2026-10',
    invoicedHandles: 538,
    invoicedAmount: { amount: '475.00', currency: 'USD' },
  };
  const without = (o: Record<string, unknown>, k: string) =>
    Object.fromEntries(Object.entries(o).filter(([key]) => key !== k));

  it('admin bodies: contracts (create and change), apps, handles, API keys', async () => {
    const patchTarget = (await send('post', '/contracts', contractBody)).body.id as string;
    apiKey.appId = s.appId;
    const families: Array<['post' | 'patch', string, Record<string, unknown>, unknown[]]> = [
      [
        'post',
        '/contracts',
        contractBody,
        [
          { ...contractBody, ' ': deep }, // class-transformer recursed into it until the stack overflowed
          { ...contractBody, overagePrice: [] }, // ValidateNested lets an array through
          without(contractBody, 'overagePrice'), // ... and a missing object
          { ...contractBody, alertThresholds: [5e-324] }, // IsNumber({ maxDecimalPlaces }) throws on exponent notation
          { ...contractBody, name: '\u0000Fuzz' }, // PostgreSQL text holds no NUL
          { ...contractBody, name: '\ud800' }, // nor jsonb (the audit log) an unpaired surrogate
        ],
      ],
      ['post', `/contracts/${s.contractId}/apps`, app, [{ ...app, name: 'a\u0000' }]],
      [
        'post',
        `/apps/${s.appId}/handles`,
        handle,
        [
          { ...handle, userId: '9999999999999999999' },
          { ...without(handle, 'userId'), accessToken: '99999999999999999999-abc' },
        ],
      ], // past bigint
      ['post', '/api-keys', apiKey, [{ ...apiKey, name: '\u0000' }]],
      [
        'patch',
        `/contracts/${patchTarget}`,
        contractBody,
        [
          { name: null },
          { countPolicy: null },
          { overagePrice: null },
          { alertThresholds: null },
          { notify: { emails: null } },
        ],
      ], // null is not "absent"
    ];
    for (const [method, path, valid, examples] of families) {
      await fc.assert(
        fc.asyncProperty(mutated(valid), async (body) => void (await send(method, path, body))),
        { ...params, examples: examples.map((e) => [e]) },
      );
    }
  });

  it('finance bodies: reconciliations', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(reconciliation), async (body) => {
        await send('post', `/contracts/${s.contractId}/reconciliations`, body);
      }),
      { ...params, examples: [[{ ...reconciliation, ' ': deep }], [{ ...reconciliation, invoicedAmount: [] }]] },
    );
  });

  const validRow = {
    id: 'r1',
    at: '2026-10-03T14:00:00Z',
    userId: '2244994945',
    screenName: '@acme',
    endpoint: 'totals',
    status: 200,
  };

  it('import rows: JSON', async () => {
    const rows = fc.array(mutated(validRow), { minLength: 1, maxLength: 4 });
    const body = fc.oneof(
      { weight: 5, arbitrary: rows.map((calls) => ({ calls })) },
      { weight: 1, arbitrary: mutated({ calls: [validRow] }) },
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => void (await send('post', `/contracts/${s.contractId}/usage/import`, b))),
      params,
    );
  });

  it('import rows: CSV', async () => {
    const cell = fc.oneof(
      oddScalar.map((v) => (v === null ? '' : String(v))),
      fc.constantFrom('"', '""', '"a,b"', '"unterminated', 'a\nb', '\r\n', '=1+1', '\ufeff'),
    );
    const columns = fc.shuffledSubarray(['id', 'at', 'userId', 'screenName', 'endpoint', 'status', 'extra', ''], {
      minLength: 1,
    });
    const csv = fc
      .tuple(
        columns,
        fc.array(fc.array(cell, { maxLength: 9 }), { maxLength: 4 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.boolean(),
      )
      .map(([cols, rows, eol, bom]) => {
        const valid = cols.map((c) => (c in validRow ? String(validRow[c as keyof typeof validRow]) : ''));
        return (bom ? '\ufeff' : '') + [cols.join(','), valid.join(','), ...rows.map((r) => r.join(','))].join(eol);
      });
    await fc.assert(
      fc.asyncProperty(
        csv,
        fc.constantFrom('text/csv', 'text/csv; charset=utf-8', 'text/csv; charset=latin1'),
        async (text, type) => {
          const res = await t
            .http()
            .post(`/contracts/${s.contractId}/usage/import`)
            .set(admin)
            .set('Content-Type', type)
            .send(text);
          expectContractAnswer(res, `CSV import ${printable(text)}`);
        },
      ),
      params,
    );
  });

  it('query strings and path params: usage, roster, statements, periods, audit log, every :id', async () => {
    const odd = fc.oneof(
      fc.uuid(),
      fc.constantFrom(
        '00000000-0000-0000-0000-000000000000',
        'null',
        '0',
        '-1',
        "1' OR '1'='1",
        `${s.contractId} `,
        s.contractId.toUpperCase(),
      ),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
    );
    const qv = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.integer().map(String),
      fc.double().map(String),
      fc.constantFrom('', '0', '1001', '-1', '1e3', '2026-13', '2026-00', '0000-01', '9999-12', '2026-1', 'CSV'),
    );
    const absent = fc.constant(undefined);
    const openPeriod = new Date().toISOString().slice(0, 7); // the seeded contract's: UTC, billing day 1
    const period = fc.constantFrom(openPeriod, '2026-01', '2006-03', '1970-01');
    const iso = fc
      .date({ min: new Date('2006-03-21'), max: new Date(), noInvalidDate: true })
      .map((d) => d.toISOString());
    const oddIso = fc.oneof(
      fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom('-100000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '0001-01-01', 'x', ''),
    );
    const userId = fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }).map(String);
    const oddDigits = fc.oneof(
      fc.bigInt({ min: 2n ** 63n, max: 10n ** 19n - 1n }).map(String),
      fc.constantFrom('9223372036854775808', '9999999999999999999', '0', '-1', '01'),
      qv,
    );
    const cursorOf = (at: string, user: string) => Buffer.from(`${at}|${user}`).toString('base64url');
    const id = (real: string): Part => [fc.constant(real), odd];
    /** Each part from its valid values except, mostly, one from its odd ones: one odd part among good ones reaches the deepest code. */
    const families: Array<
      [
        string,
        Record<string, Part>,
        (v: Record<string, string | undefined>) => string,
        Array<Record<string, string | undefined>>?,
      ]
    > = [
      [
        'usage',
        { id: id(s.contractId), period: [fc.option(period, { nil: undefined }), qv] },
        (v) => `/contracts/${enc(v.id!)}/usage${qs({ period: v.period })}`,
      ],
      [
        'roster',
        {
          id: id(s.contractId),
          period: [period, qv],
          limit: [fc.option(fc.integer({ min: 1, max: 1000 }).map(String), { nil: undefined }), qv],
          cursor: [
            fc.option(
              fc.tuple(iso, userId).map(([a, u]) => cursorOf(a, u)),
              { nil: undefined },
            ),
            fc.oneof(
              qv,
              fc.tuple(oddIso, userId).map(([a, u]) => cursorOf(a, u)),
              fc.tuple(iso, oddDigits).map(([a, u]) => cursorOf(a, u)),
            ),
          ],
          format: [fc.constantFrom(undefined, 'json', 'csv'), qv],
          unknown: [absent, qv],
        },
        (v) =>
          `/contracts/${enc(v.id!)}/periods/${enc(v.period!)}/handles${qs({ limit: v.limit, cursor: v.cursor, format: v.format, x: v.unknown })}`,
        // Regressions: cursors whose date or user ID PostgreSQL cannot hold (500).
        [cursorOf('-100000-01-01T00:00:00Z', '1'), cursorOf('2026-12-01T00:00:00.000Z', '9999999999999999999')].map(
          (cursor) => ({ id: s.contractId, period: openPeriod, cursor }),
        ),
      ],
      [
        'statements',
        { id: id(s.contractId), period: [period, qv] },
        (v) => `/contracts/${enc(v.id!)}/statements/${enc(v.period!)}`,
      ],
      [
        'audit log',
        {
          limit: [fc.option(fc.integer({ min: 1, max: 1000 }).map(String), { nil: undefined }), qv],
          cursor: [fc.option(userId, { nil: undefined }), oddDigits],
          unknown: [absent, qv],
        },
        (v) => `/audit-log${qs({ limit: v.limit, cursor: v.cursor, x: v.unknown })}`,
        [{ cursor: '9999999999999999999' }],
      ],
      [
        'by id',
        {
          id: id(s.contractId),
          rest: [
            fc.constantFrom('', '/apps', '/periods', '/reconciliations', '/alerts'),
            fc.constantFrom('/%00', '/..', '/apps/x'),
          ],
        },
        (v) => `/contracts/${enc(v.id!)}${v.rest}`,
      ],
      [
        'app by id',
        { id: id(s.appId), rest: [fc.constantFrom('', '/handles'), fc.constantFrom('/%00', '/handles/x')] },
        (v) => `/apps/${enc(v.id!)}${v.rest}`,
      ],
    ];
    for (const [, parts, path, examples = []] of families) {
      await fc.assert(
        fc.asyncProperty(
          oneOdd(parts),
          fc.constantFrom('application/json', 'text/csv', '*/*', ''),
          async (v, accept) => {
            const p = path(v);
            expectContractAnswer(
              await t.http().get(p).set(admin).set('Accept', accept),
              `GET ${p} (Accept: ${accept})`,
            );
          },
        ),
        {
          ...params,
          examples: examples.map((e) => [e, 'application/json'] as [Record<string, string | undefined>, string]),
        },
      );
    }
    await fc.assert(
      fc.asyncProperty(oneOdd({ key: [fc.uuid(), odd], app: id(s.appId), handle: [fc.uuid(), odd] }), async (v) => {
        await send('delete', `/api-keys/${enc(v.key!)}`);
        await send('delete', `/apps/${enc(v.app!)}/handles/${enc(v.handle!)}`);
      }),
      params,
    );
  });
});

type Part = [valid: fc.Arbitrary<string | undefined>, odd: fc.Arbitrary<string | undefined>];

/** Every part valid but (five times in six) one, which is odd. */
function oneOdd(parts: Record<string, Part>): fc.Arbitrary<Record<string, string | undefined>> {
  const keys = Object.keys(parts);
  return fc
    .option(fc.constantFrom(...keys), { nil: undefined, freq: 6 })
    .chain((oddKey) => fc.record(Object.fromEntries(keys.map((k) => [k, parts[k][k === oddKey ? 1 : 0]]))));
}

/** `?a=1&b=2` of the defined values; '' when none. */
function qs(q: Record<string, string | undefined>): string {
  const s = Object.entries(q)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(v!)}`)
    .join('&');
  return s ? `?${s}` : '';
}

/** A path segment: percent-encoded, except that an empty one stays empty (a route of its own). */
function enc(v: string): string {
  return encodeURIComponent(v);
}
