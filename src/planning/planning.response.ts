import { ApiProperty } from '@nestjs/swagger';
import { MoneyDto } from '../contracts/dto/contract.dto';

/** What a batch over these handles would cost now (POST /contracts/:id/preflight). */
export class PreflightDto {
  @ApiProperty({ example: '2026-11' }) period: string;
  @ApiProperty({ description: 'Distinct handles asked about: alreadyCounted + new + notRegistered.' }) handles: number;
  @ApiProperty() alreadyCounted: number;
  @ApiProperty() new: number;
  @ApiProperty({ type: [String] }) notRegistered: string[];
  @ApiProperty() overageHandles: number;
  @ApiProperty({ type: MoneyDto }) overageCost: MoneyDto;
  @ApiProperty({ description: 'Enforcement block: new handles past the allowance that would be refused.' })
  blockedHandles: number;
  @ApiProperty() remainingAfter: number;
}

export class PlanPeriodDto {
  @ApiProperty({ example: '2026-10' }) period: string;
  @ApiProperty() uniqueHandles: number;
  @ApiProperty({ description: 'true for the open period: its projection, not a closed count.' }) projected: boolean;
}

export class PlanOptionDto {
  @ApiProperty() allowance: number;
  @ApiProperty() overageHandles: number;
  @ApiProperty({ type: MoneyDto }) overageCost: MoneyDto;
}

/** Renewal planning (GET /contracts/:id/plan). */
export class PlanDto {
  @ApiProperty({ type: [PlanPeriodDto] }) periods: PlanPeriodDto[];
  @ApiProperty({ type: [PlanOptionDto] }) options: PlanOptionDto[];
}
