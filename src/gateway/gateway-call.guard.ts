import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { AuthenticatedRequest } from '../auth/principal';
import type { RawBodyRequest } from '../common/body-parsers';
import { GatewayService } from './gateway.service';
import { GatewayCall } from './gateway.types';

export type GatewayRequest = RawBodyRequest & AuthenticatedRequest & { gatewayCall?: GatewayCall; callId?: string };

/**
 * Runs after the API-key guard and before the ledger: turns the request into a GatewayCall
 * (the app, the handle, a body within X's limits) or refuses it. A refusal here is not a call:
 * nothing is logged, counted or sent. A guard rather than an interceptor because it only admits
 * or refuses, and a guard costs no observable chain on every call.
 */
@Injectable()
export class GatewayCallGuard implements CanActivate {
  constructor(private readonly gateway: GatewayService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<GatewayRequest>();
    req.gatewayCall = await this.gateway.prepare(req, req.principal!);
    req.callId = req.gatewayCall.pending.id;
    return true;
  }
}
