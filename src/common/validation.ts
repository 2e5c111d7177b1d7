import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidateBy, ValidationOptions } from 'class-validator';
import { ValidationFailedError } from './errors';

/** No body of this API nests deeper than a few levels; class-transformer recurses, so a much deeper one would overflow the stack (a 500). */
export const MAX_BODY_DEPTH = 32;

/** U+0000 and unpaired surrogates: PostgreSQL can store neither in text or jsonb, so such a string would fail as a 500 deep inside. */
// eslint-disable-next-line no-control-regex -- NUL is what PostgreSQL cannot store in text
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Refuses, before anything walks it recursively or stores it, a JSON body nested too deep or holding text no field can hold. */
class StrictValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // A body read into a DTO; a body taken as it is (the usage import) has a parser of its own that names bad text per row.
    const dto = typeof metadata.metatype === 'function' && metadata.metatype !== Object;
    const problem = metadata.type === 'body' ? bodyProblem(value, dto) : null;
    if (problem) throw new ValidationFailedError(`${problem.field}: ${problem.problem}.`, { [problem.field]: problem.problem });
    return super.transform(value, metadata);
  }
}

/**
 * The first problem of a parsed JSON body: too deep, or (with `text`) a string no text can hold.
 * A raw text body, such as CSV, is left to its parser. Iterative, so that a deep value cannot overflow the stack here either.
 */
export function bodyProblem(value: unknown, text: boolean): { field: string; problem: string } | null {
  if (typeof value !== 'object' || value === null) return null;
  const stack: Array<[unknown, string, number]> = [[value, '', 0]];
  while (stack.length) {
    const [v, path, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (text && UNSTORABLE.test(v)) return { field: path || 'body', problem: 'contains a NUL character or an unpaired surrogate, which no text can hold' };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_BODY_DEPTH) return { field: 'body', problem: `nests deeper than ${MAX_BODY_DEPTH} levels, and no field of this API does` };
    for (const [k, child] of Object.entries(v)) stack.push([child, path ? `${path}.${k}` : k, depth + 1]);
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
      const first = Object.entries(fields)[0];
      return new ValidationFailedError(first ? `${first[0]}: ${first[1]}` : 'The request is not valid.', fields);
    },
  });
}

function flatten(errors: ValidationError[], prefix: string, out: Record<string, string>): void {
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) out[path] = Object.values(e.constraints).join('; ');
    if (e.children?.length) flatten(e.children, path, out);
  }
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
