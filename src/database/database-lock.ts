/**
 * Every PostgreSQL advisory lock the service takes, in one place so that no two features pick
 * the same number. The values are arbitrary but fixed: every instance on a database must agree,
 * so never renumber one (a rolling deploy would run old and new side by side).
 */
export enum DatabaseLock {
  /** Session lock: one instance applies migrations while the others wait (database/migrate.ts). */
  Migrations = 7_112_001,
  /** Transaction lock: the "no admin key yet" check at start-up (auth). */
  AdminKeyBootstrap = 7_112_002,
  /** Transaction lock class, keyed by contract and period: one instance closes a period (billing). */
  PeriodClose = 7_112_003,
  /** Transaction lock class, keyed by contract: one slice of the contract's usage imports at a time (ledger). */
  UsageImport = 7_112_004,
}
