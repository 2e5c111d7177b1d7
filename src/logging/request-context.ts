import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log record written while serving a request can say about it. */
export interface RequestContext {
  requestId: string;
}

/**
 * Carries the request id from the request-id middleware to every log line written on the
 * request's behalf (an error filter, the ledger), however deep, without threading it through calls.
 */
export const requestContext = new AsyncLocalStorage<RequestContext>();
