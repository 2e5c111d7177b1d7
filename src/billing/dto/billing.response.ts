import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MoneyDto } from '../../contracts/dto/contract.dto';
import { PeriodRefDto, RestatementDto, UsageFiguresDto } from './period-figures.response';

export class PeriodSummaryDto extends UsageFiguresDto {
  @ApiProperty({ example: '2026-11' }) key: string;
  @ApiProperty({ format: 'date-time' }) start: string;
  @ApiProperty({ format: 'date-time' }) end: string;
  @ApiProperty() closed: boolean;
  @ApiPropertyOptional({ format: 'date-time' }) closedAt?: string;
  @ApiPropertyOptional({ type: RestatementDto, nullable: true }) restatement?: RestatementDto | null;
}

export class StatementDto extends UsageFiguresDto {
  @ApiProperty({ format: 'uuid' }) contractId: string;
  @ApiProperty({ type: PeriodRefDto }) period: PeriodRefDto;
  @ApiProperty({ format: 'date-time' }) closedAt: string;
  @ApiProperty({
    type: RestatementDto,
    nullable: true,
    description: 'Calls recorded after the close; the statement itself never changes.',
  })
  restatement: RestatementDto | null;
}

export class ClosedPeriodDto {
  @ApiProperty({ format: 'uuid' }) contractId: string;
  @ApiProperty({ example: '2026-11' }) period: string;
}

export class ClosePeriodsResultDto {
  @ApiProperty({ type: [ClosedPeriodDto] }) closed: ClosedPeriodDto[];
}

export class ImportResultDto {
  @ApiProperty({ example: 1200 }) imported: number;
  @ApiProperty({ example: 3, description: 'Calls already imported (same id), left unchanged.' }) duplicates: number;
}

export class ReconciliationCountsDto {
  @ApiProperty() attempted: number;
  @ApiProperty() confirmed: number;
  @ApiProperty({ enum: ['attempted', 'confirmed'] }) countPolicy: 'attempted' | 'confirmed';
  @ApiProperty({ description: 'Our count had the period been the UTC calendar month.' }) utcCalendarMonth: number;
}

export class ReconciliationReviewDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'How many handles fall under each reason to review.',
  })
  totals: Record<string, number>;
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'The handles worth a look, each with its reasons.',
  })
  handles: Record<string, unknown>[];
  @ApiProperty({ example: 'X counts 1 more handles than handlemeter.' }) summary: string;
}

export class ReconciliationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) contractId: string;
  @ApiProperty({ type: PeriodRefDto }) period: PeriodRefDto;
  @ApiProperty({
    enum: ['statement', 'live'],
    description: 'What our side is: the statement of a closed period, or the live count.',
  })
  basis: string;
  @ApiProperty() ourHandles: number;
  @ApiProperty() invoicedHandles: number;
  @ApiProperty({ description: 'invoicedHandles − ourHandles.' }) difference: number;
  @ApiProperty() matches: boolean;
  @ApiProperty({ type: ReconciliationCountsDto }) counts: ReconciliationCountsDto;
  @ApiProperty({ type: ReconciliationReviewDto }) review: ReconciliationReviewDto;
  @ApiProperty({ type: MoneyDto }) ourAmount: MoneyDto;
  @ApiPropertyOptional({ type: MoneyDto, nullable: true }) invoicedAmount?: MoneyDto | null;
  @ApiPropertyOptional({ type: MoneyDto, nullable: true }) amountDifference?: MoneyDto | null;
  @ApiPropertyOptional({
    type: MoneyDto,
    nullable: true,
    description: 'What the invoiced handle count should cost at the contract price.',
  })
  expectedAmountForInvoicedHandles?: MoneyDto | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'uuid', description: 'The API key that created it.' }) createdBy: string;
}
