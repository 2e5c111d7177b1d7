import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type CountPolicy = 'attempted' | 'confirmed';
export type Enforcement = 'track' | 'block';

@Entity('contracts')
export class ContractEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column() name: string;
  @Column({ name: 'handle_allowance', type: 'integer' }) handleAllowance: number;
  /** Integer minor units (cents); pg returns bigint as a string, which is what we want. */
  @Column({ name: 'overage_price_minor', type: 'bigint' }) overagePriceMinor: string;
  @Column({ type: 'char', length: 3 }) currency: string;
  @Column() timezone: string;
  @Column({ name: 'billing_day', type: 'smallint' }) billingDay: number;
  @Column({ name: 'count_policy', type: 'text' }) countPolicy: CountPolicy;
  @Column({ type: 'text' }) enforcement: Enforcement;
  @Column({ name: 'alert_thresholds', type: 'jsonb' }) alertThresholds: number[];
  @Column({ name: 'notify_emails', type: 'text', array: true }) notifyEmails: string[];
  /** SecretBox-sealed: the URL is a credential. */
  @Column({ name: 'notify_webhook_url_enc', type: 'text', nullable: true }) notifyWebhookUrlEnc: string | null;
  /** What answers show of it (urlHint). */
  @Column({ name: 'notify_webhook_hint', type: 'text', nullable: true }) notifyWebhookHint: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
