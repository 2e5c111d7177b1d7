import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { logWhenDone } from './access-log';
import { RequestContext, requestContext } from './request-context';

const SANE_ID = /^[A-Za-z0-9._-]{1,100}$/;
const CONTEXT = Symbol('requestContext');

type WithContext = FastifyRequest & { [CONTEXT]?: RequestContext };

/** Fastify's `genReqId`: the caller's X-Request-Id when it sent a sane one, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && SANE_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Every answer carries X-Request-Id so logs and reports can be matched: every log line written
 * while serving the request carries it too, and one access-log line sums the request up.
 */
export function installRequestId(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (req: WithContext, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    reply.header('X-Request-Id', req.id);
    logWhenDone(req, reply);
    const context = (req[CONTEXT] = { requestId: req.id });
    requestContext.run(context, done);
  });
  // Reading the body continues from the socket's events, outside the context entered above: enter it again.
  fastify.addHook('preValidation', (req: WithContext, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    requestContext.run(req[CONTEXT]!, done);
  });
}
