import { Inject, Injectable } from '@nestjs/common';
import * as crypto from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { resolveCredentialsKey } from '../config/credentials-key';

export interface SignedRoster {
  contractId: string;
  periodKey: string;
  /** seconds since the epoch */
  expires: number;
}

/**
 * Signed, expiring download links for a closed period's handle CSV, for reports too large to
 * carry it: whoever holds the link may fetch that one file until it expires, with no API key
 * (the email is the credential, as the attachment was). Signed with a key derived from
 * CREDENTIALS_KEY, so rotating that key invalidates every link sent.
 */
@Injectable()
export class ReportLinks {
  private readonly key: Buffer;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.key = crypto
      .createHmac('sha256', resolveCredentialsKey(config))
      .update('handlemeter report download links')
      .digest();
  }

  /** The path (and query) of the link; absolute when PUBLIC_BASE_URL says where handlemeter is. */
  link(contractId: string, periodKey: string, now = new Date()): string {
    const expires = Math.floor(now.getTime() / 1000) + this.config.reportLinkTtlDays * 86_400;
    const path = `/reports/${contractId}/${periodKey}/handles.csv.gz?expires=${expires}&signature=${this.sign({ contractId, periodKey, expires })}`;
    return `${this.config.publicBaseUrl ?? ''}${path}`;
  }

  /** True when the signature is this service's for exactly these values and the link has not expired. */
  verify(s: SignedRoster, signature: string, now = new Date()): boolean {
    if (!Number.isSafeInteger(s.expires) || s.expires * 1000 < now.getTime()) return false;
    const expected = Buffer.from(this.sign(s));
    const given = Buffer.from(signature);
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  }

  private sign(s: SignedRoster): string {
    return crypto
      .createHmac('sha256', this.key)
      .update(`${s.contractId}|${s.periodKey}|${s.expires}`)
      .digest('base64url');
  }
}
