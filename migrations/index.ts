import { CreateLedgerSchema1763900000000 } from './1763900000000-CreateLedgerSchema';
import { CreateStatements1763910000000 } from './1763910000000-CreateStatements';
import { CreateAlertsAndOutbox1763920000000 } from './1763920000000-CreateAlertsAndOutbox';
import { CreateOAuthNonces1763930000000 } from './1763930000000-CreateOAuthNonces';
import { CreateDashboardSessions1763940000000 } from './1763940000000-CreateDashboardSessions';
import { AddStatementRosterIndex1763970000000 } from './1763970000000-AddStatementRosterIndex';
import { CreateStatementDays1763970001000 } from './1763970001000-CreateStatementDays';
import { CreateLedgerCountCalls1763990000000 } from './1763990000000-CreateLedgerCountCalls';
import { AddAppDeletion1764000012000 } from './1764000012000-AddAppDeletion';
import { SealWebhookUrls1764100000000 } from './1764100000000-SealWebhookUrls';
import { MarkBootstrapApiKeys1764100001000 } from './1764100001000-MarkBootstrapApiKeys';
import { ReturnMeteringFromLedgerCountCalls1764100000000 } from './1764100000000-ReturnMeteringFromLedgerCountCalls';
import { AddHandleRefIndexes1764160000000 } from './1764160000000-AddHandleRefIndexes';
import { CreateHandleConnections1764160001000 } from './1764160001000-CreateHandleConnections';
import { AddLedgerAggregates1764170000000 } from './1764170000000-AddLedgerAggregates';
import { PartitionCallLog1764170001000 } from './1764170001000-PartitionCallLog';
import { AddStatementChargeback1764170002000 } from './1764170002000-AddStatementChargeback';
import { CountHandlesActivePerDay1764180000000 } from './1764180000000-CountHandlesActivePerDay';
import { DropCallLogForeignKeys1764190000000 } from './1764190000000-DropCallLogForeignKeys';

/** Every migration, in order. Listed rather than globbed so ts-node, Jest and dist load the same set. */
export const MIGRATIONS = [
  CreateLedgerSchema1763900000000,
  CreateStatements1763910000000,
  CreateAlertsAndOutbox1763920000000,
  CreateOAuthNonces1763930000000,
  CreateDashboardSessions1763940000000,
  AddStatementRosterIndex1763970000000,
  CreateStatementDays1763970001000,
  CreateLedgerCountCalls1763990000000,
  AddAppDeletion1764000012000,
  SealWebhookUrls1764100000000,
  MarkBootstrapApiKeys1764100001000,
  ReturnMeteringFromLedgerCountCalls1764100000000,
  AddHandleRefIndexes1764160000000,
  CreateHandleConnections1764160001000,
  AddLedgerAggregates1764170000000,
  PartitionCallLog1764170001000,
  AddStatementChargeback1764170002000,
  CountHandlesActivePerDay1764180000000,
  DropCallLogForeignKeys1764190000000,
];
