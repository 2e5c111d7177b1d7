import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'undici';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { baseStringUri, percentEncode } from './drop-in/oauth1';
import { ENGAGEMENT_ENDPOINTS, EngagementEndpoint } from './engagement-request';
import { GatewayCall, UpstreamAnswer } from './gateway.types';
import { UpstreamError, UpstreamFailedError, UpstreamTimeoutError, UpstreamUnreachableError } from './upstream.errors';
import { XSigner } from './x-signer';

/** Errors raised before a single byte of the request could leave: X cannot have seen (or billed) it. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_INVALID_URL',
]);
const TIMED_OUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
/** Enough for every call in flight at once at this process's throughput without queueing for a socket. */
const CONNECTIONS = 256;

interface Target {
  path: string;
  /** The URL as the OAuth base string names it, percent-encoded. */
  encodedUri: string;
}

/**
 * Signs a call for X (OAuth 1.0a user context or app-only bearer) and sends it, on an undici
 * Pool of kept-alive connections to X's origin. undici rather than axios: measured in the
 * benchmark (docs/benchmarks.md), axios cost about a fifth of the gateway's busy time.
 * The body is asked for uncompressed and passed back as it came, never decoded.
 */
@Injectable()
export class XClient implements OnApplicationShutdown {
  private readonly pool: Pool;
  private readonly signer = new XSigner();
  private readonly targets: Record<EngagementEndpoint, Target>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const base = new URL(config.engagementApiBaseUrl);
    const prefix = base.pathname.replace(/\/+$/, '');
    const timeout = config.upstreamTimeoutMs;
    // UPSTREAM_TIMEOUT_MS bounds the wait for X's answer and each pause in its body.
    this.pool = new Pool(base.origin, {
      connections: CONNECTIONS,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connect: { timeout: Math.min(timeout, 10_000) },
    });
    this.targets = Object.fromEntries(
      ENGAGEMENT_ENDPOINTS.map((e) => {
        const path = `${prefix}/insights/engagement/${e}`;
        return [e, { path, encodedUri: percentEncode(baseStringUri(base.origin, path)!) }];
      }),
    ) as Record<EngagementEndpoint, Target>;
  }

  async send(call: GatewayCall): Promise<UpstreamAnswer> {
    const target = this.targets[call.request.endpoint];
    const authorization = call.handle
      ? this.signer.oauth(target.encodedUri, call.app, call.handle)
      : this.signer.bearer(call.app);
    const started = performance.now();
    try {
      const res = await this.pool.request({
        method: 'POST',
        path: target.path,
        headers: { authorization, 'content-type': 'application/json' },
        body: call.body,
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      const limitHeader = header(res.headers['x-per-minute-limit']);
      const remainingHeader = header(res.headers['x-per-minute-remaining']);
      return {
        status: res.statusCode,
        body,
        contentType: header(res.headers['content-type']),
        rateLimit: { limit: toInt(limitHeader), remaining: toInt(remainingHeader), limitHeader, remainingHeader },
        latencyMs: Math.round(performance.now() - started),
        answeredAt: new Date(),
      };
    } catch (e) {
      const err = this.classify(e as Error & { code?: string });
      err.latencyMs = Math.round(performance.now() - started);
      throw err;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.close();
  }

  private classify(e: Error & { code?: string }): UpstreamError {
    const code = e.code ?? '';
    if (TIMED_OUT.has(code)) return new UpstreamTimeoutError(this.config.upstreamTimeoutMs);
    if (NOT_SENT.has(code) || code.startsWith('ERR_TLS') || code.includes('CERT'))
      return new UpstreamUnreachableError(code || e.message);
    return new UpstreamFailedError(code || e.message);
  }
}

function header(v: string | string[] | undefined): string | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : v;
}

function toInt(v: string | undefined): number | null {
  return v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) : null;
}
