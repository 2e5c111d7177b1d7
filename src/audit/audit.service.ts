import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
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

type AuditEntryRow = {
  id: string;
  at: Date;
  actor_key_id: string | null;
  actor_key_name: string | null;
  action: string;
  entity: string;
  entity_id: string;
  changes: Record<string, unknown>;
};

@Injectable()
export class AuditService {
  constructor(@InjectRepository(AuditEntryEntity) private readonly repo: Repository<AuditEntryEntity>) {}

  /** Pass the transaction's manager so the audit row commits (or not) with the change itself. */
  async record(r: AuditRecord, manager?: EntityManager): Promise<void> {
    const repo = manager ? manager.getRepository(AuditEntryEntity) : this.repo;
    await repo.insert({
      actorKeyId: r.actorKeyId,
      action: r.action,
      entity: r.entity,
      entityId: r.entityId,
      changes: (r.changes ?? {}) as object,
    });
  }

  async list(limit: number, cursor?: string) {
    if (cursor !== undefined && !fitsBigint(cursor)) {
      throw new ValidationFailedError('cursor must be the nextCursor of an earlier page.', {
        cursor: 'not a cursor from this endpoint',
      });
    }
    // The key's name beside its id: people read "Dana (finance)", not a UUID.
    const rows = await this.repo.query<AuditEntryRow[]>(
      `SELECT a.id::text, a.at, a.actor_key_id, k.name AS actor_key_name, a.action, a.entity, a.entity_id, a.changes
           FROM audit_log a LEFT JOIN api_keys k ON k.id = a.actor_key_id
          WHERE $1::bigint IS NULL OR a.id < $1::bigint ORDER BY a.id DESC LIMIT $2`,
      [cursor ?? null, limit],
    );
    return {
      entries: rows.map((r) => ({
        id: r.id,
        at: r.at,
        actorKeyId: r.actor_key_id,
        actorKeyName: r.actor_key_name,
        action: r.action,
        entity: r.entity,
        entityId: r.entity_id,
        changes: r.changes,
      })),
      nextCursor: rows.length === limit ? rows[rows.length - 1].id : null,
    };
  }
}
