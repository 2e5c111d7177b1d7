import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { GatewayRequest } from '../gateway/gateway-call.guard';
import { UpstreamAnswer } from '../gateway/gateway.types';
import { UpstreamError } from '../gateway/upstream.errors';
import { LedgerService } from './ledger.service';

/**
 * The write-ahead rule around the gateway's handler: the call's record is committed before the
 * handler may send it to X; its outcome is recorded when X answers (or fails to). Written as
 * one plain Observable rather than an operator chain: it wraps every gateway call.
 */
@Injectable()
export class LedgerInterceptor implements NestInterceptor {
  constructor(private readonly ledger: LedgerService) {}

  intercept(ctx: ExecutionContext, next: CallHandler<UpstreamAnswer>): Observable<UpstreamAnswer> {
    const call = ctx.switchToHttp().getRequest<GatewayRequest>().gatewayCall!.pending;
    return new Observable<UpstreamAnswer>((out) => {
      this.ledger.begin(call).then(
        () =>
          next.handle().subscribe({
            next: (a) => {
              this.ledger.complete({ call, outcome: 'answered', status: a.status, latencyMs: a.latencyMs, rateLimit: a.rateLimit, answeredAt: a.answeredAt });
              out.next(a);
            },
            error: (e: unknown) => {
              if (e instanceof UpstreamError) {
                this.ledger.complete({ call, outcome: e.outcome, status: null, latencyMs: e.latencyMs, rateLimit: { limit: null, remaining: null }, answeredAt: new Date() });
              }
              out.error(e);
            },
            complete: () => out.complete(),
          }),
        (e: unknown) => out.error(e),
      );
    });
  }
}
