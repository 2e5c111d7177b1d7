import { AuditEntryEntity } from '../audit/audit-entry.entity';
import { ApiKeyEntity } from '../auth/api-key.entity';
import { AppEntity } from '../contracts/app.entity';
import { ContractEntity } from '../contracts/contract.entity';
import { HandleEntity } from '../contracts/handle.entity';

/** Tables reached through TypeORM entities; the ledger's tables are reached with plain SQL (ledger.repository.ts). */
export const ENTITIES = [ContractEntity, AppEntity, HandleEntity, ApiKeyEntity, AuditEntryEntity];
