import {
  Body,
  CallHandler,
  Controller,
  ExecutionContext,
  Get,
  Header,
  Inject,
  Injectable,
  NestInterceptor,
  Param,
  Post,
  Query,
  Redirect,
  Req,
  Res,
  StreamableFile,
  UseFilters,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { AuthFailureLimiter } from '../auth/auth-failure-limiter';
import { Public } from '../auth/roles.decorator';
import { UuidParam } from '../common/uuid-param';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SignInRefusedError } from './dashboard.errors';
import { DashboardErrorFilter } from './dashboard.filter';
import { DashboardService } from './dashboard.service';
import { ReconcileFormDto } from './dto/reconcile-form.dto';
import { SignInDto } from './dto/sign-in.dto';
import { DashboardForbiddenError } from './dashboard.errors';
import { auditPage } from './views/audit.view';
import { reconciliationPage } from './views/reconciliation.view';
import { securityHeaders } from './security-headers';
import {
  checkSameOrigin,
  clearSessionCookie,
  CurrentSession,
  DashboardSessionGuard,
  sessionToken,
  setSessionCookie,
} from './session';
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
    private readonly limiter: AuthFailureLimiter,
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
    // A key that does not sign in counts against the address, as a bad X-API-Key does.
    const { token, maxAgeSeconds } = await this.limiter.attempt(
      req,
      () => this.sessions.signIn(form.key),
      (e) => e instanceof SignInRefusedError && e.statusCode === 401 && !!form.key?.trim(),
    );
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
  async contract(
    @UuidParam('id', 'Contract') id: string,
    @CurrentSession() session: DashboardSession,
  ): Promise<string> {
    return contractPage(await this.dashboard.contractPage(id), session);
  }

  @Get('contracts/:id/periods/:period/handles.csv')
  @UseGuards(DashboardSessionGuard)
  async handlesCsv(@UuidParam('id', 'Contract') id: string, @Param('period') period: string): Promise<StreamableFile> {
    const csv = await this.dashboard.rosterCsv(id, period);
    return new StreamableFile(Readable.from(csv.lines), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="${csv.filename}"`,
    });
  }

  @Get('contracts/:id/reconciliations')
  @UseGuards(DashboardSessionGuard)
  @Header('Content-Type', 'text/html; charset=utf-8')
  async reconciliations(
    @UuidParam('id', 'Contract') id: string,
    @CurrentSession() session: DashboardSession,
  ): Promise<string> {
    return reconciliationPage(await this.dashboard.reconciliationPage(id), session);
  }

  @Post('contracts/:id/reconciliations')
  @UseGuards(DashboardSessionGuard)
  @Redirect('/dashboard', 303)
  async reconcile(
    @Req() req: FastifyRequest,
    @UuidParam('id', 'Contract') id: string,
    @Body() form: ReconcileFormDto,
    @CurrentSession() session: DashboardSession,
  ) {
    checkSameOrigin(req, this.config);
    await this.dashboard.reconcile(id, form, session.keyId);
    return { url: `/dashboard/contracts/${id}/reconciliations` };
  }

  @Get('contracts/:id/reconciliations/:reconciliationId/handles.csv')
  @UseGuards(DashboardSessionGuard)
  async reconciliationCsv(
    @UuidParam('id', 'Contract') id: string,
    @UuidParam('reconciliationId', 'Reconciliation') rid: string,
  ): Promise<StreamableFile> {
    const csv = await this.dashboard.reconciliationCsv(id, rid);
    return new StreamableFile(Buffer.from(csv.body, 'utf8'), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="${csv.filename}"`,
    });
  }

  /** Admins only, as GET /audit-log is. */
  @Get('audit')
  @UseGuards(DashboardSessionGuard)
  @Header('Content-Type', 'text/html; charset=utf-8')
  async audit(@CurrentSession() session: DashboardSession, @Query('cursor') cursor?: string): Promise<string> {
    if (session.role !== 'admin')
      throw new DashboardForbiddenError('The audit log is for admin keys; sign in with one to see it.');
    return auditPage(await this.dashboard.auditPage(cursor), session);
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
