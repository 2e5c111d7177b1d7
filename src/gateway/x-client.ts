import { Inject, Injectable } from '@nestjs/common';
import axios, { AxiosError, AxiosInstance } from 'axios';
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import OAuth from 'oauth-1.0a';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { GatewayCall, UpstreamAnswer } from './gateway.types';
import { UpstreamError, UpstreamFailedError, UpstreamTimeoutError, UpstreamUnreachableError } from './upstream.errors';

/** Errors raised before a single byte of the request could leave: X cannot have seen (or billed) it. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL']);
const TIMED_OUT = new Set(['ETIMEDOUT', 'ECONNABORTED']);

/** Signs a call for X (OAuth 1.0a user context or app-only bearer) and sends it. */
@Injectable()
export class XClient {
  private readonly http: AxiosInstance;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.http = axios.create({
      baseURL: config.engagementApiBaseUrl,
      timeout: config.upstreamTimeoutMs,
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 512 }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 512 }),
      // Every status is X's answer to pass through, not an exception.
      validateStatus: () => true,
      responseType: 'arraybuffer',
      maxRedirects: 0,
      transitional: { clarifyTimeoutError: true },
    });
  }

  async send(call: GatewayCall): Promise<UpstreamAnswer> {
    const path = `/insights/engagement/${call.request.endpoint}`;
    const started = performance.now();
    try {
      const res = await this.http.post(path, call.body, {
        headers: {
          Authorization: this.authorization(call, this.config.engagementApiBaseUrl + path),
          'Content-Type': 'application/json',
          'Accept-Encoding': 'gzip',
        },
      });
      const limitHeader = header(res.headers['x-per-minute-limit']);
      const remainingHeader = header(res.headers['x-per-minute-remaining']);
      return {
        status: res.status,
        body: Buffer.from(res.data as ArrayBuffer),
        contentType: header(res.headers['content-type']),
        rateLimit: { limit: toInt(limitHeader), remaining: toInt(remainingHeader), limitHeader, remainingHeader },
        latencyMs: Math.round(performance.now() - started),
        answeredAt: new Date(),
      };
    } catch (e) {
      const err = this.classify(e as AxiosError);
      err.latencyMs = Math.round(performance.now() - started);
      throw err;
    }
  }

  private authorization(call: GatewayCall, url: string): string {
    if (!call.handle) return `Bearer ${call.app.bearerToken}`;
    // One signer per call: it is a small object, and a cache of them would be keyed by the consumer secret.
    const signer = new OAuth({ consumer: { key: call.app.consumerKey, secret: call.app.consumerSecret }, signature_method: 'HMAC-SHA1', hash_function: hmacSha1 });
    // The JSON body is not part of an OAuth 1.0a signature (RFC 5849 §3.4.1.3.1), so only the URL is signed.
    const data = signer.authorize({ url, method: 'POST' }, { key: call.handle.accessToken, secret: call.handle.accessTokenSecret });
    return signer.toHeader(data).Authorization;
  }

  private classify(e: AxiosError): UpstreamError {
    const code = e.code ?? '';
    if (TIMED_OUT.has(code)) return new UpstreamTimeoutError(this.config.upstreamTimeoutMs);
    if (NOT_SENT.has(code) || code.startsWith('ERR_TLS') || code.includes('CERT')) return new UpstreamUnreachableError(code || e.message);
    return new UpstreamFailedError(code || e.message);
  }
}

function hmacSha1(base: string, signingKey: string): string {
  return crypto.createHmac('sha1', signingKey).update(base).digest('base64');
}

function header(v: unknown): string | undefined {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- undici and axios give a header as a string, a number or a list
  return v === undefined || v === null ? undefined : String(v);
}

function toInt(v: string | undefined): number | null {
  return v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) : null;
}
