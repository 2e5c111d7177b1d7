import { fitsBigint } from '../common/bigint-id';
import { ValidationFailedError } from '../common/errors';

/** A batch job's size limit: what a pipeline asks about before it runs. */
export const MAX_PREFLIGHT_HANDLES = 10_000;
const MAX_PROBLEMS = 20;
const SCREEN_NAME = /^[A-Za-z0-9_]{1,50}$/;
const USER_ID = /^[1-9]\d{0,18}$/;

/**
 * A batch's references as sent (duplicates kept: the database counts distinct handles, and
 * only the few that name nothing need their duplicates dropped), with, for each, its lowercased
 * screen name and its user ID when it may be one (null otherwise). Columns, not an object per
 * reference: a full batch is 10,000 of them, and the preflight has 100 ms.
 */
export interface HandleRefs {
  refs: string[];
  names: string[];
  userIds: (string | null)[];
}

/**
 * `{ "handles": [...] }` → the references. The array's length is checked before any item is
 * read; then each item must be `@name`, `name` or a numeric user ID (the X-Handle forms), and at
 * most 20 problems are listed, with `total`.
 */
export function parsePreflightBody(body: unknown): HandleRefs {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid('The body must be a JSON object such as {"handles": ["@acme", "1234"]}.', {
      body: 'must be a JSON object',
    });
  const extra = Object.keys(body).filter((k) => k !== 'handles');
  if (extra.length)
    throw invalid(
      `Unknown field ${extra[0]}: the body has only "handles".`,
      Object.fromEntries(extra.slice(0, MAX_PROBLEMS).map((k) => [k, 'property should not exist'])),
    );
  const handles = (body as { handles?: unknown }).handles;
  if (!Array.isArray(handles))
    throw invalid('handles must be an array of handle references ("@name", "name" or the numeric user ID).', {
      handles: 'must be an array',
    });
  if (handles.length > MAX_PREFLIGHT_HANDLES) {
    throw invalid(
      `handles has ${handles.length} entries; a preflight takes at most ${MAX_PREFLIGHT_HANDLES}. Split the batch.`,
      { handles: `at most ${MAX_PREFLIGHT_HANDLES} entries` },
      { total: handles.length, limit: MAX_PREFLIGHT_HANDLES },
    );
  }
  const fields: Record<string, string> = {};
  let total = 0;
  const out: HandleRefs = { refs: [], names: [], userIds: [] };
  for (let i = 0; i < handles.length; i++) {
    const h: unknown = handles[i];
    const at = typeof h === 'string' && h.startsWith('@');
    const name = typeof h === 'string' ? (at ? h.slice(1) : h) : '';
    if (!SCREEN_NAME.test(name)) {
      if (++total <= MAX_PROBLEMS)
        fields[`handles.${i}`] = 'must be "@name", "name" (letters, digits, _; at most 50) or a numeric user ID';
      continue;
    }
    out.refs.push(h as string);
    out.names.push(name.toLowerCase());
    out.userIds.push(!at && USER_ID.test(name) && fitsBigint(name) ? name : null);
  }
  if (total)
    throw invalid(
      `${total} handle reference(s) are not "@name", "name" or a numeric user ID; the first is handles.${Object.keys(fields)[0].slice(8)}.`,
      fields,
      { total },
    );
  return out;
}

/** The references among `refs` at `indexes`, once each (case-insensitively), in the order given. */
export function distinctRefs(refs: string[], indexes: number[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const i of indexes) {
    const key = refs[i].toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(refs[i]);
  }
  return out;
}

function invalid(
  message: string,
  fields: Record<string, string>,
  more: Record<string, unknown> = {},
): ValidationFailedError {
  const e = new ValidationFailedError(message, fields);
  Object.assign(e.details, more);
  return e;
}
