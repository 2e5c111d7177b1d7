import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The one error body (docs/api.md "Errors"). */
export class ErrorBodyDto {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({
    example: 'VALIDATION_FAILED',
    description: 'Stable; clients branch on it. The table is in docs/api.md "Errors".',
  })
  code: string;

  @ApiProperty({
    example: 'tweet_ids must be an array of digit strings.',
    description: 'A sentence for people, naming the fix.',
  })
  message: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: {},
    description: 'Specifics: the bad fields, the Tweet IDs concerned, …',
  })
  details: Record<string, unknown>;

  @ApiPropertyOptional({
    type: [String],
    description: "Drop-in 401s only: X's own error text, so a client's X error handling reads it.",
  })
  errors?: string[];
}
