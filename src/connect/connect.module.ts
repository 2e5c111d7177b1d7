import { Module } from '@nestjs/common';
import { ContractsModule } from '../contracts/contracts.module';
import { ConnectController, OAuthCallbackController } from './connect.controller';
import { ConnectService } from './connect.service';
import { ConnectionsRepository } from './connections.repository';
import { XOAuthClient } from './x-oauth.client';

/** Connecting handles through X's own sign-in, so no one handles their tokens. */
@Module({
  imports: [ContractsModule],
  controllers: [ConnectController, OAuthCallbackController],
  providers: [ConnectService, ConnectionsRepository, XOAuthClient],
  exports: [ConnectService],
})
export class ConnectModule {}
