import { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger as Pino } from 'pino';
import { LogFormat, LogLevel } from '../config/app-config';
import { requestContext } from './request-context';

/** Nest's method names to pino's levels; our `verbose` is pino's `trace`, printed as `verbose`. */
const PINO_METHOD = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
} as const;
type NestMethod = keyof typeof PINO_METHOD;
const PINO_LEVEL: Record<LogLevel, pino.Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  info: 'info',
  debug: 'debug',
  verbose: 'trace',
};
/** access-log.ts's Logger context. */
export const ACCESS_LOG_CONTEXT = 'Http';
/** Nest's start-up chatter (a line per module and per route): detail, not news. */
const QUIET_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/**
 * Fields that would hold a secret if a record ever carried one (a request's headers, a credential
 * DTO, an error's config): pino replaces their values before the line is written. No record
 * written today puts one there (test/logs.test.ts scans every line for every secret); this is the
 * net under a future mistake.
 */
const REDACT = [
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  '*.headers.cookie',
  'consumerSecret',
  'accessToken',
  'accessTokenSecret',
  'bearerToken',
  'webhookUrl',
  'key',
  '*.consumerSecret',
  '*.accessToken',
  '*.accessTokenSecret',
  '*.bearerToken',
  '*.webhookUrl',
];

export interface AppLoggerOptions {
  format: LogFormat;
  level: LogLevel;
  /** Where lines go; stdout unless a test captures them. */
  write?: (line: string) => void;
}

/**
 * The service's one log sink, on pino (Fastify's own logger): a JSON object a line (`time`,
 * `level`, `context`, `msg`, the `requestId` of the request being served, and any structured
 * fields), or the same as text for people. Nest's `Logger` instances all end up here (main.ts
 * hands it to NestFactory).
 */
export class AppLogger implements LoggerService {
  readonly pino: Pino;

  constructor(options: AppLoggerOptions) {
    const destination: DestinationStream = { write: options.write ?? batchedStdout(options.format) };
    this.pino = pino(
      {
        level: PINO_LEVEL[options.level],
        base: null,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label === 'trace' ? 'verbose' : label }) },
        mixin: () => {
          const requestId = requestContext.getStore()?.requestId;
          return requestId ? { requestId } : {};
        },
        redact: { paths: REDACT, censor: '[redacted]' },
      },
      destination,
    );
    this.accessLog = this.pino.child({}, { redact: [] });
  }

  /**
   * The access log's records skip redaction: access-log.ts builds each from named values (method,
   * path, status, ids), never from headers or a body. pino's wildcard paths run a path parser over
   * every field of every record, which on the gateway's one line per call was ~2.5 % of its busy
   * time (docs/benchmarks.md); test/logs.test.ts still scans every line for every secret.
   */
  private readonly accessLog: Pino;

  log(message: unknown, ...params: unknown[]): void {
    this.record('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.record('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.record('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.record('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.record('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.record('fatal', message, params);
  }

  /** Nest calls: (message, context) or, for errors, (message, stack, context). */
  private record(method: NestMethod, message: unknown, params: unknown[]): void {
    const context =
      params.length && typeof params[params.length - 1] === 'string'
        ? (params[params.length - 1] as string)
        : undefined;
    let level: pino.Level = PINO_METHOD[method];
    if (level === 'info' && context && QUIET_CONTEXTS.has(context)) level = 'debug';
    if (!this.pino.isLevelEnabled(level)) return;
    const stack =
      method === 'error' || method === 'fatal'
        ? params.find((p, i) => i < params.length - 1 && typeof p === 'string')
        : undefined;
    const fields: Record<string, unknown> = { context };
    if (message instanceof Error) {
      fields.msg = message.message;
      fields.stack = message.stack;
    } else if (typeof message === 'object' && message !== null) {
      // Structured records (the access log): their fields sit beside msg.
      Object.assign(fields, message);
    } else fields.msg = String(message);
    if (stack) fields.stack = stack;
    (context === ACCESS_LOG_CONTEXT ? this.accessLog : this.pino)[level](fields);
  }
}

/**
 * Lines written to stdout once per turn of the event loop, not one write(2) each: the access log
 * writes a line per gateway call. (pino's own asynchronous destination measured slower here: a
 * thread-pool write per batch.) Whatever is pending when the process exits (a fatal error, the
 * end of a shutdown) is written on the way out: stdout to a file or a pipe is synchronous in Node
 * on Linux. The text format prints each JSON line for people.
 */
function batchedStdout(format: LogFormat): (line: string) => void {
  let pending: string[] = [];
  const flush = (): void => {
    if (!pending.length) return;
    const text = pending.join('');
    pending = [];
    process.stdout.write(text);
  };
  process.on('exit', flush);
  return (line) => {
    const out = format === 'json' ? line : pretty(JSON.parse(line) as Record<string, unknown>);
    if (pending.push(out) === 1) setImmediate(flush);
  };
}

function pretty(line: Record<string, unknown>): string {
  const { time, level, context, msg, stack, ...fields } = line;
  const extra = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  return `${text(time)} ${text(level).toUpperCase().padEnd(5)} [${text(context ?? '-')}] ${text(msg)}${extra.length ? `  ${extra.join(' ')}` : ''}\n${stack ? `${text(stack)}\n` : ''}`;
}
