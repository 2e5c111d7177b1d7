import { BillingPeriod, nextPeriod } from '../periods/billing-period';
import { ContractEntity } from '../contracts/contract.entity';
import { NewOutboxRow } from '../outbox/outbox.types';

/**
 * The outbox row of a period's monthly report, queued in the close's transaction: the report
 * exists exactly when the statement does, and its dedupe key makes "sent once" a database fact.
 * The row names the statement; the message is rendered from it when delivered.
 *
 * History imported from before the contract was set up closes too, a statement per month, but
 * only the latest ended month is news: that one is reported, the older backfill is not (an import
 * of two years would otherwise send 24 emails). Every period that ended while the contract
 * existed is reported, also after downtime.
 */
export function reportDelivery(contract: ContractEntity, period: BillingPeriod, now: Date): NewOutboxRow | null {
  if (!contract.notifyEmails.length) return null;
  const cycle = { timezone: contract.timezone, billingDay: contract.billingDay };
  const backfill =
    period.end.getTime() <= contract.createdAt.getTime() && nextPeriod(period, cycle).end.getTime() <= now.getTime();
  if (backfill) return null;
  const to = [...contract.notifyEmails];
  return {
    contractId: contract.id,
    alertId: null,
    kind: 'report',
    dedupeKey: `report:${contract.id}:${period.start.toISOString()}`,
    message: {
      channel: 'email',
      target: to.join(', '),
      payload: {
        to,
        render: {
          kind: 'report',
          contractId: contract.id,
          periodKey: period.key,
          periodStart: period.start.toISOString(),
        },
      },
    },
  };
}
