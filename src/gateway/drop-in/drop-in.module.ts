import { Module } from '@nestjs/common';
import { ContractsModule } from '../../contracts/contracts.module';
import { DropInAuthService } from './drop-in-auth.service';
import { NonceCleanupScheduler } from './nonce-cleanup.scheduler';
import { NonceStore } from './nonce-store';
import { NonceRepository } from './nonce.repository';

/** Gateway authentication by a client's own X credentials: DropInGuard, which @AcceptsDropIn puts on a route. */
@Module({
  imports: [ContractsModule],
  providers: [NonceRepository, NonceStore, NonceCleanupScheduler, DropInAuthService],
  // Nest builds DropInGuard in the module of the controller it guards, from DropInAuthService and AuthFailureLimiter.
  exports: [DropInAuthService, NonceStore],
})
export class DropInModule {}
