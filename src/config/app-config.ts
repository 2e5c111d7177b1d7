import { getConfigToken } from '@nestjs/config';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  Matches,
  MinLength,
  ValidateBy,
  ValidateIf,
  ValidationArguments,
  validateSync,
} from 'class-validator';
import * as path from 'node:path';

/** The service's configuration, read once from the environment and validated at start. */
export interface AppConfig {
  nodeEnv: string;
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  engagementApiBaseUrl: string;
  upstreamTimeoutMs: number;
  publicBaseUrl: string | undefined;
  /** X's OAuth 1.0a origin, for connecting handles through X's sign-in (src/connect). */
  xOauthBaseUrl: string;
  adminApiKey: string | undefined;
  /** 32 raw bytes; undefined means "generate one into DATA_DIR" (development only). */
  credentialsKey: Buffer | undefined;
  /** Earlier CREDENTIALS_KEYs, only to open secrets sealed before a rotation (`npm run credentials:rotate`). */
  previousCredentialsKeys: Buffer[];
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Run the schedulers (close, alerts, outbox) on this instance. Tests switch them off to drive jobs by hand. */
  schedulersEnabled: boolean;
  /** First retry delay of a failed alert or report delivery; doubles each attempt, capped at an hour. */
  outboxRetryBaseMs: number;
  /** How long a claimed delivery is its instance's before another may take it as abandoned (a crash mid-send); renewed while sending. */
  outboxLeaseMs: number;
  /** `json`: one JSON object a line (production); `pretty`: for people at a terminal. */
  logFormat: LogFormat;
  /** The least severe level written. */
  logLevel: LogLevel;
  /** On SIGTERM, how long in-flight calls get to finish before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** Months of raw call log kept; older months whose periods are all closed are dropped (statements and handle sets stay). */
  callLogRetentionMonths: number;
  /** A monthly report's gzipped handle CSV is attached up to this size; above it the email links to a signed download instead. */
  reportAttachMaxBytes: number;
  /** How long a report's signed download link stays valid. */
  reportLinkTtlDays: number;
  /** WEBHOOK_ALLOW_PRIVATE: webhooks may go to loopback/private addresses (development, the demo). */
  webhookAllowPrivate: boolean;
  /** AUTH_FAILURE_LIMIT: failed authentications per client address per minute; 0 = no limit. */
  authFailureLimit: number;
  /** TRUST_PROXY_HOPS: how many proxies in front of the service append to X-Forwarded-For; 0 = ignore it. */
  trustProxyHops: number;
}

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
/** Most severe first. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Where @nestjs/config provides the AppConfig (config.module.ts registers it as its `app`
 * namespace): `@Inject(APP_CONFIG) config: AppConfig`, or `ConfigService.get('app')`.
 */
export const APP_CONFIG_NAMESPACE = 'app';
export const APP_CONFIG = getConfigToken(APP_CONFIG_NAMESPACE);

/** What any API key may look like (generated ones are `hm_` + 43 base64url characters): anything else is refused unread. */
export const API_KEY_FORMAT = /^[\x21-\x7e]{1,256}$/;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Never print a password that sits in a URL. */
export function redactUrl(u: string): string {
  return u.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}

// The schema's vocabulary: each check's message names the variable, what it takes and what it got.

function WholeNumber(min: number, max: number): PropertyDecorator {
  return ValidateBy({
    name: 'wholeNumber',
    validator: {
      validate: (v: string) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max,
      defaultMessage: (a?: ValidationArguments) =>
        `${a?.property} must be a whole number from ${min} to ${max} (got "${a?.value}")`,
    },
  });
}

function UrlWith(...protocols: string[]): PropertyDecorator {
  return ValidateBy({
    name: 'urlWith',
    validator: {
      validate: (v: string) => URL.canParse(v) && protocols.includes(new URL(v).protocol),
      defaultMessage: (a?: ValidationArguments) =>
        `${a?.property} must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')} (got "${redactUrl(String(a?.value))}")`,
    },
  });
}

function OneOf(allowed: readonly string[], said = `one of ${allowed.join(', ')}`): PropertyDecorator {
  return IsIn(allowed, { message: (a) => `${a.property} must be ${said} (got "${a.value}")` });
}

const Lowercase = () => Transform(({ value }: { value?: string }) => value?.toLowerCase());

/** An AES-256 key as base64, or undefined if it is not one. */
function aesKey(text: string): Buffer | undefined {
  const raw = Buffer.from(text, 'base64');
  return raw.length === 32 && /^[A-Za-z0-9+/]+=*$/.test(text) ? raw : undefined;
}

const keyList = (text: string | undefined): string[] =>
  (text ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);

/** Which keys of a comma-separated list (counted from 1) are no AES key. */
const badKeys = (text: string): number[] => keyList(text).flatMap((k, i) => (aesKey(k) ? [] : [i + 1]));

/**
 * Every variable the service reads, as the environment gives it (trimmed; empty is unset), and
 * what each may hold. Unset is always allowed here except CREDENTIALS_KEY in production; the
 * defaults are in toAppConfig. Problems are listed in this order.
 */
class Environment {
  NODE_ENV?: string;
  @WholeNumber(0, 65535) PORT?: string;
  @UrlWith('postgres:', 'postgresql:') DATABASE_URL?: string;
  DATA_DIR?: string;
  @UrlWith('http:', 'https:') ENGAGEMENT_API_BASE_URL?: string;
  @WholeNumber(1, 600_000) UPSTREAM_TIMEOUT_MS?: string;
  @UrlWith('http:', 'https:') PUBLIC_BASE_URL?: string;
  @UrlWith('http:', 'https:') X_OAUTH_BASE_URL?: string;

  // Never echo it; its length says enough. (The check written last runs first.)
  @Matches(API_KEY_FORMAT, { message: 'ADMIN_API_KEY must be at most 256 printable characters without spaces' })
  @MinLength(32, {
    message: (a) =>
      `ADMIN_API_KEY must be at least 32 characters, since anyone who guesses it is an admin (it has ${String(a.value).length}; try: openssl rand -base64 32)`,
  })
  ADMIN_API_KEY?: string;

  // Never echo a key that fails the check: a near-miss is still most of a secret.
  @ValidateIf((e: Environment) => e.CREDENTIALS_KEY !== undefined || e.NODE_ENV === 'production')
  @IsDefined({ message: 'CREDENTIALS_KEY is required when NODE_ENV=production (32 bytes, base64)' })
  @ValidateBy(
    { name: 'aesKey', validator: { validate: (v: string) => aesKey(v) !== undefined } },
    { message: 'CREDENTIALS_KEY must be 32 bytes encoded as base64 (try: openssl rand -base64 32)' },
  )
  CREDENTIALS_KEY?: string;

  @ValidateBy({
    name: 'aesKeys',
    validator: {
      validate: (v: string) => badKeys(v).length === 0,
      defaultMessage: (a?: ValidationArguments) => {
        const bad = badKeys(String(a?.value));
        const which = bad.length === 1 ? `key ${bad[0]}` : `keys ${bad.slice(0, -1).join(', ')} and ${bad.at(-1)}`;
        return `CREDENTIALS_KEY_PREVIOUS: ${which} must be 32 bytes encoded as base64 (the list is comma-separated)`;
      },
    },
  })
  CREDENTIALS_KEY_PREVIOUS?: string;

  @UrlWith('smtp:', 'smtps:') SMTP_URL?: string;
  MAIL_FROM?: string;
  /** `off`; anything else is on. */
  SCHEDULERS?: string;
  @WholeNumber(10, 3_600_000) OUTBOX_RETRY_BASE_MS?: string;
  @WholeNumber(1000, 3_600_000) OUTBOX_LEASE_MS?: string;
  @WholeNumber(1, 1200) CALL_LOG_RETENTION_MONTHS?: string;
  @WholeNumber(0, 3_000_000) REPORT_ATTACH_MAX_BYTES?: string;
  @WholeNumber(1, 365) REPORT_LINK_TTL_DAYS?: string;
  @Lowercase() @OneOf(LOG_FORMATS) LOG_FORMAT?: string;
  @Lowercase() @OneOf(LOG_LEVELS) LOG_LEVEL?: string;
  @WholeNumber(1000, 3_600_000) SHUTDOWN_TIMEOUT_MS?: string;
  @Lowercase() @OneOf(['true', 'false'], 'true or false') WEBHOOK_ALLOW_PRIVATE?: string;
  @WholeNumber(0, 1_000_000) AUTH_FAILURE_LIMIT?: string;
  @WholeNumber(0, 10) TRUST_PROXY_HOPS?: string;
}

/**
 * Checks every variable against the schema (class-validator), then throws once naming all the
 * bad ones, or gives the typed configuration with its defaults. main.ts, the credentials tool,
 * the demo and the tests start from this; config.module.ts hands the result to @nestjs/config.
 */
export function loadConfig(raw: Record<string, string | undefined> = process.env): AppConfig {
  const given = Object.entries(raw)
    .map(([name, value]) => [name, value?.trim()] as const)
    .filter(([, value]) => value);
  const env = plainToInstance(Environment, Object.fromEntries(given));
  const problems = validateSync(env, { skipMissingProperties: true }).flatMap((e) =>
    Object.values(e.constraints ?? {}),
  );
  if (problems.length) throw new ConfigError(problems);
  return toAppConfig(env);
}

function toAppConfig(env: Environment): AppConfig {
  const whole = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number(v));
  const url = (v: string | undefined) => v?.replace(/\/+$/, '');
  const nodeEnv = env.NODE_ENV ?? 'development';
  const upstreamTimeoutMs = whole(env.UPSTREAM_TIMEOUT_MS, 30_000);
  return {
    nodeEnv,
    port: whole(env.PORT, 3000),
    databaseUrl: url(env.DATABASE_URL),
    dataDir: path.resolve(env.DATA_DIR ?? './.data'),
    engagementApiBaseUrl: url(env.ENGAGEMENT_API_BASE_URL) ?? 'https://data-api.x.com',
    upstreamTimeoutMs,
    publicBaseUrl: url(env.PUBLIC_BASE_URL),
    xOauthBaseUrl: url(env.X_OAUTH_BASE_URL) ?? 'https://api.x.com',
    adminApiKey: env.ADMIN_API_KEY,
    credentialsKey: env.CREDENTIALS_KEY === undefined ? undefined : aesKey(env.CREDENTIALS_KEY),
    previousCredentialsKeys: keyList(env.CREDENTIALS_KEY_PREVIOUS).map((k) => aesKey(k)!),
    smtpUrl: url(env.SMTP_URL),
    mailFrom: env.MAIL_FROM ?? 'handlemeter@localhost',
    schedulersEnabled: env.SCHEDULERS !== 'off',
    outboxRetryBaseMs: whole(env.OUTBOX_RETRY_BASE_MS, 15_000),
    outboxLeaseMs: whole(env.OUTBOX_LEASE_MS, 120_000),
    callLogRetentionMonths: whole(env.CALL_LOG_RETENTION_MONTHS, 24),
    // 3 MB of attachment is about 4 MB once base64-encoded: with the text and HTML, under the 5 MB many relays take.
    reportAttachMaxBytes: whole(env.REPORT_ATTACH_MAX_BYTES, 3_000_000),
    reportLinkTtlDays: whole(env.REPORT_LINK_TTL_DAYS, 30),
    logFormat: (env.LOG_FORMAT as LogFormat | undefined) ?? (nodeEnv === 'production' ? 'json' : 'pretty'),
    logLevel: (env.LOG_LEVEL as LogLevel | undefined) ?? 'info',
    // A call in flight can wait UPSTREAM_TIMEOUT_MS for X, then its outcome write retries for
    // about 6 s (LedgerService): the default leaves room for both.
    shutdownTimeoutMs: whole(env.SHUTDOWN_TIMEOUT_MS, upstreamTimeoutMs + 10_000),
    webhookAllowPrivate: env.WEBHOOK_ALLOW_PRIVATE === 'true',
    authFailureLimit: whole(env.AUTH_FAILURE_LIMIT, 30),
    trustProxyHops: whole(env.TRUST_PROXY_HOPS, 0),
  };
}
