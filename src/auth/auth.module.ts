import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ContractsModule } from '../contracts/contracts.module';
import { DropInModule } from '../gateway/drop-in/drop-in.module';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { AuthFailureLimiter } from './auth-failure-limiter';

@Module({
  imports: [TypeOrmModule.forFeature([ApiKeyEntity]), ContractsModule, DropInModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysRepository, ApiKeysService, AuthFailureLimiter, { provide: APP_GUARD, useClass: ApiKeyGuard }],
  exports: [ApiKeysService, AuthFailureLimiter],
})
export class AuthModule {}
