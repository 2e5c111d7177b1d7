import { CountPolicy } from './contract.entity';

/** The contract terms a bill depends on, as in force for one period (contract_terms keeps their history). */
export interface Terms {
  allowance: number;
  overagePriceMinor: bigint;
  currency: string;
  countPolicy: CountPolicy;
}
