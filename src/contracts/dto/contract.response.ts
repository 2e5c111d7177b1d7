import { ApiProperty } from '@nestjs/swagger';
import { MoneyDto } from './contract.dto';

export class ContractNotifyDto {
  @ApiProperty({ type: [String], example: ['finance@example.com'] })
  emails: string[];

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'https://hooks.slack.com/…abcd',
    description: 'Masked: scheme, host and the last 4 characters.',
  })
  webhookUrl: string | null;
}

export class ContractDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'Acme' }) name: string;
  @ApiProperty({ example: 500 }) handleAllowance: number;
  @ApiProperty({ type: MoneyDto }) overagePrice: MoneyDto;
  @ApiProperty({ example: 'UTC' }) timezone: string;
  @ApiProperty({ example: 1, minimum: 1, maximum: 28 }) billingDay: number;
  @ApiProperty({ enum: ['attempted', 'confirmed'] }) countPolicy: 'attempted' | 'confirmed';
  @ApiProperty({ enum: ['track', 'block'] }) enforcement: 'track' | 'block';
  @ApiProperty({ type: [Number], example: [0.8, 0.9, 1] }) alertThresholds: number[];
  @ApiProperty({ type: ContractNotifyDto }) notify: ContractNotifyDto;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class AppDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) contractId: string;
  @ApiProperty({ example: 'analytics-prod' }) name: string;
  @ApiProperty({ description: "The X app's consumer key (not a secret; the consumer secret is never returned)." })
  consumerKey: string;
  @ApiProperty() hasBearerToken: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class HandleDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) appId: string;
  @ApiProperty({ example: '1234', description: "X's numeric user ID: what counts." }) userId: string;
  @ApiProperty({ example: 'acme' }) screenName: string;
  @ApiProperty({ example: '…x9Qa', description: "The access token's last 4 characters." }) tokenHint: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}
