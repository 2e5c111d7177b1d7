import { ApiProperty } from '@nestjs/swagger';

/** A link for a handle's owner to approve the app on X. */
export class ConnectLinkDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) appId: string;
  @ApiProperty({ example: 'https://api.x.com/oauth/authorize?oauth_token=…' }) authorizeUrl: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ description: '"oob" for the PIN flow, else the callback URL.' }) callback: string;
}

/** A link not used yet and not expired. */
export class PendingConnectionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) appId: string;
  @ApiProperty() appName: string;
  @ApiProperty({ format: 'uuid' }) contractId: string;
  @ApiProperty() contractName: string;
  @ApiProperty({ enum: ['oob', 'redirect'] }) callback: 'oob' | 'redirect';
  @ApiProperty() authorizeUrl: string;
}
