import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { IsHandleCount, IsNestedObject } from '../../common/validation';
import { MoneyDto } from '../../contracts/dto/contract.dto';

const INVOICED = { message: "must be the whole number of unique handles on X's invoice, from 0 to 100,000,000" };
const AMOUNT = { message: 'must be an object such as {"amount": "475.00", "currency": "USD"}' };

export class CreateReconciliationDto {
  @ApiProperty({ example: '2026-10', description: 'The period X invoiced: YYYY-MM.' })
  @Matches(/^\d{4}-\d{2}$/, { message: 'must be the period X invoiced as YYYY-MM, such as "2026-10"' })
  period: string;

  @ApiProperty({ example: 538, description: "Unique handles on X's invoice." })
  @IsHandleCount(INVOICED)
  invoicedHandles: number;

  @ApiPropertyOptional({ type: MoneyDto, description: "The overage amount on X's invoice." })
  @IsOptional()
  @IsNestedObject(() => MoneyDto, AMOUNT)
  invoicedAmount?: MoneyDto;
}
