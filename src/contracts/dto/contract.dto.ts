import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayUnique, IsArray, IsEmail, IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString,
  IsUrl, Matches, Max, MaxLength, Min, ValidateIf, ValidateNested,
} from 'class-validator';
import { HasAtMostDecimals } from '../../common/validation';
import { CountPolicy, Enforcement } from '../contract.entity';

export class MoneyDto {
  @ApiProperty({ example: '12.50', description: 'Decimal string, at most two decimals. Never a number.' })
  @IsString() @Matches(/^\d{1,15}(\.\d{1,2})?$/, { message: 'amount must be a decimal string such as "12.50"' })
  amount: string;

  @ApiProperty({ example: 'USD' })
  @IsString() @Matches(/^[A-Z]{3}$/, { message: 'currency must be a three-letter ISO 4217 code such as "USD"' })
  currency: string;
}

export class NotifyDto {
  @ApiPropertyOptional({ type: [String], example: ['finance@example.com'] })
  @IsOptional() @IsArray() @ArrayMaxSize(50) @ArrayUnique() @IsEmail({}, { each: true })
  emails?: string[];

  @ApiPropertyOptional({ type: String, nullable: true, example: 'https://hooks.slack.com/services/…' })
  @IsOptional() @ValidateIf((_, v) => v !== null)
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }, { message: 'webhookUrl must be an http(s) URL' })
  webhookUrl?: string | null;
}

export class CreateContractDto {
  @ApiProperty({ example: 'Acme' })
  @IsString() @IsNotEmpty() @MaxLength(200)
  name: string;

  @ApiProperty({ example: 500, description: 'Unique handles per billing period included in the contract.' })
  @IsInt() @Min(0) @Max(100_000_000)
  handleAllowance: number;

  @ApiProperty({ type: MoneyDto, description: 'Price of each handle over the allowance.' })
  // IsObject: ValidateNested alone lets an array through (it checks each element: none for []).
  @IsObject() @ValidateNested() @Type(() => MoneyDto)
  overagePrice: MoneyDto;

  @ApiPropertyOptional({ example: 'UTC', default: 'UTC', description: 'IANA time zone the billing periods follow.' })
  @IsOptional() @IsString() @MaxLength(64)
  timezone?: string;

  @ApiPropertyOptional({ example: 1, default: 1, minimum: 1, maximum: 28 })
  @IsOptional() @IsInt() @Min(1) @Max(28)
  billingDay?: number;

  @ApiPropertyOptional({ enum: ['attempted', 'confirmed'], default: 'attempted' })
  @IsOptional() @IsIn(['attempted', 'confirmed'])
  countPolicy?: CountPolicy;

  @ApiPropertyOptional({ enum: ['track', 'block'], default: 'track' })
  @IsOptional() @IsIn(['track', 'block'])
  enforcement?: Enforcement;

  @ApiPropertyOptional({ type: [Number], example: [0.8, 0.9, 1.0], description: 'Fractions of the allowance that raise an alert.' })
  @IsOptional() @IsArray() @ArrayMaxSize(20) @ArrayUnique()
  @HasAtMostDecimals(4, { each: true }) @Min(0.01, { each: true }) @Max(10, { each: true })
  alertThresholds?: number[];

  @ApiPropertyOptional({ type: NotifyDto })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => NotifyDto)
  notify?: NotifyDto;
}

export class UpdateContractDto extends PartialType(CreateContractDto) {}
