import { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthenticatedRequest, isDropIn } from '../auth/principal';
import { ACCESS_LOG_CONTEXT } from './app-logger';

const logger = new Logger(ACCESS_LOG_CONTEXT);

/** What the gateway leaves on a request for this line: the id of the call it recorded. */
export type LoggedRequest = FastifyRequest & AuthenticatedRequest & { callId?: string };

/**
 * One line per request, built once when its answer is done (or the client hung up: `aborted`):
 * who (key id, or app id for a client's own X credentials), what (method, path WITHOUT the query
 * string), how it went. Never a header value: keys, tokens and signatures travel in headers.
 */
export function logWhenDone(req: FastifyRequest, reply: FastifyReply): void {
  const started = performance.now();
  const res = reply.raw;
  res.once('close', () => {
    const r = req as LoggedRequest;
    const path = r.url.split('?', 1)[0];
    const status = res.statusCode;
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    const p = r.principal;
    const record = {
      msg: `${r.method} ${path} ${status} ${durationMs}ms`,
      requestId: r.id,
      method: r.method,
      path,
      status,
      durationMs,
      keyId: p && !isDropIn(p) ? p.keyId : undefined,
      appId: p?.appId ?? undefined,
      auth: p ? (isDropIn(p) ? p.via : 'api-key') : undefined,
      callId: r.callId,
      aborted: res.writableFinished ? undefined : true,
    };
    if (status >= 500) logger.warn(record);
    else logger.log(record);
  });
}
