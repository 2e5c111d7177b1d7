import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type Role = 'admin' | 'finance' | 'client';
export const ROLES: readonly Role[] = ['admin', 'finance', 'client'];

@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column() name: string;
  @Column({ type: 'text' }) role: Role;
  @Column({ name: 'app_id', type: 'uuid', nullable: true }) appId: string | null;
  /** SHA-256 of the key: keys are 256 random bits, so a fast hash is safe and keeps auth cheap. */
  @Column({ name: 'key_hash' }) keyHash: string;
  @Column({ name: 'key_hint' }) keyHint: string;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt: Date | null;
}
