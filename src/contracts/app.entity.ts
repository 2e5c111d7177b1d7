import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('apps')
export class AppEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'contract_id', type: 'uuid' }) contractId: string;
  @Column() name: string;
  @Column({ name: 'consumer_key' }) consumerKey: string;
  /** null once the app is deleted: its secrets are destroyed, the row stays for history. */
  @Column({ name: 'consumer_secret_enc', type: 'text', nullable: true }) consumerSecretEnc: string | null;
  @Column({ name: 'bearer_token_enc', type: 'text', nullable: true }) bearerTokenEnc: string | null;
  @Column({ name: 'bearer_token_hash', type: 'text', nullable: true }) bearerTokenHash: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true }) deletedAt: Date | null;
}
