import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { FitsBigint } from '../../common/bigint-id';

export class CreateHandleDto {
  @ApiProperty({ example: '@acme' })
  @IsString() @Matches(/^@?[A-Za-z0-9_]{1,50}$/, { message: 'screenName must be an X screen name such as "@acme"' })
  screenName: string;

  @ApiPropertyOptional({ example: '1234', description: 'The user_id X returned with the access token. Default: the numeric part of the token before the first "-".' })
  @IsOptional() @IsString() @Matches(/^[1-9]\d{0,18}$/, { message: 'userId must be the numeric X user ID as a string' }) @FitsBigint()
  userId?: string;

  @ApiProperty({ example: '1234-AbCdEf…', description: 'Stored encrypted; never returned.' })
  @IsString() @IsNotEmpty() @MaxLength(500)
  accessToken: string;

  @ApiProperty({ description: 'Stored encrypted; never returned.' })
  @IsString() @IsNotEmpty() @MaxLength(500)
  accessTokenSecret: string;
}
