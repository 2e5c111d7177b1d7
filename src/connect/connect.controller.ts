import { Body, Controller, Get, Header, Headers, Post, Query, UseFilters } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi';
import { HandleDto } from '../contracts/dto/contract.response';
import { ConnectLinkDto, PendingConnectionDto } from './dto/connect.response';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { Public } from '../auth/roles.decorator';
import { UuidParam } from '../common/uuid-param';
import { CONTENT_SECURITY_POLICY } from '../dashboard/security-headers';
import { CallbackErrorFilter } from './callback-error.filter';
import { connectedPage, declinedPage } from './callback.page';
import { ConnectService } from './connect.service';
import { ConnectPinDto, OAuthCallbackQuery, StartConnectDto } from './dto/connect.dto';

@ApiTags('admin')
@ApiSecurity('apiKey')
@Controller('apps/:appId/handles/connect')
export class ConnectController {
  constructor(private readonly connect: ConnectService) {}

  @Post()
  @ApiCreatedResponse({ type: ConnectLinkDto })
  @ApiErrors(400, 404, [
    502,
    "UPSTREAM_UNREACHABLE: X refused or could not be reached for a request token; X's reason in details.",
  ])
  @ApiOperation({
    operationId: 'connectHandle',
    summary:
      'A link for a handle\'s owner to approve the app on X; the handle is registered when X calls back (or, with callback "oob", when its PIN is sent).',
  })
  start(
    @UuidParam('appId', 'App') appId: string,
    @Body() dto: StartConnectDto,
    @CurrentPrincipal() p: Principal,
    @Headers('host') host: string | undefined,
  ) {
    return this.connect.start(appId, dto.callback === 'oob', p.keyId, host);
  }

  @Get()
  @ApiOkResponse({ type: [PendingConnectionDto] })
  @ApiErrors(404)
  @ApiOperation({
    operationId: 'listPendingConnections',
    summary: 'The links of this app not used yet and not expired.',
  })
  pending(@UuidParam('appId', 'App') appId: string) {
    return this.connect.pending(appId);
  }

  @Post(':connectId/pin')
  @ApiCreatedResponse({ type: HandleDto })
  @ApiErrors(
    400,
    [404, 'NOT_FOUND: an unknown, expired or used link.'],
    [502, "UPSTREAM_UNREACHABLE: X refused the exchange; X's reason in details."],
  )
  @ApiOperation({
    operationId: 'connectHandleWithPin',
    summary: 'The PIN X showed the owner (callback "oob"): exchanges it for the access token and registers the handle.',
  })
  pin(
    @UuidParam('appId', 'App') appId: string,
    @UuidParam('connectId', 'Connection') connectId: string,
    @Body() dto: ConnectPinDto,
  ) {
    return this.connect.pin(appId, connectId, dto.pin);
  }
}

/** Where X sends the owner's browser back. No key: the single-use request token is the credential. */
@ApiTags('admin')
@Public()
@Controller('oauth')
export class OAuthCallbackController {
  constructor(private readonly connect: ConnectService) {}

  @Get('callback')
  @UseFilters(CallbackErrorFilter)
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/html')
  @ApiOperation({
    summary:
      "X's redirect after the owner approved: registers the handle with its new tokens and answers a page naming it and the app.",
  })
  async callback(@Query() q: OAuthCallbackQuery): Promise<string> {
    const r = await this.connect.callback(q);
    return r.denied ? declinedPage(r.app) : connectedPage(r.handle, r.app);
  }
}
