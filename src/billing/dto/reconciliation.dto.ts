import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional, Matches, Max, Min, ValidateNested } from 'class-validator';
import { MoneyDto } from '../../contracts/dto/contract.dto';

export class CreateReconciliationDto {
  @ApiProperty({ example: '2026-10', description: 'The period X invoiced: YYYY-MM.' })
  @Matches(/^\d{4}-\d{2}$/, { message: 'period must be YYYY-MM' })
  period: string;

  @ApiProperty({ example: 538, description: 'Unique handles on X\'s invoice.' })
  @IsInt() @Min(0) @Max(100_000_000)
  invoicedHandles: number;

  @ApiPropertyOptional({ type: MoneyDto, description: "The overage amount on X's invoice." })
  // IsObject: ValidateNested alone lets an array through.
  @IsOptional() @IsObject() @ValidateNested() @Type(() => MoneyDto)
  invoicedAmount?: MoneyDto;
}
