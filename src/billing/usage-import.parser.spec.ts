import { createHash } from 'node:crypto';
import { turnsDuring } from '../../test/support/event-loop-turns';
import {
  contentExternalId,
  ImportRejection,
  MAX_IMPORT_ROWS,
  MAX_REPORTED_ROWS,
  parseUsageImport,
  ParsedImport,
} from './usage-import.parser';
import { ImportRejectedError } from './billing.errors';

const NOW = new Date('2026-11-01T12:00:00Z');
const AT = '2026-10-03T14:00:00Z';

const json = (calls: unknown[]): Promise<ParsedImport> => parseUsageImport('json', { calls }, NOW);
const csv = (text: string | Buffer): Promise<ParsedImport> => parseUsageImport('csv', text, NOW);
const call = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
  at: AT,
  userId: '2244994945',
  endpoint: 'totals',
  ...fields,
});

/** The rejection of an import expected to fail. */
async function rejection(run: () => Promise<unknown>): Promise<ImportRejectedError & { details: ImportRejection }> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(ImportRejectedError);
    const e = err as ImportRejectedError;
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.message).toContain('othing was imported');
    return e as ImportRejectedError & { details: ImportRejection };
  }
  throw new Error('expected the import to be rejected');
}

/** The errors of the one bad row of a one-call JSON import. */
async function rowErrors(fields: Record<string, unknown>): Promise<Record<string, string>> {
  const { details } = await rejection(() => json([call(fields)]));
  expect(details.rows).toHaveLength(1);
  return details.rows[0].errors;
}

describe('parseUsageImport, JSON', () => {
  it('reads a call with defaults: status 200, no screen name, an id derived from the content', async () => {
    const result = await json([call()]);
    expect(result).toEqual({
      rows: [
        {
          externalId: contentExternalId({ at: new Date(AT), userId: '2244994945', endpoint: 'totals', status: 200 }),
          at: new Date(AT),
          userId: '2244994945',
          screenName: null,
          endpoint: 'totals',
          status: 200,
        },
      ],
      duplicatesInRequest: 0,
    });
  });

  it('reads every field, normalising the screen name and the endpoint', async () => {
    const [row] = (
      await json([call({ id: 'log-17', screenName: '@Acme_1', endpoint: '/insights/engagement/28hr', status: 503 })])
    ).rows;
    expect(row).toEqual({
      externalId: 'log-17',
      at: new Date(AT),
      userId: '2244994945',
      screenName: 'Acme_1',
      endpoint: '28hr',
      status: 503,
    });
  });

  it('refuses a body that is not {"calls": [...]}', async () => {
    expect((await rejection(() => parseUsageImport('json', [call()], NOW))).details.fields).toEqual({
      body: expect.stringContaining('not an array'),
    });
    expect((await rejection(() => parseUsageImport('json', 'at,userId', NOW))).details.fields).toHaveProperty('body');
    expect((await rejection(() => parseUsageImport('json', {}, NOW))).details.fields).toEqual({
      calls: expect.stringContaining('is required'),
    });
    expect((await rejection(() => parseUsageImport('json', { calls: {} }, NOW))).details.fields).toEqual({
      calls: expect.stringContaining('must be an array'),
    });
    expect((await rejection(() => json([]))).details.fields).toEqual({ calls: 'must list at least one call' });
    const extra = await rejection(() => parseUsageImport('json', { calls: [call()], contract: 'x' }, NOW));
    expect(extra.details).toMatchObject({
      rows: [],
      rejected: 0,
      fields: { contract: expect.stringContaining('not a field') },
    });
  });

  it('refuses a call that is not an object, without noise about its fields', async () => {
    const { details } = await rejection(() => json([call(), 'x', null]));
    expect(details.rows).toEqual([
      { row: 2, errors: { row: expect.stringContaining('must be an object') } },
      { row: 3, errors: { row: expect.stringContaining('must be an object') } },
    ]);
  });

  it('refuses unknown fields, pointing a near miss at the field it meant', async () => {
    const errors = await rowErrors({ user_id: '1', tweetCount: 3 });
    expect(errors.user_id).toContain('did you mean userId?');
    expect(errors.tweetCount).toContain('is not a field of a call');
    expect(errors.tweetCount).not.toContain('did you mean');
  });

  it('reports a field named __proto__ as an unknown field', async () => {
    const bad = JSON.parse(`{"at":"${AT}","userId":"1","endpoint":"totals","__proto__":1}`) as unknown;
    const { details } = await rejection(() => json([bad]));
    expect(Object.keys(details.rows[0].errors)).toEqual(['__proto__']);
  });

  it('reports every problem of a row together', async () => {
    expect(
      Object.keys(
        await rowErrors({ at: 'yesterday', userId: 'acme', endpoint: 'search', status: 700, screenName: 'a b', id: 7 }),
      ).sort(),
    ).toEqual(['at', 'endpoint', 'id', 'screenName', 'status', 'userId']);
  });

  it('requires at, userId and endpoint; null or "" counts as absent', async () => {
    expect(await rowErrors({ at: undefined, userId: null, endpoint: '' })).toEqual({
      at: expect.stringContaining('is required'),
      userId: expect.stringContaining('is required'),
      endpoint: expect.stringContaining('is required'),
    });
  });

  describe('id', () => {
    it('is the externalId, up to 200 printable characters', async () => {
      expect((await json([call({ id: 'x'.repeat(200) })])).rows[0].externalId).toBe('x'.repeat(200));
      expect((await json([call({ id: 'réf 42 ✓' })])).rows[0].externalId).toBe('réf 42 ✓');
    });

    it('refuses an id too long, unprintable, padded or not a string', async () => {
      expect((await rowErrors({ id: 'x'.repeat(201) })).id).toContain('at most 200');
      expect((await rowErrors({ id: 'a\nb' })).id).toContain('control character');
      expect((await rowErrors({ id: 'a\u0000' })).id).toContain('control character');
      expect((await rowErrors({ id: ' a' })).id).toContain('whitespace');
      expect((await rowErrors({ id: 42 })).id).toBe('must be a string such as "42"');
    });

    it('is derived from the content when absent or empty', async () => {
      const [a, b] = (await json([call(), call({ id: '', userId: '12' })])).rows;
      expect(a.externalId).toMatch(/^content:[0-9a-f]{64}$/);
      expect(b.externalId).toMatch(/^content:[0-9a-f]{64}$/);
      expect(a.externalId).not.toBe(b.externalId);
    });
  });

  describe('at', () => {
    it('takes Z or an offset, to the minute, second or fraction, and keeps milliseconds', async () => {
      const at = async (value: string): Promise<string> => (await json([call({ at: value })])).rows[0].at.toISOString();
      expect(await at('2026-10-03T16:00:00+02:00')).toBe('2026-10-03T14:00:00.000Z');
      expect(await at('2026-10-03T09:30-0430')).toBe('2026-10-03T14:00:00.000Z');
      expect(await at('2026-10-03 14:00:00+00')).toBe('2026-10-03T14:00:00.000Z');
      expect(await at('2026-10-03t14:00:00.123456z')).toBe('2026-10-03T14:00:00.123Z');
      expect(await at('2024-02-29T00:00:00.5Z')).toBe('2024-02-29T00:00:00.500Z');
    });

    it('refuses a time without a zone, a date alone, an impossible date and anything not ISO 8601', async () => {
      expect((await rowErrors({ at: '2026-10-03T14:00:00' })).at).toContain('no time zone');
      expect((await rowErrors({ at: '2026-10-03' })).at).toContain('date without a time');
      expect((await rowErrors({ at: '2026-02-29T14:00:00Z' })).at).toContain('not a real date-time');
      expect((await rowErrors({ at: '2026-10-03T24:00:00Z' })).at).toContain('not a real date-time');
      expect((await rowErrors({ at: '2026-10-03T14:00:00+25:00' })).at).toContain('not a real date-time');
      expect((await rowErrors({ at: '03/10/2026 14:00' })).at).toContain('must be an ISO 8601 date-time');
      expect((await rowErrors({ at: 1790000000000 })).at).toContain('string');
    });

    it('allows 5 minutes of clock skew into the future, no more', async () => {
      expect((await json([call({ at: '2026-11-01T12:05:00Z' })])).rows).toHaveLength(1);
      expect((await rowErrors({ at: '2026-11-01T12:05:00.001Z' })).at).toContain('in the future');
    });

    it('refuses a date before X began, 2006-03-21', async () => {
      expect((await json([call({ at: '2006-03-21T00:00:00Z' })])).rows).toHaveLength(1);
      expect((await rowErrors({ at: '2006-03-20T23:59:59Z' })).at).toContain('before X began');
      expect((await rowErrors({ at: '0026-10-03T14:00:00Z' })).at).toContain('before X began');
    });
  });

  describe('userId', () => {
    it('takes 1 to 19 digits up to the largest signed bigint', async () => {
      expect((await json([call({ userId: '1' })])).rows[0].userId).toBe('1');
      expect((await json([call({ userId: '9223372036854775807' })])).rows[0].userId).toBe('9223372036854775807');
    });

    it('refuses a JSON number, saying why', async () => {
      expect((await rowErrors({ userId: 2244994945 })).userId).toMatch(
        /^must be a string: X user IDs exceed JavaScript's safe integers/,
      );
      expect((await rejection(() => json([call({ userId: 2244994945 })]))).message).toContain(
        "row 1: userId must be a string: X user IDs exceed JavaScript's safe integers",
      );
    });

    it('refuses a leading zero, too many digits, too large a value, an @name and a rounded number', async () => {
      expect((await rowErrors({ userId: '0123' })).userId).toContain('starts with 0');
      expect((await rowErrors({ userId: '0' })).userId).toContain('1 to 19 digits');
      expect((await rowErrors({ userId: '12345678901234567890' })).userId).toContain('1 to 19 digits');
      expect((await rowErrors({ userId: '9223372036854775808' })).userId).toContain('larger than any X user ID');
      expect((await rowErrors({ userId: '@acme' })).userId).toContain('not the @name');
      expect((await rowErrors({ userId: '1.23457E+18' })).userId).toContain('spreadsheet');
      expect((await rowErrors({ userId: ' 12' })).userId).toContain('1 to 19 digits');
    });
  });

  describe('screenName', () => {
    it('is stored without the @, and "" means none', async () => {
      expect((await json([call({ screenName: 'acme' })])).rows[0].screenName).toBe('acme');
      expect((await json([call({ screenName: '@acme' })])).rows[0].screenName).toBe('acme');
      expect((await json([call({ screenName: '' })])).rows[0].screenName).toBeNull();
      expect((await json([call({ screenName: null })])).rows[0].screenName).toBeNull();
    });

    it('refuses anything but 1 to 50 letters, digits or underscores', async () => {
      expect((await json([call({ screenName: 'a'.repeat(50) })])).rows).toHaveLength(1);
      for (const bad of ['a'.repeat(51), '@', 'ac me', 'acme!', '@@acme', 12]) {
        expect(await rowErrors({ screenName: bad })).toHaveProperty('screenName');
      }
    });
  });

  describe('endpoint', () => {
    it.each([
      ['totals', 'totals'],
      ['28hr', '28hr'],
      ['HISTORICAL', 'historical'],
      ['/insights/engagement/totals', 'totals'],
      ['insights/engagement/28hr/', '28hr'],
      ['https://data-api.x.com/insights/engagement/historical', 'historical'],
    ])('reads %s as %s', async (given, endpoint) => {
      expect((await json([call({ endpoint: given })])).rows[0].endpoint).toBe(endpoint);
    });

    it.each(['search', '/insights/engagement', '/2/insights/engagement/totals/x', ' totals', 3])(
      'refuses %p',
      async (bad) => {
        expect((await rowErrors({ endpoint: bad })).endpoint).toContain('totals, 28hr or historical');
      },
    );
  });

  describe('status', () => {
    it('defaults to 200 and takes 100 to 599', async () => {
      expect(
        (
          await json([call({ status: 100 }), call({ status: 599, userId: '2' }), call({ status: '404', userId: '3' })])
        ).rows.map((r) => r.status),
      ).toEqual([100, 599, 404]);
    });

    it.each([99, 600, 200.5, '2xx', true])('refuses %p', async (bad) => {
      expect((await rowErrors({ status: bad })).status).toContain('from 100 to 599');
    });
  });
});

describe('parseUsageImport, all-or-nothing', () => {
  it('refuses the whole import when any row is bad, listing every bad row by number', async () => {
    const calls = [
      call({ userId: '1' }),
      call({ userId: 'x' }),
      call({ userId: '3' }),
      call({ at: 'soon' }),
      call({ userId: '5' }),
    ];
    const e = await rejection(() => json(calls));
    expect(e.details).toEqual({
      rows: [
        { row: 2, errors: { userId: expect.any(String) } },
        { row: 4, errors: { at: expect.any(String) } },
      ],
      rejected: 2,
      total: 5,
      fields: {},
    });
    expect(e.message).toMatch(
      /^2 of 5 rows have problems .*nothing was imported.* First: row 2: userId must be an X user ID/,
    );
  });

  it(`lists the first ${MAX_REPORTED_ROWS} bad rows and counts them all`, async () => {
    const calls = Array.from({ length: 250 }, (_, i) => call({ userId: i % 2 === 0 ? 'bad' : String(i + 1) }));
    const { details, message } = await rejection(() => json(calls));
    expect(details.rejected).toBe(125);
    expect(details.total).toBe(250);
    expect(details.rows).toHaveLength(MAX_REPORTED_ROWS);
    expect(details.rows[0].row).toBe(1);
    expect(details.rows[MAX_REPORTED_ROWS - 1].row).toBe(199);
    expect(message).toContain(`the first ${MAX_REPORTED_ROWS} are listed`);
  });

  it(`takes ${MAX_IMPORT_ROWS.toLocaleString('en-US')} rows and refuses one more, telling to split the file`, async () => {
    const base = Date.parse('2026-10-01T00:00:00Z');
    const calls: unknown[] = Array.from({ length: MAX_IMPORT_ROWS }, (_, i) => ({
      at: new Date(base + i * 1000).toISOString(),
      userId: String(1 + (i % 700)),
      endpoint: 'totals',
    }));
    expect((await json(calls)).rows).toHaveLength(MAX_IMPORT_ROWS);

    calls.push(call());
    const e = await rejection(() => json(calls));
    expect(e.message).toContain('split the file');
    expect(e.details).toMatchObject({
      rows: [],
      rejected: 0,
      total: MAX_IMPORT_ROWS + 1,
      fields: { calls: expect.stringContaining('at most 50,000') },
    });
  });
});

describe('parseUsageImport, duplicates within a request', () => {
  it('keeps the first row of an id and counts the repeats', async () => {
    const result = await json([
      call({ id: 'a', screenName: 'first' }),
      call({ id: 'b' }),
      call({ id: 'a', screenName: 'renamed' }),
      call({ id: 'a' }),
    ]);
    expect(result.rows.map((r) => [r.externalId, r.screenName])).toEqual([
      ['a', 'first'],
      ['b', null],
    ]);
    expect(result.duplicatesInRequest).toBe(2);
  });

  it('collapses identical calls without an id, the same instant written two ways included', async () => {
    const result = await json([call(), call({ at: '2026-10-03T16:00:00+02:00' }), call({ status: 500 })]);
    expect(result.rows).toHaveLength(2);
    expect(result.duplicatesInRequest).toBe(1);
  });

  it('refuses an id that appears twice with different content', async () => {
    const { details } = await rejection(() =>
      json([call({ id: 'a' }), call({ id: 'b' }), call({ id: 'a', status: 429 })]),
    );
    expect(details.rows).toEqual([
      {
        row: 3,
        errors: { id: '"a" appears twice with different content (first at row 1); give each call its own id' },
      },
    ]);
  });
});

describe('parseUsageImport, CSV', () => {
  const HEADER = 'id,at,userId,screenName,endpoint,status';

  it('reads the columns in any order, the optional ones absent', async () => {
    expect((await csv(`endpoint,userId,at\n/insights/engagement/historical,2244994945,${AT}\n`)).rows).toEqual([
      expect.objectContaining({
        at: new Date(AT),
        userId: '2244994945',
        endpoint: 'historical',
        screenName: null,
        status: 200,
      }),
    ]);
  });

  it('reads every column, empty cells being absent', async () => {
    const result = await csv(`${HEADER}\nlog-1,${AT},12,@acme,28hr,429\n,${AT},13,,totals,\n`);
    expect(result.rows).toEqual([
      { externalId: 'log-1', at: new Date(AT), userId: '12', screenName: 'acme', endpoint: '28hr', status: 429 },
      {
        externalId: contentExternalId({ at: new Date(AT), userId: '13', endpoint: 'totals', status: 200 }),
        at: new Date(AT),
        userId: '13',
        screenName: null,
        endpoint: 'totals',
        status: 200,
      },
    ]);
  });

  it('reads RFC 4180 quoting: commas and doubled quotes inside quoted cells', async () => {
    const [row] = (await csv(`${HEADER}\n"call ""7"", retry 2","${AT}","12",acme,"totals",200\n`)).rows;
    expect(row.externalId).toBe('call "7", retry 2');
  });

  it('tolerates a UTF-8 BOM, in a string or a Buffer', async () => {
    const text = `\uFEFF${HEADER}\nlog-1,${AT},12,acme,totals,200\n`;
    expect((await csv(text)).rows[0].externalId).toBe('log-1');
    expect((await csv(Buffer.from(text, 'utf8'))).rows[0].externalId).toBe('log-1');
  });

  it('reads CRLF, LF and a mix, skips blank lines and rows of empty cells, and ignores spaces around cells', async () => {
    const text = `${HEADER}\r\nlog-1,${AT},12,acme,totals,200\r\n\r\n,,,,,\r\n  log-2 , ${AT} , 13 ,, 28hr ,\nlog-3,${AT},14,,historical,`;
    expect((await csv(text)).rows.map((r) => [r.externalId, r.userId, r.endpoint])).toEqual([
      ['log-1', '12', 'totals'],
      ['log-2', '13', '28hr'],
      ['log-3', '14', 'historical'],
    ]);
  });

  it('refuses the whole file for a bad row among good ones, naming its row and line', async () => {
    const text = [
      '', // line 1: blank lines before the header are skipped
      HEADER, // 2
      `log-1,${AT},12,acme,totals,200`, // 3, row 1
      '', // 4
      `"log-2, multi`, // 5, row 2: a quoted line break makes the id unprintable
      `line",${AT},13,,totals,`, // 6
      `log-3,${AT},@acme,,totals,`, // 7, row 3
      `log-4,${AT},14,,totals,`, // 8, row 4
      `log-5,2026-10-03,15,,search,`, // 9, row 5
    ].join('\r\n');
    const e = await rejection(() => csv(text));
    expect(e.details).toEqual({
      rows: [
        { row: 2, line: 5, errors: { id: expect.stringContaining('control character') } },
        { row: 3, line: 7, errors: { userId: expect.stringContaining('not the @name') } },
        { row: 5, line: 9, errors: { at: expect.any(String), endpoint: expect.any(String) } },
      ],
      rejected: 3,
      total: 5,
      fields: {},
    });
    expect(e.message).toMatch(/^3 of 5 rows have problems .* First: row 2 \(line 5\): id contains a control character/);
  });

  it('refuses a row with more cells than the header names, but not trailing empty ones', async () => {
    expect((await csv(`at,userId,endpoint\n${AT},12,totals,,\n`)).rows).toHaveLength(1);
    const { details } = await rejection(() => csv(`at,userId,endpoint\n${AT},12,totals,acme\n`));
    expect(details.rows).toEqual([
      {
        row: 1,
        line: 2,
        errors: { row: 'has 4 cells but the header names 3 columns; quote a cell that contains a comma' },
      },
    ]);
  });

  it('allows an unnamed column (a trailing comma) as long as its cells are empty', async () => {
    expect((await csv(`at,userId,endpoint,\n${AT},12,totals,\n`)).rows).toHaveLength(1);
    expect(
      (await rejection(() => csv(`at,userId,endpoint,\n${AT},12,totals,x\n`))).details.rows[0].errors.row,
    ).toContain('column 4');
  });

  it('refuses a header without a required column, naming it', async () => {
    const e = await rejection(() => csv(`at,endpoint\n${AT},totals\n`));
    expect(e.details.fields).toEqual({ userId: 'is a required column' });
    expect(e.message).toContain('lacks the required column userId');
  });

  it('refuses unknown columns, naming them', async () => {
    const e = await rejection(() => csv(`at,user_id,userId,endpoint,tweets\n${AT},1,1,totals,3\n`));
    expect(e.details.fields).toEqual({
      user_id: expect.stringContaining('did you mean userId?'),
      tweets: expect.stringContaining('is not a column of the import'),
    });
    expect(e.message).toContain('unknown columns "user_id", "tweets"');
  });

  it('refuses a column named twice', async () => {
    expect((await rejection(() => csv(`at,userId,endpoint,at\n${AT},1,totals,${AT}\n`))).details.fields).toEqual({
      at: 'appears twice in the header (columns 1 and 4)',
    });
  });

  it('says so when the first line is not a header, or uses another separator', async () => {
    const headless = await rejection(() => csv(`${AT},12,totals\n`));
    expect(headless.message).toContain('must be a header');
    expect(headless.details.fields).toEqual({ header: 'names none of the columns' });
    expect((await rejection(() => csv(`at;userId;endpoint\n${AT};12;totals\n`))).message).toContain('not semicolons');
  });

  it('refuses an empty file and a header without rows', async () => {
    expect((await rejection(() => csv(''))).details.fields).toEqual({ file: 'is empty' });
    expect((await rejection(() => csv('\uFEFF\r\n\r\n'))).details.fields).toEqual({ file: 'is empty' });
    expect((await rejection(() => csv('at,userId,endpoint\r\n,,\r\n'))).details.fields).toEqual({
      file: 'has no data rows',
    });
  });

  it('refuses a file that breaks the quoting rules, naming the line', async () => {
    expect((await rejection(() => csv(`at,userId,endpoint\n${AT},12,totals\n"${AT},13,totals\n`))).message).toContain(
      'could not be read',
    );
    const e = await rejection(() => csv(`at,userId,endpoint\n${AT},1"2,totals\n`));
    expect(e.message).toContain('at line 2');
    expect(e.details).toMatchObject({ rows: [], rejected: 0, fields: { file: expect.any(String) } });
  });

  it('needs the raw text', async () => {
    await expect(parseUsageImport('csv', { calls: [] }, NOW)).rejects.toThrow(TypeError);
  });

  it(`refuses ${(MAX_IMPORT_ROWS + 1).toLocaleString('en-US')} rows, telling to split the file`, async () => {
    const lines = Array.from({ length: MAX_IMPORT_ROWS + 1 }, (_, i) => `${AT},${i + 1},totals`);
    const e = await rejection(() => csv(`at,userId,endpoint\n${lines.join('\n')}\n`));
    expect(e.message).toContain('split the file');
    expect(e.details).toMatchObject({
      rows: [],
      rejected: 0,
      total: MAX_IMPORT_ROWS + 1,
      fields: { file: expect.stringContaining('50,001 rows') },
    });
    expect((await csv(`at,userId,endpoint\n${lines.slice(1).join('\n')}\n`)).rows).toHaveLength(MAX_IMPORT_ROWS);
  });
});

describe('externalId derivation', () => {
  it('is sha256 of "at ISO|userId|endpoint|status", prefixed content: (fixed: ids in the ledger depend on it)', async () => {
    const expected = createHash('sha256').update('2026-10-03T14:00:00.000Z|2244994945|totals|200').digest('hex');
    expect((await json([call()])).rows[0].externalId).toBe(`content:${expected}`);
  });

  it('is the same for the same calls whether they came as JSON or CSV', async () => {
    const fromJson = await json([
      call({ at: '2026-10-03T16:00:00+02:00', endpoint: '/insights/engagement/totals', screenName: '@acme' }),
      call({ userId: '12', endpoint: '28hr', status: 404 }),
    ]);
    const fromCsv = await csv(
      `status,endpoint,at,userId,screenName\r\n,totals,${AT},2244994945,\r\n404,/insights/engagement/28hr,2026-10-03T14:00:00.000Z,12,other\r\n`,
    );
    expect(fromCsv.rows.map((r) => r.externalId)).toEqual(fromJson.rows.map((r) => r.externalId));
    expect(fromCsv.rows[0].externalId).toMatch(/^content:/);
  });

  it('does not depend on the screen name, which can change', async () => {
    expect((await json([call({ screenName: 'old' })])).rows[0].externalId).toBe(
      (await json([call({ screenName: 'new' })])).rows[0].externalId,
    );
  });
});

describe('parseUsageImport, in turns (the process serves the gateway meanwhile)', () => {
  const ROWS = 20_000;
  const base = Date.parse('2026-10-01T00:00:00Z');
  const calls = Array.from({ length: ROWS }, (_, i) => ({
    id: `log ${i}, retry "${i % 3}"`,
    at: new Date(base + i * 1000).toISOString(),
    userId: String(1 + i),
    endpoint: 'totals',
  }));
  const quote = (cell: string): string => `"${cell.replace(/"/g, '""')}"`;
  const csvOf = (ids: string[]): string =>
    `id,at,userId,endpoint\n${calls.map((c, i) => [quote(ids[i]), c.at, c.userId, c.endpoint].join(',')).join('\n')}\n`;

  it('lets the event loop run again and again during a large JSON import', async () => {
    let result: ParsedImport | undefined;
    expect(await turnsDuring(async () => (result = await json(calls)))).toBeGreaterThan(10);
    expect(result!.rows).toHaveLength(ROWS);
  });

  it('reads a large CSV in pieces, letting the event loop run between them, into the same rows as the JSON', async () => {
    let fromCsv: ParsedImport | undefined;
    expect(await turnsDuring(async () => (fromCsv = await csv(csvOf(calls.map((c) => c.id)))))).toBeGreaterThan(10);
    expect(fromCsv).toEqual(await json(calls));
  });

  it('reads quoted line breaks and numbers the lines right wherever the pieces end, far into a large CSV', async () => {
    // From row 15,001 on, every id holds a line break: its row takes two lines, and is refused.
    const e = await rejection(() => csv(csvOf(calls.map((c, i) => (i >= 15_000 ? `${c.id}\nsecond line` : c.id)))));
    expect(e.details.rejected).toBe(ROWS - 15_000);
    expect(e.details.rows).toHaveLength(MAX_REPORTED_ROWS);
    e.details.rows.forEach((r, k) =>
      expect(r).toEqual({
        row: 15_001 + k,
        line: 15_002 + 2 * k, // the header is line 1
        errors: { id: expect.stringContaining('control character') },
      }),
    );
  });

  it('names the line of a quoting error far into a large CSV', async () => {
    const text = csvOf(calls.map((c) => c.id)).replace(`,${calls[17_999].userId},`, ',1"2,');
    expect((await rejection(() => csv(text))).message).toContain('at line 18001');
  });

  it('takes no turn for a small import', async () => {
    expect(await turnsDuring(() => json([call()]))).toBe(0);
    expect(await turnsDuring(() => csv(`at,userId,endpoint\n${AT},12,totals\n`))).toBe(0);
  });
});
