import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { HasAtMostDecimals, IsHandleCount, IsNestedObject } from '../../common/validation';
import { CountPolicy, Enforcement } from '../contract.entity';

// One phrase per field, on each of its rules: a field that breaks several still reads as one sentence (common/validation.ts).
const AMOUNT = { message: 'must be a decimal string with at most two decimals, such as "12.50" (not a number)' };
const CURRENCY = { message: 'must be a three-letter ISO 4217 code such as "USD"' };
const EMAILS = { message: 'must be a list of up to 50 distinct email addresses, such as ["finance@example.com"]' };
const NAME = { message: 'must be a name of 1 to 200 characters' };
const ALLOWANCE = { message: 'must be a whole number of handles from 0 to 100,000,000, such as 500' };
const PRICE = { message: 'must be an object such as {"amount": "12.50", "currency": "USD"}' };
const TIMEZONE = { message: 'must be an IANA time zone name such as "UTC" or "America/New_York"' };
const BILLING_DAY = { message: 'must be a whole number from 1 to 28: the day of the month each period starts' };
const THRESHOLDS = {
  message:
    'must be a list of up to 20 distinct fractions of the allowance from 0.01 to 10, at most 4 decimals, such as [0.8, 0.9, 1.0]',
};
const NOTIFY = { message: 'must be an object such as {"emails": ["finance@example.com"], "webhookUrl": null}' };

export class MoneyDto {
  @ApiProperty({ example: '12.50', description: 'Decimal string, at most two decimals. Never a number.' })
  @IsString(AMOUNT)
  @Matches(/^\d{1,15}(\.\d{1,2})?$/, AMOUNT)
  amount: string;

  @ApiProperty({ example: 'USD' })
  @IsString(CURRENCY)
  @Matches(/^[A-Z]{3}$/, CURRENCY)
  currency: string;
}

export class NotifyDto {
  @ApiPropertyOptional({ type: [String], example: ['finance@example.com'] })
  @IsOptional()
  @IsArray(EMAILS)
  @ArrayMaxSize(50, EMAILS)
  @ArrayUnique(EMAILS)
  @IsEmail({}, { each: true, ...EMAILS })
  emails?: string[];

  @ApiPropertyOptional({ type: String, nullable: true, example: 'https://hooks.slack.com/services/…' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'must be an http or https URL such as "https://hooks.slack.com/services/…"' },
  )
  webhookUrl?: string | null;
}

export class CreateContractDto {
  @ApiProperty({ example: 'Acme' })
  @IsString(NAME)
  @IsNotEmpty(NAME)
  @MaxLength(200, NAME)
  name: string;

  @ApiProperty({ example: 500, description: 'Unique handles per billing period included in the contract.' })
  @IsHandleCount(ALLOWANCE)
  handleAllowance: number;

  @ApiProperty({ type: MoneyDto, description: 'Price of each handle over the allowance.' })
  @IsNestedObject(() => MoneyDto, PRICE)
  overagePrice: MoneyDto;

  @ApiPropertyOptional({ example: 'UTC', default: 'UTC', description: 'IANA time zone the billing periods follow.' })
  @IsOptional()
  @IsString(TIMEZONE)
  @MaxLength(64, TIMEZONE)
  timezone?: string;

  @ApiPropertyOptional({ example: 1, default: 1, minimum: 1, maximum: 28 })
  @IsOptional()
  @IsInt(BILLING_DAY)
  @Min(1, BILLING_DAY)
  @Max(28, BILLING_DAY)
  billingDay?: number;

  @ApiPropertyOptional({ enum: ['attempted', 'confirmed'], default: 'attempted' })
  @IsOptional()
  @IsIn(['attempted', 'confirmed'], {
    message: 'must be "attempted" (every call sent to X counts) or "confirmed" (only calls X answered 2xx)',
  })
  countPolicy?: CountPolicy;

  @ApiPropertyOptional({ enum: ['track', 'block'], default: 'track' })
  @IsOptional()
  @IsIn(['track', 'block'], {
    message: 'must be "track" (count only) or "block" (refuse new handles once the allowance is used up)',
  })
  enforcement?: Enforcement;

  @ApiPropertyOptional({
    type: [Number],
    example: [0.8, 0.9, 1.0],
    description: 'Fractions of the allowance that raise an alert.',
  })
  @IsOptional()
  @IsArray(THRESHOLDS)
  @ArrayMaxSize(20, THRESHOLDS)
  @ArrayUnique(THRESHOLDS)
  @HasAtMostDecimals(4, { each: true, ...THRESHOLDS })
  @Min(0.01, { each: true, ...THRESHOLDS })
  @Max(10, { each: true, ...THRESHOLDS })
  alertThresholds?: number[];

  @ApiPropertyOptional({ type: NotifyDto })
  @IsOptional()
  @IsNestedObject(() => NotifyDto, NOTIFY)
  notify?: NotifyDto;
}

export class UpdateContractDto extends PartialType(CreateContractDto) {}
