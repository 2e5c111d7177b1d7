import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidationFailedError } from './errors';

/** Strict: unknown fields are refused, types converted, and every bad field named in `details.fields`. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
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
