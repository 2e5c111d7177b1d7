import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { from, mergeMap, Observable, tap } from 'rxjs';
import type { GatewayRequest } from '../gateway/gateway-call.interceptor';
import { UpstreamAnswer } from '../gateway/gateway.types';
import { UpstreamError } from '../gateway/upstream.errors';
import { LedgerService } from './ledger.service';

/**
 * The write-ahead rule around the gateway's handler: the call's record is committed before the
 * handler may send it to X; its outcome is recorded when X answers (or fails to).
 */
@Injectable()
export class LedgerInterceptor implements NestInterceptor {
  constructor(private readonly ledger: LedgerService) {}

  intercept(ctx: ExecutionContext, next: CallHandler<UpstreamAnswer>): Observable<UpstreamAnswer> {
    const call = ctx.switchToHttp().getRequest<GatewayRequest>().gatewayCall!.pending;
    return from(this.ledger.begin(call)).pipe(
      mergeMap(() => next.handle()),
      tap({
        next: (a) => this.ledger.complete({ call, outcome: 'answered', status: a.status, latencyMs: a.latencyMs, rateLimit: a.rateLimit, answeredAt: a.answeredAt }),
        error: (e) => {
          if (e instanceof UpstreamError) {
            this.ledger.complete({ call, outcome: e.outcome, status: null, latencyMs: e.latencyMs, rateLimit: { limit: null, remaining: null }, answeredAt: new Date() });
          }
        },
      }),
    );
  }
}
