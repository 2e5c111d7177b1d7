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
  adminApiKey: string | undefined;
  /** 32 raw bytes; undefined means "generate one into DATA_DIR" (development only). */
  credentialsKey: Buffer | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Run the schedulers (close, alerts, outbox) on this instance. Tests switch them off to drive jobs by hand. */
  schedulersEnabled: boolean;
  /** First retry delay of a failed alert or report delivery; doubles each attempt, capped at an hour. */
  outboxRetryBaseMs: number;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

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
      problems.push(`${name} must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')} (got "${redactUrl(v)}")`);
      return undefined;
    }
  };

  const nodeEnv = str('NODE_ENV') ?? 'development';
  const keyText = str('CREDENTIALS_KEY');
  let credentialsKey: Buffer | undefined;
  if (keyText !== undefined) {
    const raw = Buffer.from(keyText, 'base64');
    if (raw.length !== 32 || !/^[A-Za-z0-9+/]+=*$/.test(keyText)) {
      problems.push('CREDENTIALS_KEY must be 32 bytes encoded as base64 (try: openssl rand -base64 32)');
    } else credentialsKey = raw;
  } else if (nodeEnv === 'production') {
    problems.push('CREDENTIALS_KEY is required when NODE_ENV=production (32 bytes, base64)');
  }
  const adminApiKey = str('ADMIN_API_KEY');
  if (adminApiKey !== undefined && adminApiKey.length < 16) {
    problems.push('ADMIN_API_KEY must be at least 16 characters');
  }
  const config: AppConfig = {
    nodeEnv,
    port: int('PORT', 3000, 0, 65535),
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir: path.resolve(str('DATA_DIR') ?? './.data'),
    engagementApiBaseUrl: url('ENGAGEMENT_API_BASE_URL', ['http:', 'https:']) ?? 'https://data-api.x.com',
    upstreamTimeoutMs: int('UPSTREAM_TIMEOUT_MS', 30000, 1, 600000),
    publicBaseUrl: url('PUBLIC_BASE_URL', ['http:', 'https:']),
    adminApiKey,
    credentialsKey,
    smtpUrl: url('SMTP_URL', ['smtp:', 'smtps:']),
    mailFrom: str('MAIL_FROM') ?? 'handlemeter@localhost',
    schedulersEnabled: str('SCHEDULERS') !== 'off',
    outboxRetryBaseMs: int('OUTBOX_RETRY_BASE_MS', 15000, 10, 3_600_000),
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/** Never print a password that sits in a URL. */
export function redactUrl(u: string): string {
  return u.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}
