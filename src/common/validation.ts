import { applyDecorators, ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsObject, Max, Min, ValidateBy, ValidateNested, ValidationOptions } from 'class-validator';
import { ValidationFailedError } from './errors';
import { yieldToEventLoop } from './event-loop';

/** No body of this API nests deeper than a few levels; class-transformer recurses, so a much deeper one would overflow the stack (a 500). */
export const MAX_BODY_DEPTH = 32;

/** U+0000 and unpaired surrogates: PostgreSQL can store neither in text or jsonb, so such a string would fail as a 500 deep inside. */
// eslint-disable-next-line no-control-regex -- NUL is what PostgreSQL cannot store in text
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Refuses, before anything walks it recursively or stores it, a JSON body nested too deep or holding text no field can hold. */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // A body read into a DTO; a body taken as it is (the usage import) has a parser of its own that names bad text per row.
    const dto = typeof metadata.metatype === 'function' && metadata.metatype !== Object;
    const problem = metadata.type === 'body' ? await bodyProblem(value, dto) : null;
    if (problem)
      throw new ValidationFailedError(`${problem.field}: ${problem.problem}.`, { [problem.field]: problem.problem });
    return super.transform(value, metadata);
  }
}

/**
 * Values looked at between two yields to the event loop: a 50,000-row import is ~250,000 of them,
 * ~200 ms in one go, and the gateway's calls would wait that long (src/common/event-loop.ts).
 */
const VALUES_PER_TURN = 5_000;

/**
 * The first problem of a parsed JSON body: too deep, or (with `text`) a string no text can hold.
 * A raw text body, such as CSV, is left to its parser. Iterative, so that a deep value cannot
 * overflow the stack here either; a value's path is built only for the objects and arrays on the
 * way and for a string at fault, not for every string.
 */
export async function bodyProblem(value: unknown, text: boolean): Promise<{ field: string; problem: string } | null> {
  if (typeof value !== 'object' || value === null) return null;
  const stack: Array<[object, string, number]> = [[value, '', 0]];
  let seen = 0;
  while (stack.length) {
    const [v, path, depth] = stack.pop()!;
    if (depth >= MAX_BODY_DEPTH)
      return { field: 'body', problem: `nests deeper than ${MAX_BODY_DEPTH} levels, and no field of this API does` };
    for (const k of Object.keys(v)) {
      if (++seen % VALUES_PER_TURN === 0) await yieldToEventLoop();
      const child: unknown = (v as Record<string, unknown>)[k];
      if (typeof child === 'string') {
        if (text && UNSTORABLE.test(child))
          return {
            field: path ? `${path}.${k}` : k,
            problem: 'contains a NUL character or an unpaired surrogate, which no text can hold',
          };
      } else if (typeof child === 'object' && child !== null) {
        stack.push([child, path ? `${path}.${k}` : k, depth + 1]);
      }
    }
  }
  return null;
}

/** Strict: unknown fields are refused, types converted, and every bad field named in `details.fields`. */
export function validationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const fields: Record<string, string> = {};
      flatten(errors, '', fields);
      return validationFailed(Object.entries(fields));
    },
  });
}

/**
 * The gateway's style (src/gateway/engagement-request.ts): one sentence per field naming the fix,
 * and a message that starts with the first of them.
 */
export function validationFailed(issues: [path: string, problem: string][]): ValidationFailedError {
  if (!issues.length) return new ValidationFailedError('The request is not valid.', {});
  const [path, problem] = issues[0];
  const message =
    issues.length === 1
      ? `Fix the request: ${path} ${problem}.`
      : `Fix the ${issues.length} problems listed in details.fields, starting with: ${path} ${problem}.`;
  return new ValidationFailedError(message, Object.fromEntries(issues));
}

function flatten(errors: ValidationError[], prefix: string, out: Record<string, string>): void {
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) out[path] = oneSentence(e.property, e.constraints);
    if (e.children?.length) flatten(e.children, path, out);
  }
}

/**
 * The DTOs give every decorator of a field the same phrase ("must be a whole number from 0 to
 * 100,000,000"), so a field with several broken rules still reads as one sentence; a library
 * default ("handleAllowance must be an integer number") loses its field name, which the path carries.
 */
function oneSentence(property: string, constraints: Record<string, string>): string {
  if (constraints.whitelistValidation) return 'is not a field of this request: remove it';
  const phrases = Object.values(constraints).map((m) =>
    m.replace(new RegExp(`^(nested property |each value in )?${escapeRegExp(property)} `), '').replace(/\.$/, ''),
  );
  return [...new Set(phrases)].join(', and ');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Text pasted from an example instead of a real credential: "…", "...", "<your token>", blank,
 * whitespace around it or a line break or tab in it (a copy-paste slip). Spaces inside are
 * allowed: secrets are opaque, and OAuth percent-encodes them.
 */
const PLACEHOLDER = /…|\.\.\.|<[^>]*>|^\s|\s$|[\t\n\r\v\f]|^(x+|\*+|changeme|placeholder|secret|token|your[-_].*)$/i;

export function looksLikePlaceholder(v: string): boolean {
  return PLACEHOLDER.test(v);
}

/**
 * A credential, not a placeholder copied from docs (the README's `1234-abc…`): such a value would
 * be stored, and every call signed with it would fail at X with no hint why.
 */
export function IsCredential(what: string, maxLength: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCredential',
      validator: {
        validate: (v) => typeof v === 'string' && v.length > 0 && v.length <= maxLength && !looksLikePlaceholder(v),
        defaultMessage: (args) => {
          const v: unknown = args?.value;
          if (typeof v !== 'string' || v.length === 0) return `must be the ${what} as a non-empty string`;
          if (v.length > maxLength) return `must be the ${what}, at most ${maxLength} characters`;
          return `looks like a placeholder (it has "…", "...", "<…>", a line break or whitespace around it): paste the real ${what}`;
        },
      },
    },
    options,
  );
}

/**
 * A finite number with at most `places` decimals. class-validator's IsNumber({ maxDecimalPlaces })
 * throws (a 500) on a number JavaScript prints in exponent form, such as 1e-7.
 */
export function HasAtMostDecimals(places: number, options?: ValidationOptions): PropertyDecorator {
  const scale = 10 ** places;
  return ValidateBy(
    {
      name: 'hasAtMostDecimals',
      validator: {
        validate: (v) => typeof v === 'number' && Number.isFinite(v) && Math.round(v * scale) / scale === v,
        defaultMessage: () => `$property must be numbers with at most ${places} decimals`,
      },
    },
    options,
  );
}

/**
 * A field holding one object of the DTO class `type`, validated field by field. IsObject first:
 * ValidateNested alone lets an array through (it checks each element, and [] has none).
 */
export function IsNestedObject(type: () => new () => object, options: ValidationOptions): PropertyDecorator {
  return applyDecorators(IsObject(options), ValidateNested(options), Type(type));
}

/** The most unique handles a figure of one period may state (an allowance, an invoice's count). */
export const MAX_HANDLE_COUNT = 100_000_000;

/** A number of unique handles: a whole number from 0 to MAX_HANDLE_COUNT. */
export function IsHandleCount(options: ValidationOptions): PropertyDecorator {
  return applyDecorators(IsInt(options), Min(0, options), Max(MAX_HANDLE_COUNT, options));
}
