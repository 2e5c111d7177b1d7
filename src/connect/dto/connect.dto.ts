import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';

export class StartConnectDto {
  @ApiPropertyOptional({
    enum: ['oob'],
    description:
      'Leave out to have X send the owner back to GET /oauth/callback; "oob" for a PIN the owner reads on X.',
  })
  @IsOptional()
  @IsIn(['oob'], { message: 'callback must be "oob" or left out' })
  callback?: 'oob';
}

export class ConnectPinDto {
  @ApiProperty({ example: '4827391', description: 'The PIN X showed the handle’s owner after approving.' })
  @IsString()
  @Matches(/^[A-Za-z0-9]{1,64}$/, { message: 'pin must be the digits (or letters) X showed, at most 64' })
  pin: string;
}

const TOKEN = /^[\x21-\x7e]{1,200}$/;

/** X's redirect to the callback. */
export class OAuthCallbackQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(TOKEN) oauth_token?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(TOKEN) oauth_verifier?: string;
  @ApiPropertyOptional({ description: 'X sends this instead when the owner declined.' })
  @IsOptional()
  @IsString()
  @Matches(TOKEN)
  denied?: string;
}
