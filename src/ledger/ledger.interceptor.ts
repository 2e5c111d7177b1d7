import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { FastifyReply } from 'fastify';
import { writeAnswer } from '../gateway/answer';
import type { GatewayRequest } from '../gateway/gateway-call.guard';
import { UpstreamAnswer } from '../gateway/gateway.types';
import { UpstreamError } from '../gateway/upstream.errors';
import { LedgerService } from './ledger.service';

/**
 * The write-ahead rule around the gateway's handler: the call's record is committed before the
 * handler may send it to X; its outcome is recorded when X answers (or fails to), and X's answer
 * goes back to the client after it, at once unless the outcome itself is the count (a first 2xx
 * under countPolicy `confirmed`), then once that is committed. Written as one plain Observable
 * rather than an operator chain: it wraps every gateway call.
 */
@Injectable()
export class LedgerInterceptor implements NestInterceptor {
  constructor(private readonly ledger: LedgerService) {}

  intercept(ctx: ExecutionContext, next: CallHandler<UpstreamAnswer>): Observable<UpstreamAnswer> {
    const http = ctx.switchToHttp();
    const call = http.getRequest<GatewayRequest>().gatewayCall!.pending;
    const res = http.getResponse<FastifyReply>();
    return new Observable<UpstreamAnswer>((out) => {
      const answer = (a: UpstreamAnswer): void => {
        writeAnswer(res, a);
        out.next(a);
        out.complete();
      };
      this.ledger.begin(call).then(
        () =>
          next.handle().subscribe({
            next: (a) => {
              const counted = this.ledger.complete({ call, outcome: 'answered', status: a.status, latencyMs: a.latencyMs, rateLimit: a.rateLimit, answeredAt: a.answeredAt });
              if (counted) void counted.then(() => answer(a));
              else answer(a);
            },
            error: (e: unknown) => {
              if (e instanceof UpstreamError) {
                // Nobody waits on an unanswered call's outcome; complete() never rejects.
                void this.ledger.complete({ call, outcome: e.outcome, status: null, latencyMs: e.latencyMs, rateLimit: { limit: null, remaining: null }, answeredAt: new Date() });
              } else this.ledger.abandon();
              out.error(e);
            },
          }),
        (e: unknown) => out.error(e),
      );
    });
  }
}
