import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { isValidTimezone } from '../periods/billing-period';
import { ConflictError, NotFoundError, ValidationFailedError } from '../common/errors';
import { formatMoney, parseAmount } from '../common/money';
import { SecretBox, urlHint } from '../common/secret-box';
import { WebhookTargetPolicy } from '../outbox/webhook-target';
import { ContractEntity } from './contract.entity';
import { ContractsRepository } from './contracts.repository';
import { CreateContractDto, UpdateContractDto } from './dto/contract.dto';
import { ContractCache } from './contract-cache';
import { ContractTermsRepository } from './contract-terms.repository';
import { Terms } from './terms';
import { EntityManager } from 'typeorm';

export interface ContractView {
  id: string;
  name: string;
  handleAllowance: number;
  overagePrice: { amount: string; currency: string };
  timezone: string;
  billingDay: number;
  countPolicy: string;
  enforcement: string;
  alertThresholds: number[];
  notify: { emails: string[]; webhookUrl: string | null };
  createdAt: Date;
  updatedAt: Date;
}

@Injectable()
export class ContractsService {
  constructor(
    private readonly contracts: ContractsRepository,
    private readonly audit: AuditService,
    private readonly cache: ContractCache,
    private readonly terms: ContractTermsRepository,
    private readonly box: SecretBox,
    private readonly webhooks: WebhookTargetPolicy,
  ) {}

  async create(dto: CreateContractDto, actorKeyId: string): Promise<ContractView> {
    const timezone = dto.timezone ?? 'UTC';
    this.checkTimezone(timezone);
    const webhook = await this.webhookColumns(dto.notify?.webhookUrl ?? null);
    const entity = this.contracts.create({
      name: dto.name,
      handleAllowance: dto.handleAllowance,
      overagePriceMinor: parseAmount(dto.overagePrice.amount).toString(),
      currency: dto.overagePrice.currency,
      timezone,
      billingDay: dto.billingDay ?? 1,
      countPolicy: dto.countPolicy ?? 'attempted',
      enforcement: dto.enforcement ?? 'track',
      alertThresholds: sortThresholds(dto.alertThresholds ?? [0.8, 0.9, 1.0]),
      notifyEmails: dto.notify?.emails ?? [],
      ...webhook,
    });
    const saved = await this.contracts.transaction(async (m) => {
      const c = await this.contracts.save(entity, m);
      await this.terms.record(c, m, 'always');
      await this.audit.record(
        { actorKeyId, action: 'create', entity: 'contract', entityId: c.id, changes: auditable(dto) },
        m,
      );
      return c;
    });
    return toContractView(saved);
  }

  async list(): Promise<ContractView[]> {
    return (await this.contracts.list()).map(toContractView);
  }

  async get(id: string): Promise<ContractView> {
    return toContractView(await this.getEntity(id));
  }

  async getEntity(id: string): Promise<ContractEntity> {
    const c = await this.findEntity(id);
    if (!c) throw new NotFoundError('Contract', id);
    return c;
  }

  findEntity(id: string): Promise<ContractEntity | null> {
    return this.contracts.findById(id);
  }

  /** Every contract, for the jobs that go through them all (the close, alerts) and the dashboard's list. */
  entities(): Promise<ContractEntity[]> {
    return this.contracts.list();
  }

  /** The terms a period ending at `periodEnd` is billed on; in the caller's transaction `m` when given. */
  termsInForce(contractId: string, periodEnd: Date, m?: EntityManager): Promise<Terms> {
    return this.terms.inForce(contractId, periodEnd, m);
  }

  /** A change applies to the open period; statements already written never change. */
  async update(id: string, dto: UpdateContractDto, actorKeyId: string): Promise<ContractView> {
    refuseNulls(dto);
    const c = await this.getEntity(id);
    const cycleChanges =
      (dto.timezone !== undefined && dto.timezone !== c.timezone) ||
      (dto.billingDay !== undefined && dto.billingDay !== c.billingDay);
    if (dto.timezone !== undefined) this.checkTimezone(dto.timezone);
    if (cycleChanges && (await this.contracts.hasUsage(id))) {
      throw new ConflictError(
        'timezone and billingDay cannot change once usage is recorded: the periods already counted would no longer line up. Create a new contract for the new billing cycle.',
        { fields: ['timezone', 'billingDay'] },
      );
    }
    if (dto.name !== undefined) c.name = dto.name;
    if (dto.handleAllowance !== undefined) c.handleAllowance = dto.handleAllowance;
    if (dto.overagePrice !== undefined) {
      c.overagePriceMinor = parseAmount(dto.overagePrice.amount).toString();
      c.currency = dto.overagePrice.currency;
    }
    if (dto.timezone !== undefined) c.timezone = dto.timezone;
    if (dto.billingDay !== undefined) c.billingDay = dto.billingDay;
    if (dto.countPolicy !== undefined) c.countPolicy = dto.countPolicy;
    if (dto.enforcement !== undefined) c.enforcement = dto.enforcement;
    if (dto.alertThresholds !== undefined) c.alertThresholds = sortThresholds(dto.alertThresholds);
    if (dto.notify?.emails !== undefined) c.notifyEmails = dto.notify.emails;
    // Its own hint sent back (a read-modify-write of notify) keeps the URL rather than storing the hint.
    if (dto.notify?.webhookUrl !== undefined && dto.notify.webhookUrl !== c.notifyWebhookHint)
      Object.assign(c, await this.webhookColumns(dto.notify.webhookUrl));
    const saved = await this.contracts.transaction(async (m) => {
      const s = await this.contracts.save(c, m);
      if (dto.handleAllowance !== undefined || dto.overagePrice !== undefined || dto.countPolicy !== undefined)
        await this.terms.record(s, m, 'now');
      await this.audit.record(
        { actorKeyId, action: 'update', entity: 'contract', entityId: id, changes: auditable(dto) },
        m,
      );
      return s;
    });
    this.cache.invalidate(id);
    return toContractView(saved);
  }

  /** Checked (no webhook into our own network), then stored sealed with its hint beside it. */
  private async webhookColumns(
    url: string | null,
  ): Promise<Pick<ContractEntity, 'notifyWebhookUrlEnc' | 'notifyWebhookHint'>> {
    if (url === null) return { notifyWebhookUrlEnc: null, notifyWebhookHint: null };
    await this.webhooks.checkForSave(url);
    return { notifyWebhookUrlEnc: this.box.seal(url), notifyWebhookHint: urlHint(url) };
  }

  private checkTimezone(tz: string): void {
    if (!isValidTimezone(tz)) {
      throw new ValidationFailedError(
        `"${tz}" is not an IANA time zone; use a name such as "UTC" or "America/New_York".`,
        { timezone: 'must be an IANA time zone name' },
      );
    }
  }
}

/**
 * A change sets fields; leaving one out keeps it. null is no value for any of them (the validator
 * lets it through as "absent") except notify.webhookUrl, where it means "no webhook".
 */
function refuseNulls(dto: UpdateContractDto): void {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(dto))
    if (v === null) fields[k] = 'cannot be null; leave it out to keep the current value';
  if (dto.notify?.emails === null) fields['notify.emails'] = 'cannot be null; send [] for no emails';
  const first = Object.keys(fields)[0];
  if (first) throw new ValidationFailedError(`${first} cannot be null: leave a field out to keep its value.`, fields);
}

/** The change as sent, with the webhook URL (a credential) shown as its hint. */
function auditable(dto: CreateContractDto | UpdateContractDto): Record<string, unknown> {
  const url = dto.notify?.webhookUrl;
  return url ? { ...dto, notify: { ...dto.notify, webhookUrl: urlHint(url) } } : { ...dto };
}

function sortThresholds(t: number[]): number[] {
  return [...t].sort((a, b) => a - b);
}

export function toContractView(c: ContractEntity): ContractView {
  return {
    id: c.id,
    name: c.name,
    handleAllowance: c.handleAllowance,
    overagePrice: formatMoney(BigInt(c.overagePriceMinor), c.currency),
    timezone: c.timezone,
    billingDay: c.billingDay,
    countPolicy: c.countPolicy,
    enforcement: c.enforcement,
    alertThresholds: c.alertThresholds.map(Number),
    notify: { emails: c.notifyEmails, webhookUrl: c.notifyWebhookHint },
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}
