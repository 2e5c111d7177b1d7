import { Module } from '@nestjs/common';
import { ContractsModule } from '../contracts/contracts.module';
import { DashboardModule } from '../dashboard/dashboard.module';
import { ConnectDashboardController } from './connect-dashboard.controller';
import { ConnectController, OAuthCallbackController } from './connect.controller';
import { ConnectService } from './connect.service';
import { ConnectionsRepository } from './connections.repository';
import { XOAuthClient } from './x-oauth.client';

/** Connecting handles through X's own sign-in, so no one handles their tokens. */
@Module({
  imports: [ContractsModule, DashboardModule],
  controllers: [ConnectController, OAuthCallbackController, ConnectDashboardController],
  providers: [ConnectService, ConnectionsRepository, XOAuthClient],
})
export class ConnectModule {}
