import { ApiProperty } from '@nestjs/swagger';

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'analytics' }) name: string;
  @ApiProperty({ enum: ['admin', 'finance', 'client'] }) role: 'admin' | 'finance' | 'client';
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The app a client key is bound to.' })
  appId: string | null;
  @ApiProperty({ example: '…1ODE', description: "The key's last 4 characters." }) keyHint: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt: string | null;
}

export class CreatedApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'hm_…', description: 'The key itself: shown in this answer only, stored as a hash.' })
  key: string;
  @ApiProperty({ example: 'analytics' }) name: string;
  @ApiProperty({ enum: ['admin', 'finance', 'client'] }) role: 'admin' | 'finance' | 'client';
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) appId: string | null;
}
