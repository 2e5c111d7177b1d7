import { IsOptional, IsString, MaxLength } from 'class-validator';

/** The sign-in form (application/x-www-form-urlencoded). */
export class SignInDto {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  key?: string;

  /** The dashboard page to return to; anything else is ignored. */
  @IsOptional()
  @IsString()
  @MaxLength(300)
  next?: string;
}
