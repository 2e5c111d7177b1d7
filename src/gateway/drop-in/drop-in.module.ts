import { Module } from '@nestjs/common';
import { ContractsModule } from '../../contracts/contracts.module';
import { DropInAuthService } from './drop-in-auth.service';
import { NonceCleanupScheduler } from './nonce-cleanup.scheduler';
import { NonceStore } from './nonce-store';
import { NonceRepository } from './nonce.repository';

/** Gateway authentication by a client's own X credentials; the global guard uses DropInAuthService. */
@Module({
  imports: [ContractsModule],
  providers: [NonceRepository, NonceStore, NonceCleanupScheduler, DropInAuthService],
  exports: [DropInAuthService, NonceStore],
})
export class DropInModule {}
