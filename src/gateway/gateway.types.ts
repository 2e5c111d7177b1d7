import { AppCredentials, HandleCredentials } from '../contracts/credentials-cache';
import { PendingCall } from '../ledger/ledger.types';
import { EngagementRequest } from './engagement-request';

/** A request that passed authentication and validation: everything needed to record, sign and send it. */
export interface GatewayCall {
  request: EngagementRequest;
  /** The body X gets: the validated JSON, serialised again. */
  body: Buffer;
  app: AppCredentials;
  handle: HandleCredentials | null;
  pending: PendingCall;
}

/** X's answer, passed back to the client as it came. */
export interface UpstreamAnswer {
  status: number;
  body: Buffer;
  contentType: string | undefined;
  rateLimit: { limit: number | null; remaining: number | null; limitHeader?: string; remainingHeader?: string };
  latencyMs: number;
  answeredAt: Date;
}
