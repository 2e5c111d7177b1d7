import { Inject, Injectable } from '@nestjs/common';
import { isIPv6 } from 'node:net';
import { TooManyFailedAttemptsError } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';

const WINDOW_MS = 60_000;
/** Fixed size: a flood of addresses costs this much memory at most, then the oldest windows go. */
const MAX_ADDRESSES = 50_000;

/** What the limiter needs of a request, on Express or Fastify alike. */
export interface ClientRequest {
  headers: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string };
  raw?: { socket?: { remoteAddress?: string } };
}

/**
 * Slows guessing (AUTH_FAILURE_LIMIT, docs/security.md): after that many failed authentications
 * from one client address within a minute, every further attempt from it is refused with 429
 * TOO_MANY_FAILED_ATTEMPTS until the minute is over, before any credential is looked at (a 429
 * for wrong guesses and a 200 for the right one would still let guessing run at full speed).
 * An IPv6 client counts by its /64, which one subscriber usually holds whole. Per instance.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly windows = new Map<string, { failures: number; endsAt: number }>();
  private readonly limit: number;
  private readonly hops: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.limit = config.authFailureLimit;
    this.hops = config.trustProxyHops;
  }

  /**
   * Runs one authentication attempt from `req`'s client: refused with 429 while the client is over
   * the limit; a failure (`isFailure` of what `attempt` threw) is counted.
   */
  async attempt<T>(req: ClientRequest, attempt: () => Promise<T>, isFailure: (e: unknown) => boolean): Promise<T> {
    if (this.limit === 0) return attempt();
    const client = this.clientOf(req);
    this.refuseIfOver(client);
    try {
      return await attempt();
    } catch (e) {
      if (isFailure(e)) this.fail(client);
      throw e;
    }
  }

  private refuseIfOver(client: string): void {
    const w = this.windows.get(client);
    const now = Date.now();
    if (w && w.endsAt > now && w.failures >= this.limit)
      throw new TooManyFailedAttemptsError(Math.ceil((w.endsAt - now) / 1000));
  }

  private fail(client: string): void {
    const now = Date.now();
    const w = this.windows.get(client);
    if (w && w.endsAt > now) {
      w.failures++;
      return;
    }
    // A new window goes to the back, so the Map stays in order of window start: the front is the oldest.
    this.windows.delete(client);
    while (this.windows.size >= MAX_ADDRESSES) this.windows.delete(this.windows.keys().next().value as string);
    this.windows.set(client, { failures: 1, endsAt: now + WINDOW_MS });
  }

  /**
   * The connecting address, or with TRUST_PROXY_HOPS=n the address the outermost of n trusted
   * proxies saw (n from the right of X-Forwarded-For): entries further left are the client's own say.
   */
  clientOf(req: ClientRequest): string {
    const socket = req.socket?.remoteAddress ?? req.raw?.socket?.remoteAddress ?? 'unknown';
    let address = socket;
    if (this.hops > 0) {
      const header = req.headers['x-forwarded-for'];
      const chain = (Array.isArray(header) ? header.join(',') : (header ?? ''))
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      chain.push(socket);
      address = chain[Math.max(0, chain.length - 1 - this.hops)];
    }
    return clientKey(address);
  }
}

/** IPv4 as is (also when mapped into IPv6); IPv6 by its first four groups (the /64). */
function clientKey(address: string): string {
  const a = address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
  if (!isIPv6(a)) return a.slice(0, 64);
  const [head, tail = ''] = a.split('%')[0].split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
