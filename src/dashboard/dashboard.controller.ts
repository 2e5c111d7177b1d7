import { Body, CallHandler, Controller, ExecutionContext, Get, Header, Inject, Injectable, NestInterceptor, Param, Post, Redirect, Req, Res, StreamableFile, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { Public } from '../auth/roles.decorator';
import { UuidParam } from '../common/uuid-param';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DashboardErrorFilter } from './dashboard.filter';
import { DashboardService } from './dashboard.service';
import { SignInDto } from './dto/sign-in.dto';
import { securityHeaders } from './security-headers';
import { checkSameOrigin, clearSessionCookie, CurrentSession, DashboardSessionGuard, sessionToken, setSessionCookie } from './session';
import { DashboardSession, SessionsService } from './sessions.service';
import { contractPage } from './views/contract.view';
import { contractsPage } from './views/contracts.view';
import { signInPage } from './views/layout';
import { DASHBOARD_CSS } from './views/styles';

/** Every dashboard answer, page or file, carries the CSP and no-store headers. */
@Injectable()
class SecurityHeadersInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler) {
    securityHeaders(ctx.switchToHttp().getResponse<FastifyReply>());
    return next.handle();
  }
}

/**
 * The page for people. Public to the API-key guard (a browser cannot send X-API-Key); the
 * pages behind the sign-in use DashboardSessionGuard and its cookie instead.
 */
@ApiExcludeController()
@Public()
@UseFilters(DashboardErrorFilter)
@UseInterceptors(SecurityHeadersInterceptor)
@Controller('dashboard')
export class DashboardController {
  constructor(
    private readonly dashboard: DashboardService,
    private readonly sessions: SessionsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  async home(@Req() req: FastifyRequest): Promise<string> {
    const session = await this.sessions.find(sessionToken(req));
    return session ? contractsPage(await this.dashboard.contractList(), session) : signInPage();
  }

  @Post('login')
  @Redirect('/dashboard', 303)
  async signIn(@Req() req: FastifyRequest, @Res({ passthrough: true }) res: FastifyReply, @Body() form: SignInDto) {
    checkSameOrigin(req, this.config);
    const { token, maxAgeSeconds } = await this.sessions.signIn(form.key);
    setSessionCookie(req, res, this.config, token, maxAgeSeconds);
    return { url: dashboardPath(form.next) };
  }

  @Post('logout')
  @Redirect('/dashboard', 303)
  async signOut(@Req() req: FastifyRequest, @Res({ passthrough: true }) res: FastifyReply): Promise<void> {
    checkSameOrigin(req, this.config);
    await this.sessions.signOut(sessionToken(req));
    clearSessionCookie(req, res, this.config);
  }

  @Get('contracts/:id')
  @UseGuards(DashboardSessionGuard)
  @Header('Content-Type', 'text/html; charset=utf-8')
  async contract(@UuidParam('id', 'Contract') id: string, @CurrentSession() session: DashboardSession): Promise<string> {
    return contractPage(await this.dashboard.contractPage(id), session);
  }

  @Get('contracts/:id/periods/:period/handles.csv')
  @UseGuards(DashboardSessionGuard)
  async handlesCsv(@UuidParam('id', 'Contract') id: string, @Param('period') period: string): Promise<StreamableFile> {
    const csv = await this.dashboard.rosterCsv(id, period);
    return new StreamableFile(Readable.from(csv.lines), { type: 'text/csv; charset=utf-8', disposition: `attachment; filename="${csv.filename}"` });
  }

  @Get('assets/dashboard.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  stylesheet(): string {
    return DASHBOARD_CSS;
  }
}

/** Only a path inside the dashboard: the sign-in form must not be usable as an open redirect. */
function dashboardPath(next: string | undefined): string {
  return next && /^\/dashboard(\/[A-Za-z0-9._~\-/]*)?$/.test(next) && !next.includes('//') ? next : '/dashboard';
}
