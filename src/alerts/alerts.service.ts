import { Injectable, Logger } from '@nestjs/common';
import { periodContaining } from '../periods/billing-period';
import { PeriodsService } from '../billing/periods.service';
import { ContractEntity } from '../contracts/contract.entity';
import { ContractsService } from '../contracts/contracts.service';
import { OutboxService } from '../outbox/outbox.service';
import { alertDeliveries, AlertFacts, projectionMessage, thresholdMessage } from './alert-messages';
import { AlertsRepository, NewAlert } from './alerts.repository';

/** A projection alert is raised again in a period only when the projected overage grows by half and by 5 handles. */
const MATERIAL_GROWTH = { factor: 1.5, handles: 5 };

@Injectable()
export class AlertsService {
  private readonly logger = new Logger('Alerts');

  constructor(
    private readonly contracts: ContractsService,
    private readonly periods: PeriodsService,
    private readonly alerts: AlertsRepository,
    private readonly outbox: OutboxService,
  ) {}

  /** Every contract's open period; returns how many alerts were raised. */
  async checkAll(now = new Date()): Promise<number> {
    let raised = 0;
    for (const c of await this.contracts.entities()) {
      try {
        raised += await this.evaluate(c, now);
      } catch (e) {
        this.logger.error(`alert check of contract ${c.id} failed: ${(e as Error).message}`);
      }
    }
    return raised;
  }

  async checkContract(contractId: string): Promise<number> {
    const c = await this.contracts.findEntity(contractId);
    return c ? this.evaluate(c, new Date()) : 0;
  }

  async list(contractId: string, limit = 200) {
    await this.contracts.getEntity(contractId);
    return (await this.alerts.list(contractId, limit)).map((a) => ({
      id: a.id,
      kind: a.kind,
      threshold: a.threshold === null ? null : Number(a.threshold),
      period: a.period_key,
      message: a.message,
      figures: a.figures,
      raisedAt: a.raised_at,
      // A webhook row's target is already the URL's hint; the URL itself stays sealed.
      channels: a.deliveries,
    }));
  }

  private async evaluate(contract: ContractEntity, now: Date): Promise<number> {
    const period = periodContaining(now, { timezone: contract.timezone, billingDay: contract.billingDay });
    // Fresh: the alert states this count, and its projection is computed from it now (never a cached one).
    const usage = await this.periods.view(contract, period, { fresh: true });
    if (usage.period.closed) return 0;
    const facts: AlertFacts = {
      contract,
      periodKey: period.key,
      uniqueHandles: usage.uniqueHandles,
      allowance: usage.allowance,
      projection: usage.projection,
    };
    const base = { contractId: contract.id, periodStart: period.start, periodKey: period.key };
    const figures = {
      uniqueHandles: usage.uniqueHandles,
      allowance: usage.allowance,
      remaining: usage.remaining,
      overageCost: usage.overageCost,
      projection: usage.projection,
    };
    const pending: NewAlert[] = [];

    const done = new Set(await this.alerts.raisedThresholds(contract.id, period.start));
    for (const t of contract.alertThresholds.map(Number)) {
      // Compared in ten-thousandths so 0.8 × 500 is exactly 400, not 400.00000000000006.
      if (
        done.has(t) ||
        usage.uniqueHandles === 0 ||
        usage.uniqueHandles * 10_000 < Math.round(t * 10_000) * usage.allowance
      )
        continue;
      pending.push({
        ...base,
        kind: 'threshold',
        threshold: t,
        dedupeKey: `threshold:${contract.id}:${period.start.toISOString()}:${t}`,
        message: thresholdMessage(facts, t),
        figures,
      });
    }

    const p = usage.projection;
    // Early in a period the band is wide: alert on the central projection only once it is not a low-confidence guess, or when even the band's low end exceeds.
    if (p && p.uniqueHandles > usage.allowance && (p.confidence !== 'low' || p.low > usage.allowance)) {
      const last = await this.alerts.lastProjection(contract.id, period.start);
      const first = last.count === 0 && usage.uniqueHandles <= usage.allowance;
      const grew =
        last.count > 0 &&
        last.overageHandles !== null &&
        p.overageHandles >=
          Math.max(last.overageHandles * MATERIAL_GROWTH.factor, last.overageHandles + MATERIAL_GROWTH.handles);
      if (first || grew) {
        pending.push({
          ...base,
          kind: 'projection',
          threshold: null,
          dedupeKey: `projection:${contract.id}:${period.start.toISOString()}:${last.count}`,
          message: projectionMessage(facts),
          figures,
        });
      }
    }
    if (!pending.length) return 0;

    const raised = await this.alerts.transaction(async (m) => {
      let n = 0;
      for (const a of pending) {
        const id = await this.alerts.raise(m, a);
        if (!id) continue;
        n++;
        await this.outbox.enqueue(
          m,
          alertDeliveries(contract, id, a.message, {
            id,
            kind: a.kind,
            threshold: a.threshold,
            contractId: contract.id,
            period: a.periodKey,
            figures: a.figures,
          }),
        );
      }
      return n;
    });
    if (raised) void this.outbox.deliverDue();
    return raised;
  }
}
