import { CallHandler, ExecutionContext, Injectable, NestInterceptor, StreamableFile } from '@nestjs/common';
import type { Request, Response } from 'express';
import { from, map, mergeMap, Observable } from 'rxjs';
import { AuthenticatedRequest } from '../auth/principal';
import { GatewayService } from './gateway.service';
import { GatewayCall, UpstreamAnswer } from './gateway.types';

export type GatewayRequest = Request & AuthenticatedRequest & { gatewayCall?: GatewayCall; rawBody?: Buffer };

/**
 * Outermost on the gateway: turns the request into a GatewayCall on the way in (auth context,
 * handle, validation: refusals here are not calls) and writes X's answer back on the way out.
 */
@Injectable()
export class GatewayCallInterceptor implements NestInterceptor {
  constructor(private readonly gateway: GatewayService) {}

  intercept(ctx: ExecutionContext, next: CallHandler<UpstreamAnswer>): Observable<StreamableFile> {
    const req = ctx.switchToHttp().getRequest<GatewayRequest>();
    const res = ctx.switchToHttp().getResponse<Response>();
    return from(this.gateway.prepare(req, req.principal!)).pipe(
      mergeMap((call) => {
        req.gatewayCall = call;
        return next.handle();
      }),
      map((answer) => {
        res.status(answer.status);
        if (answer.contentType) res.setHeader('Content-Type', answer.contentType);
        if (answer.rateLimit.limitHeader !== undefined) res.setHeader('x-per-minute-limit', answer.rateLimit.limitHeader);
        if (answer.rateLimit.remainingHeader !== undefined) res.setHeader('x-per-minute-remaining', answer.rateLimit.remainingHeader);
        // X's bytes as they came (a plain Buffer would be re-serialised as JSON by Nest).
        return new StreamableFile(answer.body, { length: answer.body.length });
      }),
    );
  }
}
