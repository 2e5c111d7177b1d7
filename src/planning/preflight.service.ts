import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { PeriodsService } from '../billing/periods.service';
import { ForbiddenError } from '../common/errors';
import { formatMoney } from '../common/money';
import { AppsService } from '../contracts/apps.service';
import { ContractsService } from '../contracts/contracts.service';
import { distinctRefs, parsePreflightBody } from './preflight-request';
import { preflightFigures } from './preflight-figures';
import { PreflightRepository } from './preflight.repository';

/**
 * What a batch job over some handles would cost if it ran now, before it spends anything:
 * which handles already count this period, which would be new, and what the new ones would
 * add. Reads only; nothing is logged or counted.
 */
@Injectable()
export class PreflightService {
  constructor(
    private readonly contracts: ContractsService,
    private readonly apps: AppsService,
    private readonly repo: PreflightRepository,
    private readonly periods: PeriodsService,
  ) {}

  async preflight(contractId: string, body: unknown, who: Principal) {
    const refs = parsePreflightBody(body);
    const contract = await this.contracts.getEntity(contractId);
    const appIds = await this.appsFor(contract.id, who);
    const period = this.periods.resolve(contract);
    const [terms, counts] = await Promise.all([
      this.contracts.termsInForce(contract.id, period.end),
      this.periods.liveCounts(contract.id, period.start),
    ]);
    const found = await this.repo.resolve(contract.id, period.start, terms.countPolicy, appIds, refs);
    // A handle named twice (by name and by user ID) is one handle; so is a reference sent twice.
    const notRegistered = distinctRefs(refs.refs, found.unresolved);
    const uniqueHandles = terms.countPolicy === 'confirmed' ? (counts?.confirmed ?? 0) : (counts?.attempted ?? 0);
    const f = preflightFigures({
      uniqueHandles,
      allowance: terms.allowance,
      overagePriceMinor: terms.overagePriceMinor,
      currency: terms.currency,
      enforcement: contract.enforcement,
      alreadyCounted: found.counted,
      new: found.handles - found.counted,
    });
    return {
      contractId: contract.id,
      period: period.key,
      handles: found.handles + notRegistered.length,
      alreadyCounted: found.counted,
      new: found.handles - found.counted,
      notRegistered,
      overageHandles: f.overageHandles,
      overageCost: f.overageCost,
      remainingAfter: f.remainingAfter,
      blockedHandles: f.blockedHandles,
      uniqueHandles,
      allowance: terms.allowance,
      overagePrice: formatMoney(terms.overagePriceMinor, terms.currency),
      enforcement: contract.enforcement,
      countPolicy: terms.countPolicy,
      asOf: new Date(),
    };
  }

  /** Whose handles count as registered: a client key's own app (the only one its gateway calls can use), else every app of the contract. */
  private async appsFor(contractId: string, who: Principal): Promise<string[]> {
    const ids = (await this.apps.liveApps(contractId)).map((a) => a.id);
    if (who.role !== 'client') return ids;
    if (!who.appId || !ids.includes(who.appId))
      throw new ForbiddenError(
        "This client key is bound to an app of another contract; ask about its own contract's handles.",
      );
    return [who.appId];
  }
}
