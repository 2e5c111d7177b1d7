import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { OutboxModule } from '../outbox/outbox.module';
import { AppEntity } from './app.entity';
import { AppsRepository } from './apps.repository';
import { AppsService } from './apps.service';
import { ContractCache } from './contract-cache';
import { ContractTermsRepository } from './contract-terms.repository';
import { ContractEntity } from './contract.entity';
import { ContractsController } from './contracts.controller';
import { ContractsRepository } from './contracts.repository';
import { ContractsService } from './contracts.service';
import { CredentialsCache } from './credentials-cache';
import { HandleEntity } from './handle.entity';
import { HandlesRepository } from './handles.repository';
import { WebhookUrlUpgrade } from './webhook-url-upgrade';

@Module({
  imports: [TypeOrmModule.forFeature([ContractEntity, AppEntity, HandleEntity]), AuthModule, OutboxModule],
  controllers: [ContractsController],
  providers: [
    ContractTermsRepository,
    ContractsRepository,
    AppsRepository,
    HandlesRepository,
    ContractsService,
    AppsService,
    ContractCache,
    CredentialsCache,
    WebhookUrlUpgrade,
  ],
  exports: [ContractsService, AppsService, ContractCache, CredentialsCache],
})
export class ContractsModule {}
