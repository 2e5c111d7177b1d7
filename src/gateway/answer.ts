import type { FastifyReply } from 'fastify';
import { UpstreamAnswer } from './gateway.types';

/**
 * X's status, bytes and x-per-minute-* headers, written as they came: straight to the response
 * rather than through Nest's response mapping, which would cost a stream per answer.
 */
export function writeAnswer(res: FastifyReply, answer: UpstreamAnswer): void {
  res.status(answer.status);
  if (answer.contentType) res.header('Content-Type', answer.contentType);
  if (answer.rateLimit.limitHeader !== undefined) res.header('x-per-minute-limit', answer.rateLimit.limitHeader);
  if (answer.rateLimit.remainingHeader !== undefined) res.header('x-per-minute-remaining', answer.rateLimit.remainingHeader);
  void res.send(answer.body);
}
