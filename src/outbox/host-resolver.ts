import { Injectable } from '@nestjs/common';
import { promises as dns } from 'node:dns';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Where a webhook's host name points, asked once per check. A provider of its own so that a
 * test can change the answer between saving a URL and delivering to it (DNS rebinding).
 */
@Injectable()
export class HostResolver {
  async lookup(hostname: string): Promise<ResolvedAddress[]> {
    const found = await dns.lookup(hostname, { all: true, verbatim: true });
    return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  }
}
