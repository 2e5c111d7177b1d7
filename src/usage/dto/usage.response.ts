import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MoneyDto } from '../../contracts/dto/contract.dto';
import { PeriodRefDto, RestatementDto, UsageFiguresDto } from '../../billing/dto/period-figures.response';

export class ProjectionDayDto {
  @ApiProperty({ example: '2026-11-24' }) date: string;
  @ApiProperty() cumulative: number;
  @ApiProperty() low: number;
  @ApiProperty() high: number;
}

export class ProjectionDto {
  @ApiProperty({ example: 538, description: 'Projected unique handles at the end of the period.' })
  uniqueHandles: number;
  @ApiProperty({ example: 509 }) low: number;
  @ApiProperty({ example: 571 }) high: number;
  @ApiProperty({ example: 38 }) overageHandles: number;
  @ApiProperty({ type: MoneyDto }) overageCost: MoneyDto;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '2026-11-26',
    description: 'The local date the count passes the allowance, if it does.',
  })
  exceedsAllowanceOn: string | null;
  @ApiProperty({ example: 'history-shape+level-trend' }) method: string;
  @ApiProperty({ enum: ['low', 'medium', 'high'] }) confidence: 'low' | 'medium' | 'high';
  @ApiProperty({ type: [ProjectionDayDto] }) dailyCurve: ProjectionDayDto[];
}

export class UsageDto extends UsageFiguresDto {
  @ApiProperty({ format: 'uuid' }) contractId: string;
  @ApiProperty({ type: PeriodRefDto }) period: PeriodRefDto;
  @ApiProperty({ format: 'date-time' }) asOf: string;
  @ApiProperty({ type: ProjectionDto, nullable: true, description: 'Null once the period has ended.' })
  projection: ProjectionDto | null;
  @ApiPropertyOptional({ format: 'date-time', description: 'Closed periods.' }) closedAt?: string;
  @ApiPropertyOptional({
    type: RestatementDto,
    nullable: true,
    description: 'Closed periods: calls recorded after the close, if any.',
  })
  restatement?: RestatementDto | null;
}

export class PeriodHandleDto {
  @ApiProperty({ example: '1234' }) userId: string;
  @ApiProperty({ type: String, nullable: true, example: 'acme' }) screenName: string | null;
  @ApiProperty({ format: 'date-time' }) firstSeen: string;
  @ApiProperty({ format: 'date-time' }) lastSeen: string;
  @ApiProperty() calls: number;
  @ApiProperty({ description: 'X answered at least one of its calls with 2xx.' }) confirmed: boolean;
}

export class RateLimitDto {
  @ApiProperty({ format: 'uuid' }) appId: string;
  @ApiProperty() appName: string;
  @ApiProperty({ format: 'uuid' }) contractId: string;
  @ApiProperty({ type: Number, nullable: true, description: 'x-per-minute-limit' }) limit: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'x-per-minute-remaining' }) remaining: number | null;
  @ApiProperty({ format: 'date-time' }) seenAt: string;
}

/** One app's line of a period's chargeback; the lines add up to the period's figures. */
export class AppUsageDto {
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'null: calls and handles that came with no app (imported history).',
  })
  appId: string | null;
  @ApiProperty() name: string;
  @ApiProperty() calls: number;
  @ApiProperty({ description: 'Handles this app used in the period.' }) handles: number;
  @ApiProperty({ description: "Handles counted by this app's call first." }) firstCountedHandles: number;
  @ApiProperty() overageHandles: number;
  @ApiProperty({ type: MoneyDto }) overageCost: MoneyDto;
}
