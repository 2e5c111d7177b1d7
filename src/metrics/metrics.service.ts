import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CallOutcome } from '../ledger/ledger.types';
import { MetricsRepository } from './metrics.repository';

/** Node's own figures (memory, CPU, event loop, GC) belong to the process, so one registry serves every app in it. */
let processRegistry: Registry | null = null;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

type CallLabels = 'endpoint' | 'outcome' | 'status_class';

/**
 * Prometheus metrics. The gateway's two hooks (`callCompleted`, `ledgerFailed`) run on every
 * call, so they only bump pre-resolved children of counters and histograms; label values are
 * bounded (3 endpoints, 4 outcomes, 5 status classes). Usage per contract is read from the
 * counter rows at scrape time instead of being tracked in memory, so every instance reports
 * the same, exact figures.
 */
@Injectable()
export class MetricsService {
  private readonly logger = new Logger('Metrics');
  private readonly registry = new Registry();
  private readonly calls = new Counter<CallLabels>({
    name: 'handlemeter_gateway_calls_total',
    help: 'Gateway calls sent to X, by endpoint, outcome (answered, timeout, unreachable, failed) and X status class (2xx..5xx, none)',
    labelNames: ['endpoint', 'outcome', 'status_class'],
    registers: [this.registry],
  });
  private readonly latency = new Histogram<'endpoint'>({
    name: 'handlemeter_upstream_latency_seconds',
    help: 'How long X took to answer a call (answered calls only)',
    labelNames: ['endpoint'],
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly ledgerFailures = new Counter({
    name: 'handlemeter_ledger_failures_total',
    help: 'Calls refused with 503 LEDGER_UNAVAILABLE because the write-ahead record could not be committed (never sent to X)',
    registers: [this.registry],
  });
  private readonly periodLabels = ['contract_id', 'period'] as const;
  private readonly uniqueHandles = this.periodGauge(
    'handlemeter_unique_handles',
    "Unique handles in each contract's open period, by the contract's count policy (the billed figure)",
  );
  private readonly attemptedHandles = this.periodGauge(
    'handlemeter_attempted_handles',
    "Handles with a call sent to X in each contract's open period",
  );
  private readonly confirmedHandles = this.periodGauge(
    'handlemeter_confirmed_handles',
    "Handles X answered with 2xx in each contract's open period",
  );
  private readonly allowance = this.periodGauge(
    'handlemeter_handle_allowance',
    "Each contract's handle allowance for its open period",
  );
  private readonly databaseUp = new Gauge({
    name: 'handlemeter_database_up',
    help: '1 when this scrape could read the usage figures from PostgreSQL, else 0 (and the per-contract series are absent)',
    registers: [this.registry],
  });
  private readonly callChildren = new Map<string, Counter.Internal>();
  private readonly latencyChildren = new Map<string, Histogram.Internal<'endpoint'>>();

  constructor(private readonly repo: MetricsRepository) {}

  /** Hot path: once per call sent to X, when its outcome is known. */
  callCompleted(o: CallOutcome): void {
    const endpoint = o.call.endpoint;
    const statusClass = o.status === null ? 'none' : `${Math.floor(o.status / 100)}xx`;
    const key = `${endpoint}|${o.outcome}|${statusClass}`;
    let child = this.callChildren.get(key);
    if (!child) this.callChildren.set(key, (child = this.calls.labels(endpoint, o.outcome, statusClass)));
    child.inc();
    if (o.outcome !== 'answered') return;
    let h = this.latencyChildren.get(endpoint);
    if (!h) this.latencyChildren.set(endpoint, (h = this.latency.labels(endpoint)));
    h.observe(o.latencyMs / 1000);
  }

  /** Hot path: a write-ahead that could not be committed. */
  ledgerFailed(): void {
    this.ledgerFailures.inc();
  }

  /** The exposition text: this app's metrics, the open periods read now, and the process's. */
  async scrape(): Promise<string> {
    for (const g of [this.uniqueHandles, this.attemptedHandles, this.confirmedHandles, this.allowance]) g.reset();
    try {
      for (const r of await this.repo.openPeriods()) {
        const labels = { contract_id: r.contract_id, period: r.period_key };
        this.uniqueHandles.set(labels, r.count_policy === 'confirmed' ? r.confirmed_handles : r.attempted_handles);
        this.attemptedHandles.set(labels, r.attempted_handles);
        this.confirmedHandles.set(labels, r.confirmed_handles);
        this.allowance.set(labels, r.handle_allowance);
      }
      this.databaseUp.set(1);
    } catch (e) {
      this.logger.warn(`usage figures left out of this scrape: ${(e as Error).message}`);
      this.databaseUp.set(0);
    }
    return (await this.registry.metrics()) + (await processMetrics().metrics());
  }

  private periodGauge(name: string, help: string): Gauge<'contract_id' | 'period'> {
    return new Gauge({ name, help, labelNames: this.periodLabels, registers: [this.registry] });
  }
}
