import { LoggerService } from '@nestjs/common';
import { LOG_LEVELS, LogFormat, LogLevel } from '../config/app-config';
import { requestContext } from './request-context';

/** Nest's method names to ours ("log" is info). */
const NEST_LEVEL: Record<string, LogLevel> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'verbose',
};
/** Nest's start-up chatter (a line per module and per route): detail, not news. */
const QUIET_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

export interface AppLoggerOptions {
  format: LogFormat;
  level: LogLevel;
  /** Where lines go; stdout unless a test captures them. */
  write?: (line: string) => void;
}

/**
 * The service's one log sink: a JSON object a line (`time`, `level`, `context`, `msg`, the
 * `requestId` of the request being served, and any structured fields), or the same as text for
 * people. Nest's `Logger` instances all end up here (main.ts hands it to NestFactory).
 */
export class AppLogger implements LoggerService {
  private readonly max: number;
  private readonly write: (line: string) => void;

  constructor(private readonly options: AppLoggerOptions) {
    this.max = LOG_LEVELS.indexOf(options.level);
    this.write = options.write ?? stdoutLines();
  }

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
  private record(method: string, message: unknown, params: unknown[]): void {
    const context =
      params.length && typeof params[params.length - 1] === 'string'
        ? (params[params.length - 1] as string)
        : undefined;
    let level = NEST_LEVEL[method];
    if (level === 'info' && context && QUIET_CONTEXTS.has(context)) level = 'debug';
    if (LOG_LEVELS.indexOf(level) > this.max) return;
    const stack =
      method === 'error' || method === 'fatal'
        ? params.find((p, i) => i < params.length - 1 && typeof p === 'string')
        : undefined;
    const line: Record<string, unknown> = { time: new Date().toISOString(), level, context, msg: undefined };
    const requestId = requestContext.getStore()?.requestId;
    if (requestId) line.requestId = requestId;
    if (message instanceof Error) {
      line.msg = message.message;
      line.stack = message.stack;
    } else if (typeof message === 'object' && message !== null) {
      // Structured records (the access log): their fields sit beside msg.
      Object.assign(line, message);
    } else line.msg = String(message);
    if (stack) line.stack = stack;
    this.write(this.options.format === 'json' ? JSON.stringify(line) + '\n' : pretty(line));
  }
}

function pretty(line: Record<string, unknown>): string {
  const { time, level, context, msg, stack, ...fields } = line;
  const extra = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  return `${text(time)} ${text(level).toUpperCase().padEnd(5)} [${text(context ?? '-')}] ${text(msg)}${extra.length ? `  ${extra.join(' ')}` : ''}\n${stack ? `${text(stack)}\n` : ''}`;
}

/**
 * Lines written to stdout once per turn of the event loop, not one write(2) each: the access
 * log writes a line per gateway call. Whatever is pending when the process exits (a fatal
 * error, the end of a shutdown) is written on the way out (stdout to a file or a pipe is
 * synchronous in Node on Linux).
 */
function stdoutLines(): (line: string) => void {
  let pending: string[] = [];
  const flush = (): void => {
    if (!pending.length) return;
    const text = pending.join('');
    pending = [];
    process.stdout.write(text);
  };
  process.on('exit', flush);
  return (line) => {
    if (pending.push(line) === 1) setImmediate(flush);
  };
}
