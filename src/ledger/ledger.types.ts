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

export type WriteAheadResult = { ok: true } | { ok: false; allowance: number };

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

/** A call from before handlemeter was in the path (usage import). */
export interface ImportedCall extends PendingCall {
  externalId: string;
  status: number;
}
