import { ApiProperty } from '@nestjs/swagger';

export class AlertDeliveryDto {
  @ApiProperty({ enum: ['email', 'webhook'] }) channel: string;
  @ApiProperty({ example: 'finance@example.com', description: 'A webhook URL is masked.' }) target: string;
  @ApiProperty({
    enum: ['pending', 'sending', 'sent', 'logged', 'failed'],
    example: 'sent',
    description: '`logged`: SMTP_URL is unset, the email went to the log.',
  })
  status: string;
  @ApiProperty() attempts: number;
  @ApiProperty({ type: String, nullable: true }) lastError: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) sentAt: string | null;
}

export class AlertDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['threshold', 'projection'] }) kind: 'threshold' | 'projection';
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0.8,
    description: 'The fraction of the allowance (threshold alerts).',
  })
  threshold: number | null;
  @ApiProperty({ example: '2026-11' }) period: string;
  @ApiProperty() message: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The figures the alert states, as they were when it was raised.',
  })
  figures: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) raisedAt: string;
  @ApiProperty({ type: [AlertDeliveryDto] }) channels: AlertDeliveryDto[];
}

export class CheckAlertsResultDto {
  @ApiProperty({ example: 1, description: 'Alerts raised by this run.' }) raised: number;
}
