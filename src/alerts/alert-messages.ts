import { displayCount as n, displayMoney, Money } from '../common/money';
import { ContractEntity } from '../contracts/contract.entity';
import type { ProjectionView } from '../forecast/forecast.service';
import { NewOutboxRow } from '../outbox/outbox.types';

export interface AlertFacts {
  contract: ContractEntity;
  periodKey: string;
  uniqueHandles: number;
  allowance: number;
  projection: ProjectionView | null;
}

export function thresholdMessage(f: AlertFacts, threshold: number): string {
  const pct = Math.round(threshold * 100);
  const head = `${f.contract.name}: ${n(f.uniqueHandles)} of ${n(f.allowance)} unique handles used in period ${f.periodKey} (${pct}% threshold reached).`;
  if (!f.projection) return head;
  const p = f.projection;
  const overage =
    p.overageHandles > 0 ? `, overage ${n(p.overageHandles)} handles, ${displayMoney(p.overageCost)}` : '';
  return `${head} Projected at period end: ${n(p.uniqueHandles)} (${n(p.low)}–${n(p.high)})${overage}.`;
}

export function projectionMessage(f: AlertFacts): string {
  const p = f.projection!;
  const when = p.exceedsAllowanceOn ? ` on ${p.exceedsAllowanceOn}` : '';
  return (
    `${f.contract.name}: projected to exceed its allowance of ${n(f.allowance)} handles${when} in period ${f.periodKey}: ` +
    `${n(p.uniqueHandles)} handles projected (${n(p.low)}–${n(p.high)}), overage ${n(p.overageHandles)} handles, ${displayMoney(p.overageCost)} (${moneyRange(p.overageCostRange)}). ` +
    `${n(f.uniqueHandles)} used so far.`
  );
}

function moneyRange(r: { low: Money; high: Money }): string {
  return `${displayMoney(r.low)}–${displayMoney(r.high)}`;
}

/** One outbox row per channel the contract has: email to notify.emails, JSON to notify.webhookUrl. */
export function alertDeliveries(
  contract: ContractEntity,
  alertId: string,
  message: string,
  alert: object,
): NewOutboxRow[] {
  const rows: NewOutboxRow[] = [];
  if (contract.notifyEmails.length) {
    rows.push({
      contractId: contract.id,
      alertId,
      kind: 'alert',
      dedupeKey: `alert:${alertId}:email`,
      message: {
        channel: 'email',
        target: contract.notifyEmails.join(', '),
        payload: {
          to: contract.notifyEmails,
          subject: `[handlemeter] ${message.split(':')[0]}: ${subjectOf(message)}`,
          text: `${message}\n\n-- handlemeter`,
        },
      },
    });
  }
  if (contract.notifyWebhookUrlEnc) {
    rows.push({
      contractId: contract.id,
      alertId,
      kind: 'alert',
      dedupeKey: `alert:${alertId}:webhook`,
      // The sealed URL is copied as it is: the outbox opens it only to deliver.
      message: {
        channel: 'webhook',
        target: contract.notifyWebhookHint ?? '',
        sealedTarget: contract.notifyWebhookUrlEnc,
        payload: { text: message, alert },
      },
    });
  }
  return rows;
}

function subjectOf(message: string): string {
  const rest = message.slice(message.indexOf(':') + 1).trim();
  return rest.split('. ')[0].replace(/\.$/, '');
}
