import { applyDecorators, Controller, HttpCode, Post, Req, Res, Type, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthenticatedRequest } from '../auth/principal';
import { BodyLimit, GATEWAY_BODY_LIMIT } from '../common/body-limit';
import { ApiErrors } from '../common/openapi';
import { Roles } from '../auth/roles.decorator';
import type { RawBodyRequest } from '../common/body-parsers';
import { LedgerInterceptor } from './ledger.interceptor';
import { AcceptsDropIn } from './drop-in/drop-in.decorator';
import { HistoricalRequestDto, TotalsRequestDto, TwentyEightHourRequestDto } from './dto/engagement-request.dto';
import { EngagementEndpoint } from './engagement-request';
import { GatewayService } from './gateway.service';
import { GatewayCall } from './gateway.types';

/** What the gateway leaves on the request: who called (the global guard), and for the access log the call's id. */
export type GatewayRequest = RawBodyRequest & AuthenticatedRequest & { callId?: string };

/**
 * What every gateway path shares: X's path under /insights/engagement, the body limit, the
 * roles and drop-in credentials, the guard that turns the request into a GatewayCall, the
 * ledger's write-ahead around the call, and its OpenAPI description. One path per X endpoint,
 * so each is its own operation with its own request schema in /docs.
 */
function EngagementRoute(endpoint: EngagementEndpoint, operationId: string, body: Type<unknown>, summary: string) {
  return applyDecorators(
    Post(endpoint),
    BodyLimit(GATEWAY_BODY_LIMIT),
    HttpCode(200),
    Roles('client', 'admin'),
    AcceptsDropIn(),
    UseInterceptors(LedgerInterceptor),
    ApiOperation({
      operationId,
      summary: `${summary} Signed, validated against X's limits and metered; X's status, body and x-per-minute-* headers come back.`,
    }),
    ApiHeader({
      name: 'X-Handle',
      required: false,
      description:
        "@name, name or numeric user ID: the call is made in that handle's user context. Absent: app-only (bearer), /totals public metrics only.",
    }),
    ApiHeader({
      name: 'Authorization',
      required: false,
      description:
        "Drop-in, instead of X-API-Key: the client's own X credentials. `OAuth ...` signed (HMAC-SHA1) with a registered app's consumer key and a registered handle's access token, " +
        "for this URL (PUBLIC_BASE_URL behind a proxy): the call is that handle's. `Bearer <app's bearer token>`: app-only.",
    }),
    ApiHeader({ name: 'X-App-Id', required: false, description: 'Required with an admin key: the app to call for.' }),
    ApiBody({ type: body }),
    ApiOkResponse({
      description:
        "X's answer, passed through: each grouping's name is a root key (plus X's own keys such as `errors` and `unavailable_tweet_ids`). X's own errors (400, 401, 403, 429, 5xx) also come back as X sent them.",
      schema: {
        type: 'object',
        additionalProperties: true,
        example: { perTweet: { '1864000000000000000': { impressions: '47', favorites: '2' } } },
      },
      headers: {
        'x-per-minute-limit': { description: "X's per-minute allowance.", schema: { type: 'integer' } },
        'x-per-minute-remaining': { description: 'Calls left this minute.', schema: { type: 'integer' } },
        'X-Handlemeter-Handle-New': {
          description: "User context: `true` when this was the handle's first call of the period.",
          schema: { type: 'string', enum: ['true', 'false'] },
        },
        'X-Handlemeter-Unique-Handles': {
          description: "User context: the period's unique handles after this call.",
          schema: { type: 'integer' },
        },
        'X-Handlemeter-Allowance-Remaining': {
          description: 'User context: the allowance minus the count, never below 0.',
          schema: { type: 'integer' },
        },
      },
    }),
    ApiErrors(
      [
        400,
        'VALIDATION_FAILED, TOO_MANY_TWEET_IDS, TWEET_TOO_OLD (/totals), INVALID_DATE_RANGE (/historical) or USER_CONTEXT_REQUIRED: refused before X; nothing sent, nothing counted.',
      ],
      [
        401,
        "UNAUTHENTICATED: no valid API key, or drop-in credentials that do not verify (with X's own `errors` text).",
      ],
      [
        403,
        'FORBIDDEN (a key of another app), or HANDLE_ALLOWANCE_EXHAUSTED (enforcement `block`, a handle new to a period whose allowance is used up).',
      ],
      [404, 'HANDLE_NOT_REGISTERED: X-Handle names no handle of the app; NOT_FOUND: no such app.'],
      [405, 'METHOD_NOT_ALLOWED: the gateway takes POST only (Allow: POST).'],
      413,
      [415, 'UNSUPPORTED_MEDIA_TYPE: the body is not application/json.'],
      502,
      [
        503,
        'LEDGER_UNAVAILABLE: the call cannot be recorded, so it was not sent; CREDENTIALS_UNREADABLE: the stored credentials do not open with CREDENTIALS_KEY.',
      ],
      504,
    ),
  );
}

@ApiTags('gateway')
@ApiSecurity('apiKey')
@Controller('insights/engagement')
export class GatewayController {
  constructor(private readonly gateway: GatewayService) {}

  /*
   * Each handler prepares the call: the rest of its way (write ahead, send, record, answer) is
   * read in one place, LedgerInterceptor (ledger.interceptor.ts), which also writes X's
   * answer (@Res).
   */
  @EngagementRoute(
    'totals',
    'engagementTotals',
    TotalsRequestDto,
    "Lifetime totals of up to 250 Tweets, as X's POST /insights/engagement/totals.",
  )
  totals(@Req() req: GatewayRequest, @Res() _reply: FastifyReply): Promise<GatewayCall> {
    return this.gateway.prepare(req, req.principal!);
  }

  @EngagementRoute(
    '28hr',
    'engagement28hr',
    TwentyEightHourRequestDto,
    "The last 28 hours of up to 25 Tweets, as X's POST /insights/engagement/28hr.",
  )
  twentyEightHours(@Req() req: GatewayRequest, @Res() _reply: FastifyReply): Promise<GatewayCall> {
    return this.gateway.prepare(req, req.principal!);
  }

  @EngagementRoute(
    'historical',
    'engagementHistorical',
    HistoricalRequestDto,
    "Up to 28 days of history of up to 25 Tweets, as X's POST /insights/engagement/historical.",
  )
  historical(@Req() req: GatewayRequest, @Res() _reply: FastifyReply): Promise<GatewayCall> {
    return this.gateway.prepare(req, req.principal!);
  }
}
