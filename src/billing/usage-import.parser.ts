import { createHash } from 'node:crypto';
import { CsvError, Parser as CsvParser } from 'csv-parse';
import { DateTime } from 'luxon';
import { ImportRejectedError } from './billing.errors';
import { mapInTurns, yieldToEventLoop } from '../common/event-loop';
import type { EngagementEndpoint } from '../gateway/engagement-request';

/**
 * Onboarding import (`POST /contracts/:id/usage/import`): calls made before handlemeter was in
 * the path, sent as JSON `{ "calls": [...] }` or as CSV with the same columns, read into rows the
 * ledger can write. Pure: no I/O, the body is only read.
 *
 * All-or-nothing: the caller writes the rows only if this returns, so a file is either imported
 * whole or not at all, and a fixed file can simply be posted again. Every row is checked and every
 * bad row reported at once, so a 50,000-row export takes one round of fixes rather than one per
 * bad row. JSON and CSV go through the same field rules (an empty value is an absent one in both),
 * so the same calls give the same rows, and the same externalIds, whichever format carried them.
 *
 * Sized for MAX_IMPORT_ROWS per request: regexes and sets are built once at load, and the rows
 * are read and checked in turns of ROWS_PER_TURN (the CSV text in pieces of CSV_PIECE_CHARS),
 * yielding to the event loop between them: the process serving this request serves the gateway
 * too, and 50,000 rows in one go held every call for ~0.5 s (docs/benchmarks.md, the aims of
 * issue 13).
 */

export type ImportEndpoint = EngagementEndpoint;

export interface ImportRow {
  /** The row's `id`, or else `content:` + a hash of what the row records (see contentExternalId). */
  externalId: string;
  at: Date;
  userId: string;
  screenName: string | null;
  endpoint: ImportEndpoint;
  status: number;
}

export interface ParsedImport {
  /** In file order, one per distinct externalId (the first row that carried it). */
  rows: ImportRow[];
  /** Later rows of this request with an externalId already seen and the same content: dropped. */
  duplicatesInRequest: number;
}

export interface ImportRowProblem {
  /** 1-based among the data rows: calls[0], or the first row under the CSV header, is row 1. */
  row: number;
  /** CSV only: the file line the row starts on (the header is line 1; blank lines count). */
  line?: number;
  /** Field → what is wrong with it; `row` for a problem with the row as a whole. */
  errors: Record<string, string>;
}

export interface ImportRejection {
  /** The first MAX_REPORTED_ROWS bad rows, in file order. */
  rows: ImportRowProblem[];
  /** How many rows have problems of their own; 0 when the request as a whole is refused. */
  rejected: number;
  /** Data rows in the request (0 when they could not be read). */
  total: number;
  /** Problems with the request as a whole (body shape, CSV header or syntax, size); `{}` otherwise. */
  fields: Record<string, string>;
}

export const MAX_IMPORT_ROWS = 50_000;
/** Enough to see the pattern of a bad export; the response stays small whatever the file holds. */
export const MAX_REPORTED_ROWS = 100;
export const IMPORT_FIELDS: readonly string[] = Object.freeze([
  'id',
  'at',
  'userId',
  'screenName',
  'endpoint',
  'status',
]);
const REQUIRED_FIELDS: readonly Field[] = ['at', 'userId', 'endpoint'];
/**
 * X has no calls before its launch; an earlier date is a wrong column or a wrong year. 2006-03-21
 * is the day of the first Tweet (UTC); a later day of that year is not worth guessing at.
 */
const EARLIEST_AT_MS = Date.UTC(2006, 2, 21);
/** Room for the clock of the system that wrote the log being a little ahead of ours. */
const FUTURE_SLACK_MS = 5 * 60_000;
/** Signed 64-bit: the ledger keeps user IDs as PostgreSQL bigint. */
const MAX_USER_ID = '9223372036854775807';
const MAX_ID_LENGTH = 200;
/** Rows read or checked between two yields to the event loop: ~10 µs a row, so a few milliseconds. */
const ROWS_PER_TURN = 250;
/** CSV text parsed between two yields: csv-parse reads ~20 KB a millisecond. */
const CSV_PIECE_CHARS = 32 * 1024;

type Field = 'id' | 'at' | 'userId' | 'screenName' | 'endpoint' | 'status';
type Issue = [field: string, problem: string];
type Values = Partial<Record<Field, unknown>>;

const FIELD_SET: ReadonlySet<string> = new Set(IMPORT_FIELDS);
const FIELD_LIST = 'id, at, userId, screenName, endpoint and status';
const AT_EXAMPLE = 'such as 2026-10-03T14:00:00Z or 2026-10-03T16:00:00+02:00';
/**
 * RFC 3339 date-time: `T` (or a space, as databases print it) between date and time, seconds and
 * fraction optional, a zone of `Z` or `±HH[:MM]`. The zone is optional here only so that its
 * absence gets its own message.
 */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const USER_ID = /^[1-9][0-9]{0,18}$/;
/** What a spreadsheet makes of a long number it was not told was text: 1.23457E+18. */
const SCIENTIFIC = /^\d(?:\.\d+)?[eE]\+?\d+$/;
const SCREEN_NAME = /^@?([A-Za-z0-9_]{1,50})$/;
/** A bare name, a path such as /insights/engagement/totals, or a full URL of X's Engagement API. */
const ENDPOINT = /^(?:https?:\/\/[^/\s]+)?\/?(?:insights\/engagement\/)?(totals|28hr|historical)\/?$/i;
/** Control characters and lone surrogates: an id must survive logs, CSV and PostgreSQL text unchanged. */
const UNPRINTABLE = /[\p{Cc}\p{Cs}]/u;
const LINE_BREAK = /\r\n?/g;

/**
 * Reads and checks an import. `body`: for `json` the parsed object `{ calls: [...] }`; for `csv`
 * the raw text (a string or a Buffer of UTF-8). Throws ImportRejectedError if anything is wrong.
 */
export async function parseUsageImport(kind: 'json' | 'csv', body: unknown, now: Date): Promise<ParsedImport> {
  if (kind !== 'json' && kind !== 'csv') throw new TypeError(`Unknown import format: ${String(kind)}`);
  const records = kind === 'json' ? await readJson(body) : await readCsv(body);
  return checkRecords(records, now.getTime());
}

/**
 * The externalId of a row without `id`: the same call posted again gets the same id, so re-posting
 * a file changes nothing. The screen name is left out, as a renamed handle is the same handle.
 * Two genuinely identical calls (same handle, endpoint and status in the same millisecond) collapse
 * into one: the period's call count is one lower, its handle count (distinct user IDs) unchanged.
 * The hashed text must never change: ids already in the ledger were made with it.
 */
export function contentExternalId(row: Pick<ImportRow, 'at' | 'userId' | 'endpoint' | 'status'>): string {
  return `content:${createHash('sha256').update(contentOf(row)).digest('hex')}`;
}

function contentOf(row: Pick<ImportRow, 'at' | 'userId' | 'endpoint' | 'status'>): string {
  return `${row.at.toISOString()}|${row.userId}|${row.endpoint}|${row.status}`;
}

/** contentOf(a) === contentOf(b), without building either string (a row whose id is new, the common case, needs neither). */
function sameContent(a: ImportRow, b: ImportRow): boolean {
  return (
    a.at.getTime() === b.at.getTime() && a.userId === b.userId && a.endpoint === b.endpoint && a.status === b.status
  );
}

/** One data row as read from the body, before its fields are checked. */
interface SourceRow {
  row: number;
  line?: number;
  values: Values;
  /** Problems found while reading (unknown fields, stray cells). */
  issues: Issue[];
  /** The row as a whole is unusable: its fields are not checked, as their errors would be noise. */
  unreadable?: boolean;
}

async function checkRecords(records: SourceRow[], nowMs: number): Promise<ParsedImport> {
  const rows: ImportRow[] = [];
  const firstById = new Map<string, { row: number; call: ImportRow }>();
  const problems: ImportRowProblem[] = [];
  let rejected = 0;
  let duplicatesInRequest = 0;
  for (let i = 0; i < records.length; i++) {
    if (i > 0 && i % ROWS_PER_TURN === 0) await yieldToEventLoop();
    const record = records[i];
    const { issues } = record;
    const row = record.unreadable ? undefined : checkFields(record.values, issues, nowMs);
    if (row !== undefined && issues.length === 0) {
      const externalId = row.externalId || contentExternalId(row);
      const first = firstById.get(externalId);
      if (first === undefined) {
        firstById.set(externalId, { row: record.row, call: row });
        row.externalId = externalId;
        rows.push(row);
      } else if (sameContent(first.call, row)) {
        duplicatesInRequest++;
      } else {
        issues.push([
          'id',
          `${JSON.stringify(externalId)} appears twice with different content (first at row ${first.row}); give each call its own id`,
        ]);
      }
    }
    if (issues.length === 0) continue;
    rejected++;
    if (problems.length < MAX_REPORTED_ROWS) {
      // fromEntries defines own properties, so a field named "__proto__" is reported, not swallowed.
      const errors = Object.fromEntries(issues);
      problems.push(
        record.line === undefined ? { row: record.row, errors } : { row: record.row, line: record.line, errors },
      );
    }
  }
  if (rejected > 0) throw rowsRejected(problems, rejected, records.length);
  return { rows, duplicatesInRequest };
}

function rowsRejected(problems: ImportRowProblem[], rejected: number, total: number): ImportRejectedError {
  const first = problems[0];
  const [field, problem] = Object.entries(first.errors)[0];
  const where = first.line === undefined ? `row ${first.row}` : `row ${first.row} (line ${first.line})`;
  const listed =
    rejected > problems.length
      ? `the first ${problems.length} are listed`
      : rejected === 1
        ? 'it is listed'
        : 'all are listed';
  const message =
    `${count(rejected)} of ${count(total)} ${total === 1 ? 'row' : 'rows'} ${rejected === 1 ? 'has a problem' : 'have problems'} (${listed} in details.rows), ` +
    `so nothing was imported; fix ${rejected === 1 ? 'it' : 'them'} and post the whole file again. ` +
    `First: ${where}: ${field === 'row' ? 'the row' : field} ${problem}${/[.?!]$/.test(problem) ? '' : '.'}`;
  return new ImportRejectedError(message, { rows: problems, rejected, total, fields: {} });
}

/** A problem with the request as a whole; nothing of it was read as rows. */
function requestRejected(message: string, fields: Record<string, string>, total = 0): ImportRejectedError {
  return new ImportRejectedError(`${message} Nothing was imported.`, { rows: [], rejected: 0, total, fields });
}

function tooManyRows(total: number, field: string): ImportRejectedError {
  const problem = `has ${count(total)} rows; one import takes at most ${count(MAX_IMPORT_ROWS)}`;
  return requestRejected(
    `The import has ${count(total)} rows, more than the ${count(MAX_IMPORT_ROWS)} one request takes: split the file into parts of at most ${count(MAX_IMPORT_ROWS)} rows and post each part (re-posting a part that went in changes nothing).`,
    { [field]: problem },
    total,
  );
}

const count = (n: number): string => n.toLocaleString('en-US');

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---- JSON ----

async function readJson(body: unknown): Promise<SourceRow[]> {
  const shape =
    'Send the calls as a JSON object {"calls": [{"at": "2026-10-03T14:00:00Z", "userId": "2244994945", "endpoint": "totals"}, ...]} or as text/csv.';
  if (!isObject(body)) {
    throw requestRejected(shape, {
      body: Array.isArray(body) ? 'must be an object with calls, not an array' : 'must be a JSON object with calls',
    });
  }
  const fields: Issue[] = [];
  for (const key of Object.keys(body)) {
    if (key !== 'calls') fields.push([key, 'is not a field of the import; the body takes only calls']);
  }
  const calls: unknown = body.calls;
  if (!Array.isArray(calls)) {
    fields.push(['calls', calls === undefined ? 'is required: an array of calls' : 'must be an array of calls']);
  } else if (calls.length === 0) {
    fields.push(['calls', 'must list at least one call']);
  } else if (calls.length > MAX_IMPORT_ROWS) {
    throw tooManyRows(calls.length, 'calls');
  }
  if (fields.length > 0) {
    const [field, problem] = fields[0];
    throw requestRejected(`Fix the import body: ${field} ${problem}. ${shape}`, Object.fromEntries(fields));
  }
  return mapInTurns(calls as unknown[], ROWS_PER_TURN, (call, i): SourceRow => {
    const record: SourceRow = { row: i + 1, values: {}, issues: [] };
    if (!isObject(call)) {
      record.issues.push([
        'row',
        `must be an object such as {"at": "2026-10-03T14:00:00Z", "userId": "2244994945", "endpoint": "totals"}`,
      ]);
      record.unreadable = true;
      return record;
    }
    for (const key of Object.keys(call)) {
      if (!FIELD_SET.has(key)) record.issues.push([key, unknownFieldProblem(key, 'a field of a call', 'a call takes')]);
    }
    record.values = call;
    return record;
  });
}

/** Points a near miss (`user_id`, `UserID`, `screen-name`) at the field it meant. */
function unknownFieldProblem(name: string, what: string, list: string): string {
  const loose = looseName(name);
  const meant = IMPORT_FIELDS.find((f) => looseName(f) === loose);
  return `is not ${what}${meant === undefined ? '' : ` (did you mean ${meant}?)`}; ${list} ${FIELD_LIST}`;
}

const looseName = (name: string): string => name.toLowerCase().replace(/[\s_-]/g, '');

// ---- CSV ----

async function readCsv(body: unknown): Promise<SourceRow[]> {
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) {
    throw new TypeError("parseUsageImport('csv') needs the raw text of the body (a string or a Buffer)");
  }
  // One line ending for the whole file: csv-parse picks one from the first line it meets, so a file
  // mixing CRLF and LF would otherwise be misread. With LF only, every record takes one line plus
  // the line breaks inside its quoted cells, which is how line numbers are counted below (cheaper
  // than csv-parse's per-record info, and blank lines are kept as records so that they count).
  const text = (typeof body === 'string' ? body : body.toString('utf8')).replace(LINE_BREAK, '\n');
  let records: string[][];
  try {
    records = await parseCsvInPieces(text);
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    // csv-parse's message names the line.
    throw requestRejected(
      `The CSV could not be read: ${err.message}. Quote a cell that holds a comma, a quote or a line break, and double the quotes inside it ("say ""hi""").`,
      { file: err.message },
    );
  }
  let header: string[] | undefined;
  let columns: Columns | undefined;
  const data: { cells: string[]; line: number }[] = [];
  let line = 1;
  for (let i = 0; i < records.length; i++) {
    if (i > 0 && i % ROWS_PER_TURN === 0) await yieldToEventLoop();
    const cells = records[i];
    const startLine = line;
    line += 1 + lineBreaks(cells);
    // Blank lines, and rows of empty cells (",,,," from a spreadsheet's trailing rows), are skipped.
    if (!cells.some((cell) => cell !== '')) continue;
    if (header === undefined) {
      header = cells;
      columns = readHeader(cells);
    } else {
      data.push({ cells, line: startLine });
    }
  }
  if (header === undefined || columns === undefined) {
    throw requestRejected(
      'The CSV is empty: send a header row such as "at,userId,endpoint" (id, screenName and status are optional) and one row per call.',
      {
        file: 'is empty',
      },
    );
  }
  if (data.length === 0) {
    throw requestRejected('The CSV has a header but no rows: add one row per call under the header.', {
      file: 'has no data rows',
    });
  }
  if (data.length > MAX_IMPORT_ROWS) throw tooManyRows(data.length, 'file');
  const width = header.length;
  const { byField, named } = columns;
  return mapInTurns(data, ROWS_PER_TURN, ({ cells, line }, i): SourceRow => {
    const values: Values = {};
    for (const [field, index] of byField) values[field] = cells[index];
    const source: SourceRow = { row: i + 1, line, values, issues: [] };
    const stray = cells.findIndex((cell, index) => cell !== '' && !named.has(index));
    if (stray !== -1) {
      source.issues.push([
        'row',
        stray >= width
          ? `has ${cells.length} cells but the header names ${width} columns; quote a cell that contains a comma`
          : `has a value in column ${stray + 1}, which the header leaves unnamed`,
      ]);
      source.unreadable = true;
    }
    return source;
  });
}

/**
 * csv-parse's stream parser, fed the text in pieces with a yield to the event loop after each: it
 * reads the same records (and finds the same errors, with the same line numbers) as one parse of
 * the whole text, which took ~150 ms for 50,000 rows. A piece ends after a line break, so that no
 * piece splits a character.
 */
async function parseCsvInPieces(text: string): Promise<string[][]> {
  const parser = new CsvParser({
    bom: true,
    record_delimiter: '\n',
    // Spreadsheets and hand-written files put spaces after commas; no field of a call has meaningful ones.
    trim: true,
    // A row with too many cells is reported as that row's problem rather than failing the file.
    relax_column_count: true,
  });
  const records: string[][] = [];
  let failure: Error | undefined;
  parser.on('data', (cells: string[]) => records.push(cells));
  parser.on('error', (err: Error) => (failure ??= err));
  const ended = new Promise<void>((resolve) => parser.on('end', resolve).on('close', resolve));
  for (let at = 0; at < text.length && failure === undefined;) {
    const cut = text.indexOf('\n', at + CSV_PIECE_CHARS);
    const end = cut === -1 ? text.length : cut + 1;
    parser.write(text.slice(at, end));
    at = end;
    if (at < text.length) await yieldToEventLoop();
  }
  if (failure === undefined) {
    parser.end();
    await ended;
  }
  if (failure !== undefined) throw failure;
  return records;
}

function lineBreaks(cells: string[]): number {
  let breaks = 0;
  for (const cell of cells) {
    for (let at = cell.indexOf('\n'); at !== -1; at = cell.indexOf('\n', at + 1)) breaks++;
  }
  return breaks;
}

interface Columns {
  byField: Map<Field, number>;
  /** Indexes of the named columns; cells elsewhere (an unnamed column, a trailing comma) must be empty. */
  named: Set<number>;
}

function readHeader(header: string[]): Columns {
  const byField = new Map<Field, number>();
  const named = new Set<number>();
  const issues: Issue[] = [];
  const unknown: string[] = [];
  header.forEach((name, index) => {
    if (name === '') return;
    if (!FIELD_SET.has(name)) {
      unknown.push(name);
      issues.push([name, unknownFieldProblem(name, 'a column of the import', 'the columns are')]);
    } else if (byField.has(name as Field)) {
      issues.push([name, `appears twice in the header (columns ${byField.get(name as Field)! + 1} and ${index + 1})`]);
    } else {
      byField.set(name as Field, index);
      named.add(index);
    }
  });
  const missing = REQUIRED_FIELDS.filter((f) => !byField.has(f));
  for (const field of missing) issues.push([field, 'is a required column']);
  if (issues.length === 0) return { byField, named };

  const said = JSON.stringify(header.join(','));
  if (header.length === 1 && /[;\t|]/.test(header[0])) {
    throw requestRejected(
      `The CSV header reads ${said} as one column: separate the cells with commas, not semicolons, tabs or bars.`,
      {
        header: 'must separate the column names with commas',
      },
    );
  }
  if (byField.size === 0) {
    // Most likely a file without a header: listing each of its cells as an unknown column would bury that.
    throw requestRejected(
      `The first line of the CSV must be a header naming the columns, such as "at,userId,endpoint" (id, screenName and status are optional); it reads ${said}.`,
      { header: 'names none of the columns' },
    );
  }
  const fields = Object.fromEntries(issues);
  const parts: string[] = [];
  if (unknown.length > 0)
    parts.push(
      `names ${unknown.length === 1 ? 'an unknown column' : 'unknown columns'} ${unknown.map((n) => JSON.stringify(n)).join(', ')}`,
    );
  if (missing.length > 0)
    parts.push(`lacks the required ${missing.length === 1 ? 'column' : 'columns'} ${missing.join(', ')}`);
  if (parts.length === 0) parts.push('names a column twice');
  throw requestRejected(
    `The CSV header ${parts.join(' and ')}; the columns are ${FIELD_LIST} (only at, userId and endpoint are required, in any order).`,
    fields,
  );
}

// ---- fields (both formats) ----

/** An absent, null or empty value is one and the same: an empty CSV cell and a missing JSON field agree. */
const given = (value: unknown): boolean => value !== undefined && value !== null && value !== '';

/** Checks every field (so all of a row's problems are reported together). `externalId` is '' when no id was given. */
function checkFields(values: Values, issues: Issue[], nowMs: number): ImportRow | undefined {
  const externalId = checkId(values.id, issues);
  const at = checkAt(values.at, issues, nowMs);
  const userId = checkUserId(values.userId, issues);
  const screenName = checkScreenName(values.screenName, issues);
  const endpoint = checkEndpoint(values.endpoint, issues);
  const status = checkStatus(values.status, issues);
  if (
    at === undefined ||
    userId === undefined ||
    endpoint === undefined ||
    status === undefined ||
    externalId === undefined ||
    screenName === undefined
  ) {
    return undefined;
  }
  return { externalId, at, userId, screenName, endpoint, status };
}

function checkId(value: unknown, issues: Issue[]): string | undefined {
  if (!given(value)) return '';
  let problem: string | undefined;
  if (typeof value !== 'string') {
    problem = `must be a string${typeof value === 'number' ? ` such as "${value}"` : ''}`;
  } else if (value.length > MAX_ID_LENGTH) {
    problem = `is ${value.length} characters long; an id has at most ${MAX_ID_LENGTH}`;
  } else if (UNPRINTABLE.test(value)) {
    problem = 'contains a control character (a line break, a tab, ...); an id must be printable';
  } else if (value.trim() !== value) {
    problem = 'starts or ends with whitespace; remove it, as the id must match exactly when the file is posted again';
  }
  if (problem === undefined) return value as string;
  issues.push(['id', problem]);
  return undefined;
}

function checkAt(value: unknown, issues: Issue[], nowMs: number): Date | undefined {
  const fail = (problem: string): undefined => {
    issues.push(['at', problem]);
    return undefined;
  };
  if (!given(value)) return fail(`is required: when the call was made, ${AT_EXAMPLE}`);
  if (typeof value !== 'string') return fail(`must be an ISO 8601 date-time string, ${AT_EXAMPLE}`);
  const m = DATE_TIME.exec(value);
  if (m === null) {
    return fail(
      DATE_ONLY.test(value)
        ? `is a date without a time; give the time of the call, ${AT_EXAMPLE}`
        : `must be an ISO 8601 date-time, ${AT_EXAMPLE}`,
    );
  }
  if (m[8] === undefined && m[9] === undefined) {
    return fail(
      `has no time zone, so the moment is ambiguous; add Z for UTC or the offset it was written in, ${AT_EXAMPLE}`,
    );
  }
  // Luxon takes RFC 3339's lower-case t and z, the comma and the offset without a colon, but not
  // the space. It gets three fraction digits at most: finer ones are dropped, as the ledger's ids
  // of imported calls were made that way (Luxon would round .5699999999999999999 up to 570 ms
  // through a float, and refuse more than 30 digits).
  // In UTC: the string's own offset places the instant; the zone only spares Luxon the system zone's arithmetic.
  const at = DateTime.fromISO(value.replace(' ', 'T').replace(/([.,]\d{3})\d+/, '$1'), { zone: 'utc' });
  // Luxon knows the calendar (no 2026-02-29) and the clock, but lets ISO 8601's 24:00 (the end of
  // a day) and any offset through, which no call's time has.
  if (!at.isValid || m[4] === '24' || Number(m[10] ?? 0) > 23 || Number(m[11] ?? 0) > 59)
    return fail(`is not a real date-time: ${value}`);
  const ms = at.toMillis();
  if (ms < EARLIEST_AT_MS) return fail(`is ${value}, before X began (2006-03-21); check the date and its column`);
  if (ms > nowMs + FUTURE_SLACK_MS)
    return fail(
      `is ${new Date(ms).toISOString()}, in the future (now is ${new Date(nowMs).toISOString()}); only calls already made can be imported`,
    );
  return new Date(ms);
}

function checkUserId(value: unknown, issues: Issue[]): string | undefined {
  let problem: string | undefined;
  if (!given(value)) {
    problem =
      'is required: the numeric X user ID of the handle the call was made for, as a string such as "2244994945"';
  } else if (typeof value === 'number') {
    problem = `must be a string: X user IDs exceed JavaScript's safe integers, so a JSON number may already have lost digits; quote it ("${value}")`;
  } else if (typeof value !== 'string') {
    problem = 'must be a string of digits such as "2244994945"';
  } else if (USER_ID.test(value)) {
    if (value.length === 19 && value > MAX_USER_ID)
      problem = `is larger than any X user ID can be (at most ${MAX_USER_ID})`;
  } else if (SCIENTIFIC.test(value)) {
    problem = `is ${value}, a number a spreadsheet has rounded; format the column as text and export again`;
  } else if (/^0\d/.test(value)) {
    problem = 'starts with 0, which no X user ID does; check the column';
  } else {
    problem = 'must be an X user ID: 1 to 19 digits, such as "2244994945" (the numeric ID, not the @name)';
  }
  if (problem === undefined) return value as string;
  issues.push(['userId', problem]);
  return undefined;
}

/** `null` (not undefined) when absent: the screen name is optional. */
function checkScreenName(value: unknown, issues: Issue[]): string | null | undefined {
  if (!given(value)) return null;
  const m = typeof value === 'string' ? SCREEN_NAME.exec(value) : null;
  if (m !== null) return m[1];
  issues.push([
    'screenName',
    'must be an X screen name such as "@acme" or "acme": 1 to 50 letters, digits or underscores',
  ]);
  return undefined;
}

function checkEndpoint(value: unknown, issues: Issue[]): ImportEndpoint | undefined {
  const m = typeof value === 'string' ? ENDPOINT.exec(value) : null;
  if (m !== null) return m[1].toLowerCase() as ImportEndpoint;
  const allowed = 'totals, 28hr or historical (or its path, such as /insights/engagement/totals)';
  issues.push(['endpoint', given(value) ? `is ${JSON.stringify(value)}; use ${allowed}` : `is required: ${allowed}`]);
  return undefined;
}

/** Absent → 200: onboarding logs usually record only the calls that succeeded. */
function checkStatus(value: unknown, issues: Issue[]): number | undefined {
  if (!given(value)) return 200;
  const status =
    typeof value === 'number' ? value : typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : NaN;
  if (Number.isInteger(status) && status >= 100 && status <= 599) return status;
  issues.push([
    'status',
    `must be the HTTP status X answered, an integer from 100 to 599 such as 200 (leave it out for 200)`,
  ]);
  return undefined;
}
