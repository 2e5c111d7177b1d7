import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { UuidParam } from '../common/uuid-param';
import { ApiKeysService } from './api-keys.service';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { CurrentPrincipal, Principal } from './principal';

@ApiTags('admin')
@ApiSecurity('apiKey')
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key. The key is in this answer only; it is stored as a hash.' })
  create(@Body() dto: CreateApiKeyDto, @CurrentPrincipal() p: Principal) {
    return this.keys.create(dto, p.keyId);
  }

  @Get()
  list() {
    return this.keys.list();
  }

  @Post(':id/restore')
  @HttpCode(200)
  @ApiOperation({ summary: 'Restore the revoked ADMIN_API_KEY key (the only key that can be restored); audited.' })
  restore(@UuidParam('id', 'API key') id: string, @CurrentPrincipal() p: Principal) {
    return this.keys.restore(id, p.keyId);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a key, at once.' })
  revoke(@UuidParam('id', 'API key') id: string, @CurrentPrincipal() p: Principal) {
    return this.keys.revoke(id, p.keyId);
  }
}
