import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('audit_log')
export class AuditEntryEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id: string;
  @Column({ type: 'timestamptz', default: () => 'now()' }) at: Date;
  @Column({ name: 'actor_key_id', type: 'uuid', nullable: true }) actorKeyId: string | null;
  @Column() action: string;
  @Column() entity: string;
  @Column({ name: 'entity_id' }) entityId: string;
  @Column({ type: 'jsonb' }) changes: Record<string, unknown>;
}
