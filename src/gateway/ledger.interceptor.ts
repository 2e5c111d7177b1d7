import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { from, lastValueFrom, Observable } from 'rxjs';
import { writeAnswer } from './answer';
import type { GatewayRequest } from './gateway.controller';
import { GatewayCall, UpstreamAnswer } from './gateway.types';
import { UpstreamError } from './upstream.errors';
import { XClient } from './x-client';
import { LedgerService } from '../ledger/ledger.service';
import { CallOutcome, PendingCall } from '../ledger/ledger.types';

/**
 * One gateway call, top to bottom, under the rule handlemeter is built on: the call's record is
 * committed before the call leaves for X, and nothing is counted that X cannot have seen.
 *
 *   1. prepare      the controller's handler: the app, the handle, a body within X's limits.
 *                   A refusal there is not a call: nothing is written, counted or sent.
 *   2. write ahead  the call row and the handle's place in the period, committed (group commit:
 *                   concurrent calls share a transaction). Or refused: 503 LEDGER_UNAVAILABLE,
 *                   403 HANDLE_ALLOWANCE_EXHAUSTED; either way not sent.
 *   3. send         signed for X. Not if the client hung up meanwhile: its record is taken back.
 *   4. record       X's answer, or that there was none. Written behind the answer, except when
 *                   the answer must not go out first: a first 2xx under countPolicy `confirmed`
 *                   (that write is the count) and an unreachable X (its 502 says nothing was
 *                   counted, so the uncount is committed first).
 *   5. answer       X's status, bytes and rate-limit headers, and what the call cost.
 */
@Injectable()
export class LedgerInterceptor implements NestInterceptor {
  constructor(
    private readonly ledger: LedgerService,
    private readonly x: XClient,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler<GatewayCall>): Observable<void> {
    const http = ctx.switchToHttp();
    return from(this.forward(http.getRequest<GatewayRequest>(), http.getResponse<FastifyReply>(), next));
  }

  private async forward(req: GatewayRequest, reply: FastifyReply, next: CallHandler<GatewayCall>): Promise<void> {
    const call = await lastValueFrom(next.handle()); // 1. prepare
    if (hungUp(req)) return;
    req.callId = call.pending.id;

    const metering = await this.ledger.begin(call.pending); // 2. write ahead

    if (hungUp(req)) return this.ledger.withdraw(call.pending); // 3. send
    let answer: UpstreamAnswer;
    try {
      answer = await this.x.send(call);
    } catch (e) {
      if (!(e instanceof UpstreamError)) {
        this.ledger.abandon();
        throw e;
      }
      await this.ledger.complete(noAnswer(call.pending, e)); // 4. record (no answer)
      throw e;
    }

    await this.ledger.complete(answered(call.pending, answer)); // 4. record

    writeAnswer(reply, answer, call.pending, metering); // 5. answer
  }
}

/** The client closed its connection: nobody is waiting for this call any more. */
function hungUp(req: GatewayRequest): boolean {
  return req.raw.socket?.destroyed ?? true;
}

function answered(call: PendingCall, a: UpstreamAnswer): CallOutcome {
  return {
    call,
    outcome: 'answered',
    status: a.status,
    latencyMs: a.latencyMs,
    rateLimit: a.rateLimit,
    answeredAt: a.answeredAt,
  };
}

function noAnswer(call: PendingCall, e: UpstreamError): CallOutcome {
  return {
    call,
    outcome: e.outcome,
    status: null,
    latencyMs: e.latencyMs,
    rateLimit: { limit: null, remaining: null },
    answeredAt: new Date(),
  };
}
