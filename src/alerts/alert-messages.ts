import { ContractEntity } from '../contracts/contract.entity';
import { NewOutboxRow } from '../outbox/outbox.types';

export interface AlertFacts {
  contract: ContractEntity;
  periodKey: string;
  uniqueHandles: number;
  allowance: number;
  projection: { uniqueHandles: number; low: number; high: number; overageHandles: number; overageCost: { amount: string; currency: string }; exceedsAllowanceOn: string | null } | null;
}

export function thresholdMessage(f: AlertFacts, threshold: number): string {
  const pct = Math.round(threshold * 100);
  const head = `${f.contract.name}: ${f.uniqueHandles} of ${f.allowance} unique handles used in period ${f.periodKey} (${pct}% threshold reached).`;
  return f.projection ? `${head} Projected at period end: ${f.projection.uniqueHandles} (${f.projection.low}–${f.projection.high}).` : head;
}

export function projectionMessage(f: AlertFacts): string {
  const p = f.projection!;
  const when = p.exceedsAllowanceOn ? ` on ${p.exceedsAllowanceOn}` : '';
  return (
    `${f.contract.name}: projected to exceed its allowance of ${f.allowance} handles${when} in period ${f.periodKey}: ` +
    `${p.uniqueHandles} handles projected (${p.low}–${p.high}), overage ${p.overageHandles} handles, ${p.overageCost.currency} ${p.overageCost.amount}. ` +
    `${f.uniqueHandles} used so far.`
  );
}

/** One outbox row per channel the contract has: email to notify.emails, JSON to notify.webhookUrl. */
export function alertDeliveries(contract: ContractEntity, alertId: string, message: string, alert: object): NewOutboxRow[] {
  const rows: NewOutboxRow[] = [];
  if (contract.notifyEmails.length) {
    rows.push({
      contractId: contract.id, alertId, kind: 'alert', dedupeKey: `alert:${alertId}:email`,
      message: { channel: 'email', target: contract.notifyEmails.join(', '), payload: { to: contract.notifyEmails, subject: `[handlemeter] ${message.split(':')[0]}: ${subjectOf(message)}`, text: `${message}\n\n-- handlemeter` } },
    });
  }
  if (contract.notifyWebhookUrlEnc) {
    rows.push({
      contractId: contract.id, alertId, kind: 'alert', dedupeKey: `alert:${alertId}:webhook`,
      // The sealed URL is copied as it is: the outbox opens it only to deliver.
      message: { channel: 'webhook', target: contract.notifyWebhookHint ?? '', sealedTarget: contract.notifyWebhookUrlEnc, payload: { text: message, alert } },
    });
  }
  return rows;
}

function subjectOf(message: string): string {
  const rest = message.slice(message.indexOf(':') + 1).trim();
  return rest.split('. ')[0].replace(/\.$/, '');
}
