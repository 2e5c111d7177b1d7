import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../common/errors';
import { isDatabaseUnavailable, isStatementCancelled } from '../common/pg-errors';
import { SignInRefusedError, SignInRequiredError } from './dashboard.errors';
import { securityHeaders } from './security-headers';
import { DashboardSession } from './sessions.service';
import { errorPage, signInPage } from './views/layout';

/**
 * The dashboard's errors as pages for people, with the status the API would give: no session is
 * the sign-in form (401), a refused key the form with the reason, anything else an error page.
 */
@Catch()
export class DashboardErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Dashboard');

  catch(error: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<FastifyRequest & { dashboardSession?: DashboardSession }>();
    const res = host.switchToHttp().getResponse<FastifyReply>();
    if (res.sent || res.raw.headersSent) return;
    const [status, body] = this.render(error, req);
    securityHeaders(res);
    if (error instanceof DomainError)
      for (const [name, value] of Object.entries(error.headers())) res.header(name, value);
    void res.status(status).type('text/html; charset=utf-8').send(body);
  }

  private render(error: unknown, req: FastifyRequest & { dashboardSession?: DashboardSession }): [number, string] {
    if (error instanceof SignInRequiredError)
      return [401, signInPage({ next: req.method === 'GET' ? req.url : undefined })];
    if (error instanceof SignInRefusedError) return [error.statusCode, signInPage({ error: error.message })];
    const session = req.dashboardSession ?? null;
    if (error instanceof DomainError && error.statusCode < 500)
      return [error.statusCode, errorPage(error.statusCode, error.message, session)];
    if (error instanceof HttpException && error.getStatus() < 500)
      return [error.getStatus(), errorPage(error.getStatus(), error.message, session)];
    if (isDatabaseUnavailable(error))
      return [503, errorPage(503, 'The database cannot be reached right now. Try again shortly.', session)];
    if (isStatementCancelled(error))
      return [
        503,
        errorPage(503, 'The database took too long over this page and stopped. Try again shortly.', session),
      ];
    this.logger.error(`${req.method} ${req.url.split('?', 1)[0]} failed: ${(error as Error)?.stack ?? String(error)}`);
    return [
      500,
      errorPage(
        500,
        'Something went wrong on our side; the request id in the X-Request-Id header identifies it in the logs.',
        session,
      ),
    ];
  }
}
