import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse as parseQuery } from 'node:querystring';

/** What the API reads bodies as: JSON, the dashboard's forms, the usage import's CSV. */
export type RawBodyRequest = FastifyRequest & { rawBody?: Buffer };

function badJson(message = 'The request body is not valid JSON.'): Error {
  // Nest maps a SyntaxError with status 400 (what body-parser threw) to a 400, through the error filter.
  return Object.assign(new SyntaxError(message), { status: 400 });
}

/**
 * The body parsers, replacing Fastify's defaults. Every one reads at most the route's body
 * limit (Fastify stops reading and answers 413 past it).
 * - JSON as Express's body-parser read it, which clients and tests rely on: an object or array
 *   only, an empty body is `{}`, and a `"__proto__"` key is an ordinary own key (the validators
 *   report it by name) rather than Fastify's refusal.
 * - Forms keep their raw bytes: a drop-in OAuth 1.0a signature covers the form's parameters.
 * - Any other type is read (within the limit) and dropped: the route decides whether it takes
 *   no body or answers 415, after the key is checked, as it did on Express.
 */
export function installBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = (body as string).trimStart();
    if (text === '') return done(null, {});
    if (text[0] !== '{' && text[0] !== '[')
      return done(badJson('The request body is not valid JSON: send an object or an array.'), undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(badJson(), undefined);
    }
  });
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (req, body, done) => {
    (req as RawBodyRequest).rawBody = body as Buffer;
    done(null, { ...parseQuery((body as Buffer).toString('utf8')) });
  });
  fastify.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, undefined));
}

/** The media type of a request's Content-Type, lower case, without parameters (`undefined` when none was sent). */
export function mediaType(req: FastifyRequest): string | undefined {
  const type = req.headers['content-type'];
  if (type === undefined) return undefined;
  const semi = type.indexOf(';');
  return (semi < 0 ? type : type.slice(0, semi)).trim().toLowerCase();
}
