import { IsOptional, IsString, MaxLength } from 'class-validator';

/** The reconciliation form (application/x-www-form-urlencoded): strings, checked by the service as the API's body is. */
export class ReconcileFormDto {
  @IsString()
  @MaxLength(20)
  period: string;

  @IsString()
  @MaxLength(20)
  invoicedHandles: string;

  @IsOptional()
  @IsString()
  @MaxLength(40)
  invoicedAmount?: string;
}
