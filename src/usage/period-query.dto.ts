import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

export class PeriodQueryDto {
  @ApiPropertyOptional({
    example: '2026-11',
    description: 'YYYY-MM: the local month the period starts in. Default: the open period.',
  })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}$/, { message: 'period must be YYYY-MM' })
  period?: string;
}
