import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { ConfigError, loadConfig } from './app-config';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    return (e as ConfigError).problems;
  }
};

describe('loadConfig: logs, shutdown and key rotation', () => {
  const key = () => crypto.randomBytes(32).toString('base64');

  it('logs JSON in production and text in development, unless LOG_FORMAT says otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'production', CREDENTIALS_KEY: key() }).logFormat).toBe('json');
    expect(loadConfig({}).logFormat).toBe('pretty');
    expect(loadConfig({ LOG_FORMAT: 'JSON', LOG_LEVEL: 'debug' })).toMatchObject({
      logFormat: 'json',
      logLevel: 'debug',
    });
    expect(loadConfig({}).logLevel).toBe('info');
  });

  it('names a bad LOG_FORMAT or LOG_LEVEL', () => {
    expect(problems({ LOG_FORMAT: 'xml', LOG_LEVEL: 'loud' })).toEqual([
      'LOG_FORMAT must be one of json, pretty (got "xml")',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, verbose (got "loud")',
    ]);
  });

  it('gives in-flight calls the upstream timeout plus 10 s to finish by default', () => {
    expect(loadConfig({ UPSTREAM_TIMEOUT_MS: '5000' }).shutdownTimeoutMs).toBe(15_000);
    expect(loadConfig({ SHUTDOWN_TIMEOUT_MS: '2000' }).shutdownTimeoutMs).toBe(2000);
  });

  it('reads CREDENTIALS_KEY_PREVIOUS as comma-separated keys and names a bad one without echoing it', () => {
    const [a, b] = [key(), key()];
    expect(
      loadConfig({ CREDENTIALS_KEY: key(), CREDENTIALS_KEY_PREVIOUS: ` ${a}, ${b} ` }).previousCredentialsKeys.map(
        (k) => k.toString('base64'),
      ),
    ).toEqual([a, b]);
    expect(loadConfig({}).previousCredentialsKeys).toEqual([]);
    const bad = 'c2hvcnQtYnV0LXNlY3JldA==';
    const found = problems({ CREDENTIALS_KEY_PREVIOUS: `${a},${bad}` });
    expect(found).toEqual([
      'CREDENTIALS_KEY_PREVIOUS: key 2 must be 32 bytes encoded as base64 (the list is comma-separated)',
    ]);
    expect(found.join()).not.toContain(bad);
    expect(problems({ CREDENTIALS_KEY_PREVIOUS: `${bad},${a},${bad},${bad}` })).toEqual([
      'CREDENTIALS_KEY_PREVIOUS: keys 1, 3 and 4 must be 32 bytes encoded as base64 (the list is comma-separated)',
    ]);
  });
});

describe('loadConfig: security settings', () => {
  it('refuses an ADMIN_API_KEY under 32 characters, saying why, without echoing it', () => {
    const short = 'a-sixteen-chars!';
    const found = problems({ ADMIN_API_KEY: short });
    expect(found).toEqual([
      expect.stringMatching(
        /^ADMIN_API_KEY must be at least 32 characters, since anyone who guesses it is an admin \(it has 16;/,
      ),
    ]);
    expect(found.join()).not.toContain(short);
    expect(loadConfig({ ADMIN_API_KEY: 'x'.repeat(32) }).adminApiKey).toBe('x'.repeat(32));
    expect(problems({ ADMIN_API_KEY: 'a short one' })).toEqual([
      expect.stringMatching(/^ADMIN_API_KEY must be at least 32 characters, .* \(it has 11;/),
      'ADMIN_API_KEY must be at most 256 printable characters without spaces',
    ]);
  });

  it('reads WEBHOOK_ALLOW_PRIVATE, AUTH_FAILURE_LIMIT and TRUST_PROXY_HOPS with safe defaults', () => {
    expect(loadConfig({})).toMatchObject({ webhookAllowPrivate: false, authFailureLimit: 30, trustProxyHops: 0 });
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'true', AUTH_FAILURE_LIMIT: '0', TRUST_PROXY_HOPS: '1' })).toMatchObject(
      { webhookAllowPrivate: true, authFailureLimit: 0, trustProxyHops: 1 },
    );
    expect(problems({ WEBHOOK_ALLOW_PRIVATE: 'yes' })).toEqual([
      'WEBHOOK_ALLOW_PRIVATE must be true or false (got "yes")',
    ]);
  });
});

describe('loadConfig: the schema', () => {
  it('gives the documented defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual(
      expect.objectContaining({
        nodeEnv: 'development',
        port: 3000,
        databaseUrl: undefined,
        dataDir: path.resolve('./.data'),
        engagementApiBaseUrl: 'https://data-api.x.com',
        upstreamTimeoutMs: 30_000,
        xOauthBaseUrl: 'https://api.x.com',
        credentialsKey: undefined,
        mailFrom: 'handlemeter@localhost',
        schedulersEnabled: true,
        outboxRetryBaseMs: 15_000,
        outboxLeaseMs: 120_000,
        callLogRetentionMonths: 24,
        reportAttachMaxBytes: 3_000_000,
        reportLinkTtlDays: 30,
        shutdownTimeoutMs: 40_000,
      }),
    );
  });

  it('trims values, reads an empty one as unset and drops a URL’s trailing slashes', () => {
    expect(
      loadConfig({ PORT: ' 8080 ', DATABASE_URL: '  ', ENGAGEMENT_API_BASE_URL: 'http://x.test//', SCHEDULERS: 'off' }),
    ).toMatchObject({
      port: 8080,
      databaseUrl: undefined,
      engagementApiBaseUrl: 'http://x.test',
      schedulersEnabled: false,
    });
  });

  it('names every bad variable at once, in one sentence each, never printing a URL’s password', () => {
    const found = problems({ PORT: '70000', DATABASE_URL: 'mysql://app:hunter2@db/x', UPSTREAM_TIMEOUT_MS: '1.5' });
    expect(found).toEqual([
      'PORT must be a whole number from 0 to 65535 (got "70000")',
      'DATABASE_URL must be a URL starting with postgres:// or postgresql:// (got "mysql://app:***@db/x")',
      'UPSTREAM_TIMEOUT_MS must be a whole number from 1 to 600000 (got "1.5")',
    ]);
  });

  it('requires CREDENTIALS_KEY in production only, and never echoes a bad one', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual([
      'CREDENTIALS_KEY is required when NODE_ENV=production (32 bytes, base64)',
    ]);
    expect(problems({ CREDENTIALS_KEY: 'bm90LWEta2V5' })).toEqual([
      'CREDENTIALS_KEY must be 32 bytes encoded as base64 (try: openssl rand -base64 32)',
    ]);
  });
});
