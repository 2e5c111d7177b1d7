import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode } from './error-codes';
import { DomainError } from './errors';
import { isDatabaseUnavailable, isStatementCancelled } from './pg-errors';

/** Nest's and Fastify's own HTTP errors (unknown route, unparsable JSON, body too large) in the contract's codes. */
const HTTP_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** The gateway's paths take POST only: any other method there is a 405 naming it, not an unknown route. */
const GATEWAY_PATH = /^\/insights\/engagement\/(totals|28hr|historical)\/?$/;

type ErrorBody = { statusCode: number; code: ErrorCode; message: string; details: Record<string, unknown> };

/** The one place errors become HTTP answers: `{ statusCode, code, message, details }`. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const req = http.getRequest<FastifyRequest>();
    const body = this.toBody(error, req);
    if (reply.sent || reply.raw.headersSent) return;
    if (body.statusCode === 405) reply.header('Allow', 'POST');
    if (error instanceof DomainError)
      for (const [name, value] of Object.entries(error.headers())) reply.header(name, value);
    void reply.status(body.statusCode).send(body);
  }

  private toBody(error: unknown, req: FastifyRequest): ErrorBody {
    const path = req.url.split('?', 1)[0];
    if (error instanceof DomainError) {
      return {
        statusCode: error.statusCode,
        code: error.code,
        message: error.message,
        details: error.details,
        ...error.extra(),
      };
    }
    if (error instanceof HttpException) {
      const statusCode = error.getStatus();
      if (statusCode === 404 && req.method !== 'POST' && GATEWAY_PATH.test(path)) {
        return {
          statusCode: 405,
          code: 'METHOD_NOT_ALLOWED',
          message: `${path} takes POST only, as X's Engagement API does.`,
          details: { allow: ['POST'] },
        };
      }
      if (statusCode < 500) {
        const message = statusCode === 404 ? `No route ${req.method} ${path}.` : this.httpMessage(error);
        return { statusCode, code: HTTP_CODES[statusCode] ?? 'BAD_REQUEST', message, details: {} };
      }
    }
    const unavailable = isDatabaseUnavailable(error);
    if (unavailable || isStatementCancelled(error)) {
      this.logger.warn(
        `${req.method} ${path}: ${unavailable ? 'database unavailable' : 'statement cancelled'}: ${(error as Error).message}`,
      );
      // On the gateway either means the call cannot be recorded, so it was not sent: the contract's LEDGER_UNAVAILABLE.
      if (path.startsWith('/insights/'))
        return {
          statusCode: 503,
          code: 'LEDGER_UNAVAILABLE',
          message: 'The usage ledger cannot be written right now, so the call was not sent to X. Retry shortly.',
          details: {},
        };
      return unavailable
        ? {
            statusCode: 503,
            code: 'DATABASE_UNAVAILABLE',
            message: 'The database cannot be reached right now. Retry shortly.',
            details: {},
          }
        : {
            statusCode: 503,
            code: 'DATABASE_TIMEOUT',
            message:
              'The database stopped this request: it ran longer than its time limit (busy, or too large a read). Retry shortly.',
            details: {},
          };
    }
    this.logger.error(`${req.method} ${path} failed: ${(error as Error)?.stack ?? String(error)}`);
    return {
      statusCode: 500,
      code: 'INTERNAL_ERROR',
      message: 'Something went wrong on our side; the request id identifies it in the logs.',
      details: {},
    };
  }

  private httpMessage(error: HttpException): string {
    if (error.getStatus() === 413)
      return "The request body is larger than this route's limit (64 KiB on the gateway, 20 MiB on the usage import, 1 MiB elsewhere).";
    const r = error.getResponse();
    const m = typeof r === 'object' && r !== null && 'message' in r ? r.message : error.message;
    const text = Array.isArray(m) ? m.join('; ') : String(m);
    // Parser errors quote parts of the body; say what to fix instead.
    return /JSON|Unexpected token/i.test(text) ? 'The request body is not valid JSON.' : text;
  }
}
