import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('handles')
export class HandleEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'app_id', type: 'uuid' }) appId: string;
  /** X's stable numeric user ID (bigint, kept as a string: it does not fit a JS number safely). */
  @Column({ name: 'user_id', type: 'bigint' }) userId: string;
  @Column({ name: 'screen_name' }) screenName: string;
  @Column({ name: 'access_token_enc', type: 'text', nullable: true }) accessTokenEnc: string | null;
  @Column({ name: 'access_token_secret_enc', type: 'text', nullable: true }) accessTokenSecretEnc: string | null;
  @Column({ name: 'access_token_hash', type: 'text', nullable: true }) accessTokenHash: string | null;
  @Column({ name: 'token_hint', type: 'text', nullable: true }) tokenHint: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true }) deletedAt: Date | null;
}
