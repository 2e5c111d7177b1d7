import { DomainError } from '../common/errors';
import { Outcome } from '../ledger/ledger.types';

/** X did not give an answer; `outcome` says whether the request may have reached it (and so counts). */
export abstract class UpstreamError extends DomainError {
  abstract readonly outcome: Outcome;
  latencyMs = 0;
}

export class UpstreamUnreachableError extends UpstreamError {
  readonly outcome = 'unreachable' as const;
  constructor(reason: string) {
    super(
      502,
      'UPSTREAM_UNREACHABLE',
      `X could not be reached (${reason}); nothing was sent, so nothing was counted. Retry later.`,
    );
  }
}

export class UpstreamTimeoutError extends UpstreamError {
  readonly outcome = 'timeout' as const;
  constructor(timeoutMs: number) {
    super(
      504,
      'UPSTREAM_TIMEOUT',
      `X did not answer within ${timeoutMs} ms. The request may have reached X, so it counts.`,
    );
  }
}

/** The connection broke after the request was on its way: X may have seen it, so it counts (unlike UPSTREAM_UNREACHABLE). */
export class UpstreamFailedError extends UpstreamError {
  readonly outcome = 'failed' as const;
  constructor(reason: string) {
    super(
      502,
      'UPSTREAM_FAILED',
      `The connection to X broke before its answer arrived (${reason}). The request may have reached X, so it counts.`,
    );
  }
}
