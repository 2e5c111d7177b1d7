import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class CreateAppDto {
  @ApiProperty({ example: 'analytics-prod' })
  @IsString() @IsNotEmpty() @MaxLength(200)
  name: string;

  @ApiProperty({ description: "The X app's consumer (API) key." })
  @IsString() @Matches(/^[\x21-\x7e]{1,200}$/, { message: 'consumerKey must be 1-200 printable characters without spaces' })
  consumerKey: string;

  @ApiProperty({ description: 'Stored encrypted; never returned.' })
  @IsString() @IsNotEmpty() @MaxLength(500)
  consumerSecret: string;

  @ApiPropertyOptional({ description: 'App-only bearer token for public /totals calls. Stored encrypted; never returned.' })
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(2000)
  bearerToken?: string;
}
