import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DashboardPage } from '../dashboard/dashboard-page.decorator';
import { CurrentSession } from '../dashboard/session';
import type { DashboardSession } from '../dashboard/sessions.service';
import { ConnectService } from './connect.service';
import { connectionsPage } from './connections.page';

@ApiExcludeController()
@Controller('dashboard/connections')
export class ConnectDashboardController {
  constructor(private readonly connect: ConnectService) {}

  @Get()
  @DashboardPage()
  async page(@CurrentSession() session: DashboardSession): Promise<string> {
    return connectionsPage(await this.connect.pending(), session);
  }
}
