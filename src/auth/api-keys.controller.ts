import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { UuidParam } from '../common/uuid-param';
import { ApiKeysService } from './api-keys.service';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { CurrentPrincipal, Principal } from './principal';
import { ApiKeyDto, CreatedApiKeyDto } from './dto/api-key.response';
import { ApiErrors } from '../common/openapi';

@ApiTags('admin')
@ApiSecurity('apiKey')
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({
    operationId: 'createApiKey',
    summary: 'Create an API key. The key is in this answer only; it is stored as a hash.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiErrors(400, 404)
  create(@Body() dto: CreateApiKeyDto, @CurrentPrincipal() p: Principal) {
    return this.keys.create(dto, p.keyId);
  }

  @Get()
  @ApiOperation({
    operationId: 'listApiKeys',
    summary: 'Every API key (never the key itself: a hint of its last 4 characters).',
  })
  @ApiOkResponse({ type: [ApiKeyDto] })
  @ApiErrors()
  list() {
    return this.keys.list();
  }

  @Post(':id/restore')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'restoreApiKey',
    summary: 'Restore the revoked ADMIN_API_KEY key (the only key that can be restored); audited.',
  })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiErrors(404, [409, 'CONFLICT: only the bootstrap ADMIN_API_KEY key can be restored.'])
  restore(@UuidParam('id', 'API key') id: string, @CurrentPrincipal() p: Principal) {
    return this.keys.restore(id, p.keyId);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'revokeApiKey', summary: 'Revoke a key, at once.' })
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiErrors(404)
  revoke(@UuidParam('id', 'API key') id: string, @CurrentPrincipal() p: Principal) {
    return this.keys.revoke(id, p.keyId);
  }
}
