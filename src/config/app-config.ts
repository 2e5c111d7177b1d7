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

export const APP_CONFIG = Symbol('APP_CONFIG');

/** What any API key may look like (generated ones are `hm_` + 43 base64url characters): anything else is refused unread. */
export const API_KEY_FORMAT = /^[\x21-\x7e]{1,256}$/;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Record<string, string | undefined>;

/** Reads and validates every variable, then throws once naming all the bad ones. */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const int = (name: string, def: number, min: number, max: number): number => {
    const v = str(name);
    if (v === undefined) return def;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${v}")`);
      return def;
    }
    return n;
  };
  const url = (name: string, protocols: string[]): string | undefined => {
    const v = str(name);
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol)) throw new Error();
      return v.replace(/\/+$/, '');
    } catch {
      problems.push(
        `${name} must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')} (got "${redactUrl(v)}")`,
      );
      return undefined;
    }
  };

  const oneOf = <T extends string>(name: string, allowed: readonly T[], def: T): T => {
    const v = str(name)?.toLowerCase();
    if (v === undefined) return def;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    problems.push(`${name} must be one of ${allowed.join(', ')} (got "${v}")`);
    return def;
  };
  const bool = (name: string): boolean => {
    const v = str(name)?.toLowerCase();
    if (v === undefined || v === 'false') return false;
    if (v === 'true') return true;
    problems.push(`${name} must be true or false (got "${v}")`);
    return false;
  };
  // Never echo a key that fails the check: a near-miss is still most of a secret.
  const aesKey = (text: string): Buffer | undefined => {
    const raw = Buffer.from(text, 'base64');
    return raw.length === 32 && /^[A-Za-z0-9+/]+=*$/.test(text) ? raw : undefined;
  };

  const nodeEnv = str('NODE_ENV') ?? 'development';
  const keyText = str('CREDENTIALS_KEY');
  let credentialsKey: Buffer | undefined;
  if (keyText !== undefined) {
    credentialsKey = aesKey(keyText);
    if (!credentialsKey)
      problems.push('CREDENTIALS_KEY must be 32 bytes encoded as base64 (try: openssl rand -base64 32)');
  } else if (nodeEnv === 'production') {
    problems.push('CREDENTIALS_KEY is required when NODE_ENV=production (32 bytes, base64)');
  }
  const previousCredentialsKeys: Buffer[] = [];
  (str('CREDENTIALS_KEY_PREVIOUS') ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .forEach((k, i) => {
      const raw = aesKey(k);
      if (raw) previousCredentialsKeys.push(raw);
      else
        problems.push(
          `CREDENTIALS_KEY_PREVIOUS: key ${i + 1} must be 32 bytes encoded as base64 (the list is comma-separated)`,
        );
    });
  const upstreamTimeoutMs = int('UPSTREAM_TIMEOUT_MS', 30000, 1, 600000);
  const adminApiKey = str('ADMIN_API_KEY');
  // Never echo it; its length says enough.
  if (adminApiKey !== undefined && adminApiKey.length < 32) {
    problems.push(
      `ADMIN_API_KEY must be at least 32 characters, since anyone who guesses it is an admin (it has ${adminApiKey.length}; try: openssl rand -base64 32)`,
    );
  }
  if (adminApiKey !== undefined && !API_KEY_FORMAT.test(adminApiKey)) {
    problems.push('ADMIN_API_KEY must be at most 256 printable characters without spaces');
  }
  const config: AppConfig = {
    nodeEnv,
    port: int('PORT', 3000, 0, 65535),
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir: path.resolve(str('DATA_DIR') ?? './.data'),
    engagementApiBaseUrl: url('ENGAGEMENT_API_BASE_URL', ['http:', 'https:']) ?? 'https://data-api.x.com',
    upstreamTimeoutMs,
    publicBaseUrl: url('PUBLIC_BASE_URL', ['http:', 'https:']),
    xOauthBaseUrl: url('X_OAUTH_BASE_URL', ['http:', 'https:']) ?? 'https://api.x.com',
    adminApiKey,
    credentialsKey,
    previousCredentialsKeys,
    smtpUrl: url('SMTP_URL', ['smtp:', 'smtps:']),
    mailFrom: str('MAIL_FROM') ?? 'handlemeter@localhost',
    schedulersEnabled: str('SCHEDULERS') !== 'off',
    outboxRetryBaseMs: int('OUTBOX_RETRY_BASE_MS', 15000, 10, 3_600_000),
    outboxLeaseMs: int('OUTBOX_LEASE_MS', 120_000, 1000, 3_600_000),
    callLogRetentionMonths: int('CALL_LOG_RETENTION_MONTHS', 24, 1, 1200),
    // 3 MB of attachment is about 4 MB once base64-encoded: with the text and HTML, under the 5 MB many relays take.
    reportAttachMaxBytes: int('REPORT_ATTACH_MAX_BYTES', 3_000_000, 0, 3_000_000),
    reportLinkTtlDays: int('REPORT_LINK_TTL_DAYS', 30, 1, 365),
    logFormat: oneOf('LOG_FORMAT', LOG_FORMATS, nodeEnv === 'production' ? 'json' : 'pretty'),
    logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    // A call in flight can wait UPSTREAM_TIMEOUT_MS for X, then its outcome write retries for
    // about 6 s (LedgerService): the default leaves room for both.
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', upstreamTimeoutMs + 10_000, 1000, 3_600_000),
    webhookAllowPrivate: bool('WEBHOOK_ALLOW_PRIVATE'),
    authFailureLimit: int('AUTH_FAILURE_LIMIT', 30, 0, 1_000_000),
    trustProxyHops: int('TRUST_PROXY_HOPS', 0, 0, 10),
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/** Never print a password that sits in a URL. */
export function redactUrl(u: string): string {
  return u.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}
