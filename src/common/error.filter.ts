import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError } from './errors';
import { isDatabaseUnavailable } from './pg-errors';

/** Nest's own HTTP exceptions (unknown route, unparsable JSON, body too large) in the contract's codes. */
const HTTP_CODES: Record<number, string> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** The one place errors become HTTP answers: `{ statusCode, code, message, details }`. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    const req = http.getRequest<Request>();
    const body = this.toBody(error, req);
    if (res.headersSent) return;
    if (error instanceof DomainError) for (const [name, value] of Object.entries(error.headers())) res.header(name, value);
    res.status(body.statusCode).json(body);
  }

  private toBody(error: unknown, req: Request) {
    if (error instanceof DomainError) {
      return { statusCode: error.statusCode, code: error.code, message: error.message, details: error.details, ...error.extra() };
    }
    if (error instanceof HttpException) {
      const statusCode = error.getStatus();
      if (statusCode < 500) {
        const message = statusCode === 404 ? `No route ${req.method} ${req.path}.` : this.httpMessage(error);
        return { statusCode, code: HTTP_CODES[statusCode] ?? 'BAD_REQUEST', message, details: {} };
      }
    }
    if (isDatabaseUnavailable(error)) {
      this.logger.warn(`${req.method} ${req.path}: database unavailable: ${(error as Error).message}`);
      // On the gateway the outage means the call cannot be recorded, so it was not sent: the contract's LEDGER_UNAVAILABLE.
      return req.path.startsWith('/insights/')
        ? { statusCode: 503, code: 'LEDGER_UNAVAILABLE', message: 'The usage ledger cannot be written right now, so the call was not sent to X. Retry shortly.', details: {} }
        : { statusCode: 503, code: 'DATABASE_UNAVAILABLE', message: 'The database cannot be reached right now. Retry shortly.', details: {} };
    }
    this.logger.error(`${req.method} ${req.path} failed: ${(error as Error)?.stack ?? String(error)}`);
    return { statusCode: 500, code: 'INTERNAL_ERROR', message: 'Something went wrong on our side; the request id identifies it in the logs.', details: {} };
  }

  private httpMessage(error: HttpException): string {
    const r = error.getResponse();
    const m = typeof r === 'object' && r !== null && 'message' in r ? (r as { message: unknown }).message : error.message;
    const text = Array.isArray(m) ? m.join('; ') : String(m);
    // body-parser's JSON errors quote parts of the body; say what to fix instead.
    return /JSON|Unexpected token/i.test(text) ? 'The request body is not valid JSON.' : text;
  }
}
