import { Controller, HttpCode, Post, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { BodyLimit, GATEWAY_BODY_LIMIT } from '../common/body-limit';
import { Roles } from '../auth/roles.decorator';
import { LedgerInterceptor } from '../ledger/ledger.interceptor';
import { AcceptsDropIn } from './drop-in/drop-in.decorator';
import { GatewayCallGuard, GatewayRequest } from './gateway-call.guard';
import { UpstreamAnswer } from './gateway.types';
import { XClient } from './x-client';

@ApiTags('gateway')
@ApiSecurity('apiKey')
@Controller('insights/engagement')
export class GatewayController {
  constructor(private readonly x: XClient) {}

  @Post(':endpoint')
  @BodyLimit(GATEWAY_BODY_LIMIT)
  @HttpCode(200)
  @Roles('client', 'admin')
  @AcceptsDropIn()
  @UseGuards(GatewayCallGuard)
  @UseInterceptors(LedgerInterceptor)
  @ApiOperation({ summary: "X's Engagement API, signed, validated and metered. Same paths and bodies as X; X's status, body and x-per-minute-* headers come back." })
  @ApiParam({ name: 'endpoint', enum: ['totals', '28hr', 'historical'] })
  @ApiHeader({ name: 'X-Handle', required: false, description: '@name, name or numeric user ID: the call is made in that handle\'s user context. Absent: app-only (bearer), /totals public metrics only.' })
  @ApiHeader({
    name: 'Authorization',
    required: false,
    description:
      "Drop-in, instead of X-API-Key: the client's own X credentials. `OAuth ...` signed (HMAC-SHA1) with a registered app's consumer key and a registered handle's access token, " +
      "for this URL (PUBLIC_BASE_URL behind a proxy): the call is that handle's. `Bearer <app's bearer token>`: app-only.",
  })
  @ApiHeader({ name: 'X-App-Id', required: false, description: 'Required with an admin key: the app to call for.' })
  @ApiBody({ schema: { type: 'object', example: { tweet_ids: ['1260294888811347969'], engagement_types: ['favorites', 'impressions'], groupings: { perTweetMetricsOwned: { group_by: ['tweet.id', 'engagement.type'] } } } } })
  // @Res(): the ledger interceptor writes X's answer once what must be recorded of it is (writeAnswer).
  forward(@Req() req: GatewayRequest, @Res() _res: FastifyReply): Promise<UpstreamAnswer> {
    return this.x.send(req.gatewayCall!);
  }
}
