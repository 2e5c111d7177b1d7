import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { ROLES, Role } from '../api-key.entity';

const NAME = { message: 'must be a name of 1 to 200 characters, such as "reporting script"' };

export class CreateApiKeyDto {
  @ApiProperty({ example: 'reporting script' })
  @IsString(NAME)
  @IsNotEmpty(NAME)
  @MaxLength(200, NAME)
  name: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES, { message: `must be one of ${ROLES.map((r) => `"${r}"`).join(', ')}` })
  role: Role;

  @ApiPropertyOptional({ description: 'Required for role client: the app the key may call the gateway for.' })
  @IsOptional()
  @IsUUID(undefined, { message: 'must be the id (a UUID) of the app a client key may call for' })
  appId?: string;
}
