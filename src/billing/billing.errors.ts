import { DomainError } from '../common/errors';
import type { ImportRejection } from './usage-import.parser';

/** The import was refused and nothing may be imported. */
export class ImportRejectedError extends DomainError {
  constructor(
    message: string,
    readonly rejection: ImportRejection,
  ) {
    super(400, 'VALIDATION_FAILED', message, { ...rejection });
  }
}
