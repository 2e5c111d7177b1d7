import { Inject, Injectable } from '@nestjs/common';
import { isIP } from 'node:net';
import { ValidationFailedError } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { HostResolver, ResolvedAddress } from './host-resolver';
import { blockedRange } from './webhook-address';

/** Why a webhook target was refused, in words that name no address or port (finance reads them). */
export class WebhookTargetError extends Error {}

const FIELD = 'notify.webhookUrl';

/**
 * Keeps webhooks out of the service's own network (SSRF): http(s) only, and a host that is, or
 * resolves to, a loopback, private, link-local, shared, multicast or unspecified address is
 * refused. Checked when the URL is saved (so the admin hears at once) and again at each delivery,
 * where the address checked is the one connected to. WEBHOOK_ALLOW_PRIVATE lifts the rule.
 */
@Injectable()
export class WebhookTargetPolicy {
  constructor(
    private readonly resolver: HostResolver,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** At save: throws 400 VALIDATION_FAILED naming notify.webhookUrl. */
  async checkForSave(url: string): Promise<void> {
    try {
      // Allowed anywhere: only the scheme is checked, so a development host need not resolve yet.
      if (this.config.webhookAllowPrivate) parse(url);
      else await this.resolve(url);
    } catch (e) {
      if (!(e instanceof WebhookTargetError)) throw e;
      throw new ValidationFailedError(`${FIELD} is refused: ${e.message}.`, { [FIELD]: e.message });
    }
  }

  /**
   * At delivery: the one address to connect to, checked. The caller connects to it and nothing
   * else (no second look-up the answer could change under), with the name kept for Host and TLS.
   */
  async resolve(url: string): Promise<{ url: URL; address: ResolvedAddress }> {
    const u = parse(url);
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    let addresses: ResolvedAddress[];
    if (isIP(host)) addresses = [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
    else {
      try {
        addresses = await this.resolver.lookup(host);
      } catch {
        addresses = [];
      }
      if (!addresses.length) throw new WebhookTargetError('its host name does not resolve');
    }
    if (!this.config.webhookAllowPrivate) {
      // Every answer must be public: a name with one public and one internal address could be sent either way.
      for (const a of addresses) {
        const range = blockedRange(a.address);
        if (range)
          throw new WebhookTargetError(
            `its host is or resolves to a ${range === 'invalid' ? 'non-IP' : range} address, which webhooks may not reach (WEBHOOK_ALLOW_PRIVATE=true allows it in development)`,
          );
      }
    }
    return { url: u, address: addresses[0] };
  }
}

function parse(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new WebhookTargetError('it is not a URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new WebhookTargetError('only http and https webhooks are allowed');
  return u;
}
