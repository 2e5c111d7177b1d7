import type { EngagementEndpoint } from '../gateway/engagement-request';

/** One call as the ledger writes it ahead of sending. */
export interface PendingCall {
  id: string;
  at: Date;
  contractId: string;
  appId: string | null;
  period: { key: string; start: Date; end: Date };
  endpoint: EngagementEndpoint;
  /** null for app-only calls: logged, never counted. */
  userId: string | null;
  screenName: string | null;
  tweetCount: number;
  /** The contract's enforcement is `block`: a handle new to the period needs room in the allowance. */
  block: boolean;
  /** The contract's countPolicy is `confirmed`: a handle's first 2xx is the count, so it is written before the answer goes back. */
  billsConfirmed: boolean;
}

/**
 * What a user-context call cost, as its write-ahead committed it: for the answer headers
 * X-Handlemeter-Handle-New, -Unique-Handles and -Allowance-Remaining.
 */
export interface Metering {
  /** This call put the handle into the period's set (the first of the batch to name it). */
  handleNew: boolean;
  /** The handle already had a 2xx this period (countPolicy `confirmed` counted it before). */
  wasConfirmed: boolean;
  /** The period's attempted and confirmed handle counts after the write. */
  attempted: number;
  confirmed: number;
  allowance: number;
}

/** Admitted (with the metering of a user-context call; null for app-only), or refused by `block`. */
export type WriteAheadResult = { ok: true; metering: Metering | null } | { ok: false; allowance: number };

export type Outcome = 'answered' | 'timeout' | 'unreachable' | 'failed';

/** What happened when the call went to X; written after the answer, asynchronously. */
export interface CallOutcome {
  call: PendingCall;
  outcome: Outcome;
  status: number | null;
  latencyMs: number;
  rateLimit: { limit: number | null; remaining: number | null };
  answeredAt: Date;
}

/** A period's counters as they stand: distinct handles attempted and confirmed, and calls. */
export interface PeriodCounts {
  attempted: number;
  confirmed: number;
  calls: number;
}

/** A call from before handlemeter was in the path (usage import). */
export interface ImportedCall extends PendingCall {
  externalId: string;
  status: number;
}
