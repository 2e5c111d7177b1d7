import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DomainError } from '../common/errors';
import { CONTENT_SECURITY_POLICY } from '../dashboard/security-headers';
import { callbackErrorPage } from './callback.page';

/**
 * The callback is opened by a person's browser: a refusal (unknown, expired or reused link; X
 * refusing the exchange) is a page for them. Any other client gets the contract's JSON body.
 * Other errors fall through to the global filter.
 */
@Catch(DomainError)
export class CallbackErrorFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: DomainError, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const accept = http.getRequest<{ headers: { accept?: string } }>().headers.accept ?? '';
    const res = http.getResponse<unknown>();
    const adapter = this.adapterHost.httpAdapter;
    if (!accept.includes('text/html')) {
      adapter.reply(
        res,
        { statusCode: error.statusCode, code: error.code, message: error.message, details: error.details },
        error.statusCode,
      );
      return;
    }
    adapter.setHeader(res, 'Content-Type', 'text/html; charset=utf-8');
    adapter.setHeader(res, 'Content-Security-Policy', CONTENT_SECURITY_POLICY);
    adapter.setHeader(res, 'Cache-Control', 'no-store');
    adapter.reply(res, callbackErrorPage(error.statusCode, error.message), error.statusCode);
  }
}
