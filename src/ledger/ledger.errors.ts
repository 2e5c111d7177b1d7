import { DomainError } from '../common/errors';

export class LedgerUnavailableError extends DomainError {
  constructor() {
    super(
      503,
      'LEDGER_UNAVAILABLE',
      'The usage ledger cannot be written right now, so the call was not sent to X. Retry shortly.',
    );
  }
}

export class HandleAllowanceExhaustedError extends DomainError {
  constructor(userId: string, allowance: number) {
    super(
      403,
      'HANDLE_ALLOWANCE_EXHAUSTED',
      `The contract blocks new handles once its allowance of ${allowance} is used up this period, and handle ${userId} has not been used yet this period. Handles already used this period still work.`,
      { userId, allowance },
    );
  }
}
