import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { IsCredential } from '../../common/validation';

const NAME = { message: 'must be a name of 1 to 200 characters, such as "analytics-prod"' };
const CONSUMER_KEY = {
  message: "must be the X app's consumer (API) key: 1 to 200 printable characters without spaces",
};

export class CreateAppDto {
  @ApiProperty({ example: 'analytics-prod' })
  @IsString(NAME)
  @IsNotEmpty(NAME)
  @MaxLength(200, NAME)
  name: string;

  @ApiProperty({ description: "The X app's consumer (API) key." })
  @IsString(CONSUMER_KEY)
  @Matches(/^[\x21-\x7e]{1,200}$/, CONSUMER_KEY)
  @IsCredential("X app's consumer key", 200)
  consumerKey: string;

  @ApiProperty({ description: 'Stored encrypted; never returned.' })
  @IsCredential("X app's consumer secret", 500)
  consumerSecret: string;

  @ApiPropertyOptional({
    description: 'App-only bearer token for public /totals calls. Stored encrypted; never returned.',
  })
  @IsOptional()
  @IsCredential("X app's bearer token", 2000)
  bearerToken?: string;
}

/** Rename, rotate the consumer secret or bearer token; `bearerToken: null` removes it. */
export class UpdateAppDto {
  @ApiPropertyOptional({ example: 'analytics-prod' })
  @IsOptional()
  @IsString(NAME)
  @IsNotEmpty(NAME)
  @MaxLength(200, NAME)
  name?: string;

  @ApiPropertyOptional({
    description:
      'The new consumer secret (after regenerating it in the X developer portal). Stored encrypted; never returned.',
  })
  @IsOptional()
  @IsCredential("X app's consumer secret", 500)
  consumerSecret?: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'The new bearer token, or null to remove it (app-only calls are then refused).',
  })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsCredential("X app's bearer token", 2000)
  bearerToken?: string | null;
}
