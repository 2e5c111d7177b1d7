import { ApiProperty } from '@nestjs/swagger';
import { MoneyDto } from '../../contracts/dto/contract.dto';

/** A billing period as every answer names it (billing owns periods; usage shows them). */
export class PeriodRefDto {
  @ApiProperty({ example: '2026-11', description: 'The local month the period starts in.' }) key: string;
  @ApiProperty({ format: 'date-time' }) start: string;
  @ApiProperty({ format: 'date-time', description: 'Where the next period starts (exclusive).' }) end: string;
  @ApiProperty({ example: 'UTC' }) timezone: string;
  @ApiProperty({ enum: ['open', 'ended', 'closed'], description: 'ended: over, the close has not run yet.' }) status:
    'open' | 'ended' | 'closed';
  @ApiProperty() closed: boolean;
}

/** The figures every view of a period shares (usage, statement, period list). */
export class UsageFiguresDto {
  @ApiProperty({ enum: ['attempted', 'confirmed'] }) countPolicy: 'attempted' | 'confirmed';
  @ApiProperty({
    example: 412,
    description: 'The billed count: attemptedHandles or confirmedHandles, as countPolicy says.',
  })
  uniqueHandles: number;
  @ApiProperty({ example: 412 }) attemptedHandles: number;
  @ApiProperty({ example: 405 }) confirmedHandles: number;
  @ApiProperty({ example: 500 }) allowance: number;
  @ApiProperty({ example: 88 }) remaining: number;
  @ApiProperty({ example: 0 }) overageHandles: number;
  @ApiProperty({ type: MoneyDto }) overagePrice: MoneyDto;
  @ApiProperty({ type: MoneyDto }) overageCost: MoneyDto;
  @ApiProperty({ example: 18234, description: 'Every call of the period, app-only ones included.' }) calls: number;
}

export class RestatementDifferenceDto {
  @ApiProperty() uniqueHandles: number;
  @ApiProperty() calls: number;
  @ApiProperty() overageHandles: number;
  @ApiProperty({ type: MoneyDto }) overageCost: MoneyDto;
}

/** Calls recorded after the close: the figures now, beside the unchanged statement. */
export class RestatementDto extends UsageFiguresDto {
  @ApiProperty({ type: RestatementDifferenceDto }) difference: RestatementDifferenceDto;
}
