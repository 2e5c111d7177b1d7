import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { Roles } from '../auth/roles.decorator';
import { UuidParam } from '../common/uuid-param';
import { AppsService } from './apps.service';
import { ContractsService } from './contracts.service';
import { CreateAppDto, UpdateAppDto } from './dto/app.dto';
import { CreateContractDto, UpdateContractDto } from './dto/contract.dto';
import { CreateHandleDto } from './dto/handle.dto';


@ApiTags('admin')
@ApiSecurity('apiKey')
@Controller()
export class ContractsController {
  constructor(private readonly contracts: ContractsService, private readonly apps: AppsService) {}

  @Post('contracts')
  @ApiOperation({ summary: 'Create a contract: allowance, overage price, time zone, billing day, policies.' })
  create(@Body() dto: CreateContractDto, @CurrentPrincipal() p: Principal) {
    return this.contracts.create(dto, p.keyId);
  }

  @Get('contracts')
  @Roles('admin', 'finance')
  list() {
    return this.contracts.list();
  }

  @Get('contracts/:id')
  @Roles('admin', 'finance')
  get(@UuidParam('id', 'Contract') id: string) {
    return this.contracts.get(id);
  }

  @Patch('contracts/:id')
  @ApiOperation({ summary: 'Change a contract; applies to the open period, never to closed statements.' })
  update(@UuidParam('id', 'Contract') id: string, @Body() dto: UpdateContractDto, @CurrentPrincipal() p: Principal) {
    return this.contracts.update(id, dto, p.keyId);
  }

  @Post('contracts/:id/apps')
  @ApiOperation({ summary: "Register an X app (consumer key and secret, optional bearer token) under a contract." })
  createApp(@UuidParam('id', 'Contract') id: string, @Body() dto: CreateAppDto, @CurrentPrincipal() p: Principal) {
    return this.apps.createApp(id, dto, p.keyId);
  }

  @Get('contracts/:id/apps')
  @Roles('admin', 'finance')
  @ApiOperation({ summary: "The contract's apps (name, consumer key, whether it has a bearer token), never a secret; ?includeDeleted=true adds deleted ones." })
  @ApiQuery({ name: 'includeDeleted', required: false, enum: ['true', 'false'] })
  listApps(@UuidParam('id', 'Contract') id: string, @Query('includeDeleted') includeDeleted?: string) {
    return this.apps.listApps(id, includeDeleted === 'true');
  }

  @Get('apps/:appId')
  getApp(@UuidParam('appId', 'App') appId: string) {
    return this.apps.getAppView(appId);
  }

  @Patch('apps/:appId')
  @ApiOperation({ summary: 'Rename an app or rotate its consumer secret or bearer token (bearerToken: null removes it); takes effect at once.' })
  updateApp(@UuidParam('appId', 'App') appId: string, @Body() dto: UpdateAppDto, @CurrentPrincipal() p: Principal) {
    return this.apps.updateApp(appId, dto, p.keyId);
  }

  @Delete('apps/:appId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an app: secrets and its handles\' tokens destroyed, its client keys revoked, history kept, consumer key free again.' })
  async deleteApp(@UuidParam('appId', 'App') appId: string, @CurrentPrincipal() p: Principal): Promise<void> {
    await this.apps.deleteApp(appId, p.keyId);
  }

  @Post('apps/:appId/handles')
  @ApiOperation({ summary: "Register a handle's access token and secret for an app; keyed by X user ID." })
  addHandle(@UuidParam('appId', 'App') appId: string, @Body() dto: CreateHandleDto, @CurrentPrincipal() p: Principal) {
    return this.apps.addHandle(appId, dto, p.keyId);
  }

  @Get('apps/:appId/handles')
  listHandles(@UuidParam('appId', 'App') appId: string) {
    return this.apps.listHandles(appId);
  }

  @Delete('apps/:appId/handles/:handleId')
  @HttpCode(204)
  @ApiOperation({ summary: "Remove a handle: its tokens are destroyed; its usage history stays." })
  deleteHandle(@UuidParam('appId', 'App') appId: string, @UuidParam('handleId', 'Handle') handleId: string, @CurrentPrincipal() p: Principal) {
    return this.apps.deleteHandle(appId, handleId, p.keyId);
  }
}
