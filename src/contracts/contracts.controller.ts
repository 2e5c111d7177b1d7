import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { Roles } from '../auth/roles.decorator';
import { UuidParam } from '../common/uuid-param';
import { AppsService } from './apps.service';
import { ContractsService } from './contracts.service';
import { CreateAppDto, UpdateAppDto } from './dto/app.dto';
import { CreateContractDto, UpdateContractDto } from './dto/contract.dto';
import { CreateHandleDto } from './dto/handle.dto';
import { AppDto, ContractDto, HandleDto } from './dto/contract.response';
import { ApiErrors } from '../common/openapi';

@ApiTags('admin')
@ApiSecurity('apiKey')
@Controller()
export class ContractsController {
  constructor(
    private readonly contracts: ContractsService,
    private readonly apps: AppsService,
  ) {}

  @Post('contracts')
  @ApiOperation({
    operationId: 'createContract',
    summary: 'Create a contract: allowance, overage price, time zone, billing day, policies.',
  })
  @ApiCreatedResponse({ type: ContractDto })
  @ApiErrors(400)
  create(@Body() dto: CreateContractDto, @CurrentPrincipal() p: Principal) {
    return this.contracts.create(dto, p.keyId);
  }

  @Get('contracts')
  @Roles('admin', 'finance')
  @ApiOperation({ operationId: 'listContracts', summary: 'Every contract.' })
  @ApiOkResponse({ type: [ContractDto] })
  @ApiErrors()
  list() {
    return this.contracts.list();
  }

  @Get('contracts/:id')
  @Roles('admin', 'finance')
  @ApiOperation({ operationId: 'getContract', summary: 'One contract.' })
  @ApiOkResponse({ type: ContractDto })
  @ApiErrors(404)
  get(@UuidParam('id', 'Contract') id: string) {
    return this.contracts.get(id);
  }

  @Patch('contracts/:id')
  @ApiOperation({
    operationId: 'updateContract',
    summary: 'Change a contract; applies to the open period, never to closed statements.',
  })
  @ApiOkResponse({ type: ContractDto })
  @ApiErrors(400, 404, [409, 'CONFLICT: timezone or billingDay of a contract that already has usage.'])
  update(@UuidParam('id', 'Contract') id: string, @Body() dto: UpdateContractDto, @CurrentPrincipal() p: Principal) {
    return this.contracts.update(id, dto, p.keyId);
  }

  @Post('contracts/:id/apps')
  @ApiOperation({
    operationId: 'createApp',
    summary: 'Register an X app (consumer key and secret, optional bearer token) under a contract.',
  })
  @ApiCreatedResponse({ type: AppDto })
  @ApiErrors(400, 404, [409, 'CONFLICT: this consumer key is already registered.'])
  createApp(@UuidParam('id', 'Contract') id: string, @Body() dto: CreateAppDto, @CurrentPrincipal() p: Principal) {
    return this.apps.createApp(id, dto, p.keyId);
  }

  @Get('contracts/:id/apps')
  @Roles('admin', 'finance')
  @ApiOperation({
    operationId: 'listApps',
    summary:
      "The contract's apps (name, consumer key, whether it has a bearer token), never a secret; ?includeDeleted=true adds deleted ones.",
  })
  @ApiQuery({ name: 'includeDeleted', required: false, enum: ['true', 'false'] })
  @ApiOkResponse({ type: [AppDto] })
  @ApiErrors(404)
  listApps(@UuidParam('id', 'Contract') id: string, @Query('includeDeleted') includeDeleted?: string) {
    return this.apps.listApps(id, includeDeleted === 'true');
  }

  @Get('apps/:appId')
  @ApiOperation({ operationId: 'getApp', summary: 'One X app (never its secrets).' })
  @ApiOkResponse({ type: AppDto })
  @ApiErrors(404)
  getApp(@UuidParam('appId', 'App') appId: string) {
    return this.apps.getAppView(appId);
  }

  @Patch('apps/:appId')
  @ApiOperation({
    operationId: 'updateApp',
    summary:
      'Rename an app or rotate its consumer secret or bearer token (bearerToken: null removes it); takes effect at once.',
  })
  @ApiOkResponse({ type: AppDto })
  @ApiErrors(400, 404)
  updateApp(@UuidParam('appId', 'App') appId: string, @Body() dto: UpdateAppDto, @CurrentPrincipal() p: Principal) {
    return this.apps.updateApp(appId, dto, p.keyId);
  }

  @Delete('apps/:appId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors(404)
  @ApiOperation({
    operationId: 'deleteApp',
    summary:
      "Delete an app: secrets and its handles' tokens destroyed, its client keys revoked, history kept, consumer key free again.",
  })
  async deleteApp(@UuidParam('appId', 'App') appId: string, @CurrentPrincipal() p: Principal): Promise<void> {
    await this.apps.deleteApp(appId, p.keyId);
  }

  @Post('apps/:appId/handles')
  @ApiOperation({
    operationId: 'addHandle',
    summary: "Register a handle's access token and secret for an app; keyed by X user ID.",
  })
  @ApiCreatedResponse({ type: HandleDto })
  @ApiErrors(400, 404, [409, 'CONFLICT: this handle is already registered on the app.'])
  addHandle(@UuidParam('appId', 'App') appId: string, @Body() dto: CreateHandleDto, @CurrentPrincipal() p: Principal) {
    return this.apps.addHandle(appId, dto, p.keyId);
  }

  @Get('apps/:appId/handles')
  @ApiOperation({ operationId: 'listHandles', summary: "The app's handles (never their tokens)." })
  @ApiOkResponse({ type: [HandleDto] })
  @ApiErrors(404)
  listHandles(@UuidParam('appId', 'App') appId: string) {
    return this.apps.listHandles(appId);
  }

  @Delete('apps/:appId/handles/:handleId')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'deleteHandle',
    summary: 'Remove a handle: its tokens are destroyed; its usage history stays.',
  })
  @ApiNoContentResponse({ description: 'Removed; its tokens are destroyed.' })
  @ApiErrors(404)
  deleteHandle(
    @UuidParam('appId', 'App') appId: string,
    @UuidParam('handleId', 'Handle') handleId: string,
    @CurrentPrincipal() p: Principal,
  ) {
    return this.apps.deleteHandle(appId, handleId, p.keyId);
  }
}
