import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { logWhenDone } from '../logging/access-log';
import { requestContext } from '../logging/request-context';

const SANE_ID = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * Every answer carries X-Request-Id (the caller's, when it sent a sane one) so logs and reports
 * can be matched: every log line written while serving the request carries it too, and one
 * access-log line sums the request up.
 */
export function requestId(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.header('x-request-id');
  const id = incoming && SANE_ID.test(incoming) ? incoming : randomUUID();
  (req as Request & { id: string }).id = id;
  res.setHeader('X-Request-Id', id);
  logWhenDone(req, res);
  requestContext.run({ requestId: id }, next);
}
