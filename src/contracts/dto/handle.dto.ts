import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { FitsBigint } from '../../common/bigint-id';
import { IsCredential } from '../../common/validation';

const SCREEN_NAME = { message: 'must be an X screen name such as "@acme": 1 to 50 letters, digits or underscores' };
const USER_ID = { message: 'must be the numeric X user ID as a string, such as "1234"' };

export class CreateHandleDto {
  @ApiProperty({ example: '@acme' })
  @IsString(SCREEN_NAME)
  @Matches(/^@?[A-Za-z0-9_]{1,50}$/, SCREEN_NAME)
  screenName: string;

  @ApiPropertyOptional({
    example: '1234',
    description:
      'The user_id X returned with the access token. Default: the numeric part of the token before the first "-".',
  })
  @IsOptional()
  @IsString(USER_ID)
  @Matches(/^[1-9]\d{0,18}$/, USER_ID)
  @FitsBigint(USER_ID)
  userId?: string;

  @ApiProperty({ example: '1234-AbCdEf', description: 'Stored encrypted; never returned.' })
  @IsCredential("handle's access token", 500)
  accessToken: string;

  @ApiProperty({ description: 'Stored encrypted; never returned.' })
  @IsCredential("handle's access token secret", 500)
  accessTokenSecret: string;
}
