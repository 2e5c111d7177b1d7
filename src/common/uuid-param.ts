import { Param, ParseUUIDPipe } from '@nestjs/common';
import { NotFoundError } from './errors';

/** A path id that is not a UUID names nothing: 404, like an unknown one, rather than a 400 or a database error. */
export const UuidParam = (name: string, what: string) =>
  Param(name, new ParseUUIDPipe({ exceptionFactory: () => new NotFoundError(what) }));
