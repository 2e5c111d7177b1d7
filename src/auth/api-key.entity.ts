import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type Role = 'admin' | 'finance' | 'client';
export const ROLES: readonly Role[] = ['admin', 'finance', 'client'];

@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column() name: string;
  @Column({ type: 'text' }) role: Role;
  @Column({ name: 'app_id', type: 'uuid', nullable: true }) appId: string | null;
  /**
   * Generated keys: SHA-256 (256 random bits, so a fast hash is safe and look-up stays one index
   * probe). The bootstrap key (ADMIN_API_KEY, chosen by a person): `scrypt$salt$hash`.
   */
  @Column({ name: 'key_hash' }) keyHash: string;
  /** The ADMIN_API_KEY key: recognised in memory at start-up, never looked up by hash. */
  @Column({ default: false }) bootstrap: boolean;
  @Column({ name: 'key_hint' }) keyHint: string;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt: Date | null;
}
