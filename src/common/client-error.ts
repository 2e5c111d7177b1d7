import type { Socket } from 'node:net';
import { ErrorCode } from './error-codes';

/** What Node's parser reports, in the contract's codes (its own answer is a bare 400 with no body). */
const PARSE_ERRORS: Record<string, [number, string, ErrorCode, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'HEADERS_TOO_LARGE',
    'The request headers are too large.',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'REQUEST_TIMEOUT', 'The request did not arrive in time.'],
};

/**
 * Fastify's `clientErrorHandler`: a request Node cannot parse (garbage bytes, a malformed header)
 * never reaches Nest or its error filter, so it is answered here with the contract's error body
 * too, then the connection closes.
 */
export function answerUnparsableRequest(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] = PARSE_ERRORS[err.code ?? ''] ?? [
    400,
    'Bad Request',
    'VALIDATION_FAILED',
    'The request is not valid HTTP.',
  ];
  const body = JSON.stringify({ statusCode: status, code, message, details: {} });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
