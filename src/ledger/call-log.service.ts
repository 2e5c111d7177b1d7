import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** Months of partitions kept ready ahead of the current one, so a call is never refused for want of one. */
const MONTHS_AHEAD = 2;

/**
 * The call log's monthly partitions (migrations/1764170001000-PartitionCallLog.ts): created ahead
 * of need, and dropped past CALL_LOG_RETENTION_MONTHS once every period they hold calls of is
 * closed into its statement. Statements, their frozen handle sets, the periods' handle sets and
 * the ledger's aggregates are kept forever: nothing billed or shown is read from the raw log.
 */
@Injectable()
export class CallLogService implements OnApplicationBootstrap {
  private readonly logger = new Logger('CallLog');

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** At start-up too, so an instance that runs no scheduler still finds this month's partition. */
  async onApplicationBootstrap(): Promise<void> {
    await this.createAhead();
  }

  /** Creates the partitions of this month and the next ones where missing; returns the ones created. */
  async createAhead(now = new Date()): Promise<string[]> {
    const first = DateTime.fromJSDate(now, { zone: 'utc' }).startOf('month');
    const months = Array.from({ length: MONTHS_AHEAD + 1 }, (_, i) => first.plus({ months: i }).toISODate()!);
    const rows = await this.ds.query<EnsuredPartitionRow[]>(
      `SELECT to_char(m, 'YYYY_MM') AS m, call_log_ensure_partition(m) AS created FROM unnest($1::date[]) AS m`,
      [months],
    );
    return rows.filter((r) => r.created).map((r) => `calls_${r.m}`);
  }

  /**
   * Drops each month that ended more than CALL_LOG_RETENTION_MONTHS months before the current one
   * and whose periods are all closed. DETACH ... CONCURRENTLY takes no lock that blocks the
   * gateway's inserts into the current month; the detached table is then dropped on its own.
   */
  async dropExpired(now = new Date()): Promise<string[]> {
    const keepFrom = DateTime.fromJSDate(now, { zone: 'utc' })
      .startOf('month')
      .minus({ months: this.config.callLogRetentionMonths });
    const dropped: string[] = [];
    for (const p of await this.partitions()) {
      if (p.to.getTime() > keepFrom.toMillis()) continue;
      if (!(await this.allClosed(p.from, p.to))) {
        this.logger.warn(`${p.name} is past retention but holds calls of a period not yet closed: kept until it is`);
        continue;
      }
      await this.ds.query(`ALTER TABLE calls DETACH PARTITION ${quoteIdent(p.name)} CONCURRENTLY`);
      await this.ds.query(`DROP TABLE ${quoteIdent(p.name)}`);
      this.logger.log(
        `dropped ${p.name} (calls of ${p.from.toISOString().slice(0, 7)}, past ${this.config.callLogRetentionMonths} months)`,
      );
      dropped.push(p.name);
    }
    return dropped;
  }

  /** The call log's partitions with their month bounds, oldest first. */
  async partitions(): Promise<{ name: string; from: Date; to: Date }[]> {
    const rows = await this.ds.query<PartitionRow[]>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'calls'::regclass AND c.relname ~ '^calls_[0-9]{4}_[0-9]{2}$' ORDER BY 1`,
    );
    return rows.map((r) => {
      const from = DateTime.fromFormat(r.name.slice('calls_'.length), 'yyyy_MM', { zone: 'utc' });
      return { name: r.name, from: from.toJSDate(), to: from.plus({ months: 1 }).toJSDate() };
    });
  }

  /** True when every period with calls between `from` and `to` has its statement. */
  private async allClosed(from: Date, to: Date): Promise<boolean> {
    const [r] = await this.ds.query<AllClosedRow[]>(
      `SELECT NOT EXISTS (
         SELECT 1 FROM period_counters pc
          WHERE pc.period_start < $2 AND pc.period_end > $1
            AND NOT EXISTS (SELECT 1 FROM statements s WHERE s.contract_id = pc.contract_id AND s.period_start = pc.period_start)
       ) AS closed`,
      [from, to],
    );
    return r.closed;
  }
}

/** A month (YYYY_MM) and whether its partition was made just now. */
type EnsuredPartitionRow = { m: string; created: boolean };
type PartitionRow = { name: string };
type AllClosedRow = { closed: boolean };

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}
