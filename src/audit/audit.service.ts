import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, LessThan, Repository } from 'typeorm';
import { ValidationFailedError } from '../common/errors';
import { fitsBigint } from '../common/bigint-id';
import { AuditEntryEntity } from './audit-entry.entity';

export interface AuditRecord {
  actorKeyId: string | null;
  action: 'create' | 'update' | 'delete' | 'revoke' | 'restore' | 'import' | 'close';
  entity: 'contract' | 'app' | 'handle' | 'api_key';
  entityId: string;
  /** What changed, never a secret: callers pass field names for secret fields, not values. */
  changes?: Record<string, unknown>;
}

@Injectable()
export class AuditService {
  constructor(@InjectRepository(AuditEntryEntity) private readonly repo: Repository<AuditEntryEntity>) {}

  /** Pass the transaction's manager so the audit row commits (or not) with the change itself. */
  async record(r: AuditRecord, manager?: EntityManager): Promise<void> {
    const repo = manager ? manager.getRepository(AuditEntryEntity) : this.repo;
    await repo.insert({ actorKeyId: r.actorKeyId, action: r.action, entity: r.entity, entityId: r.entityId, changes: (r.changes ?? {}) as object });
  }

  async list(limit: number, cursor?: string) {
    if (cursor !== undefined && !fitsBigint(cursor)) {
      throw new ValidationFailedError('cursor must be the nextCursor of an earlier page.', { cursor: 'not a cursor from this endpoint' });
    }
    const rows = await this.repo.find({
      where: cursor ? { id: LessThan(cursor) } : {},
      order: { id: 'DESC' },
      take: limit,
    });
    return {
      entries: rows.map((r) => ({ id: r.id, at: r.at, actorKeyId: r.actorKeyId, action: r.action, entity: r.entity, entityId: r.entityId, changes: r.changes })),
      nextCursor: rows.length === limit ? rows[rows.length - 1].id : null,
    };
  }
}
