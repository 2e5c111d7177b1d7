import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { ROLES, Role } from '../api-key.entity';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'reporting script' })
  @IsString() @IsNotEmpty() @MaxLength(200)
  name: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;

  @ApiPropertyOptional({ description: 'Required for role client: the app the key may call the gateway for.' })
  @IsOptional() @IsUUID()
  appId?: string;
}
