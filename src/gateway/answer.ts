import type { FastifyReply } from 'fastify';
import type { Metering, PendingCall } from '../ledger/ledger.types';
import { UpstreamAnswer } from './gateway.types';

/**
 * X's status, bytes and x-per-minute-* headers, written as they came, and for a user-context
 * call what it cost (docs/api.md, "The gateway"):
 * - X-Handlemeter-Handle-New: `true` when this call brought the handle into the period's count;
 * - X-Handlemeter-Unique-Handles: the period's count after it;
 * - X-Handlemeter-Allowance-Remaining: the allowance minus that count, never below 0.
 * "Count" is the contract's countPolicy: under `confirmed` a handle counts from its first 2xx.
 */
export function writeAnswer(
  reply: FastifyReply,
  answer: UpstreamAnswer,
  call: PendingCall,
  metering: Metering | null,
): void {
  reply.code(answer.status);
  if (answer.contentType) reply.header('content-type', answer.contentType);
  if (answer.rateLimit.limitHeader !== undefined) reply.header('x-per-minute-limit', answer.rateLimit.limitHeader);
  if (answer.rateLimit.remainingHeader !== undefined)
    reply.header('x-per-minute-remaining', answer.rateLimit.remainingHeader);
  if (metering) {
    let isNew = metering.handleNew;
    let count = metering.attempted;
    if (call.billsConfirmed) {
      isNew = answer.status >= 200 && answer.status < 300 && !metering.wasConfirmed;
      count = metering.confirmed + (isNew ? 1 : 0);
    }
    reply.header('x-handlemeter-handle-new', isNew ? 'true' : 'false');
    reply.header('x-handlemeter-unique-handles', String(count));
    reply.header('x-handlemeter-allowance-remaining', String(Math.max(0, metering.allowance - count)));
  }
  void reply.send(answer.body);
}
