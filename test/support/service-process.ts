import { ChildProcess, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import request from 'supertest';
import { ADMIN_KEY } from './test-app';

const ROOT = path.resolve(__dirname, '../..');

export interface ServiceProcessOptions {
  databaseUrl: string;
  /** X's origin (usually an XSimulator in the test process). */
  engagementApiBaseUrl: string;
  /** Shared by every instance on one database, else one cannot read the secrets another stored. Default: 32 random bytes. */
  credentialsKey?: Buffer;
  /** More variables, or overrides (SCHEDULERS defaults to `off`, as in startTestApp; NODE_ENV to `test`). */
  env?: Record<string, string>;
  /** Kept across restarts so clients keep their URL. Default: a free one. */
  port?: number;
  /**
   * The build to run: `<dist>/src/main.js`. Default HANDLEMETER_DIST or ./dist (npm test's pretest
   * builds it). A private build (tsc -p tsconfig.build.json --outDir …) keeps a run safe from
   * someone else's `nest build` deleting dist/ under it.
   */
  dist?: string;
  /** Echo the child's output as it comes (also SERVICE_VERBOSE=1). */
  verbose?: boolean;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * The real service as a child process (`node dist/src/main.js`): start it with an environment,
 * wait for /health, kill it with any signal, restart it on the same database and port. Its
 * stdout and stderr are captured (and always drained: a child blocked on a full pipe would look hung).
 */
export class ServiceProcess {
  readonly url: string;
  readonly adminKey = ADMIN_KEY;
  /** Every line the child printed, across restarts, prefixed `out: ` or `err: `. */
  readonly output: string[] = [];
  private child: ChildProcess | null = null;
  private exit: Promise<Exit> = Promise.resolve({ code: null, signal: null });
  private readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'handlemeter-svc-'));
  private readonly main: string;

  private constructor(
    private readonly opts: ServiceProcessOptions,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.main = path.resolve(opts.dist ?? process.env.HANDLEMETER_DIST ?? path.join(ROOT, 'dist'), 'src/main.js');
    if (!fs.existsSync(this.main))
      throw new Error(`${this.main} does not exist: build first (npx nest build; npm test does it in pretest)`);
    opts.credentialsKey ??= crypto.randomBytes(32);
  }

  /** Spawns the service and resolves once /health answers 200. */
  static async start(opts: ServiceProcessOptions, healthTimeoutMs = 60_000): Promise<ServiceProcess> {
    const svc = await ServiceProcess.spawn(opts);
    await svc.waitForHealth(healthTimeoutMs);
    return svc;
  }

  /** Spawns the service without waiting for it to be up (to kill it while it starts, say). */
  static async spawn(opts: ServiceProcessOptions): Promise<ServiceProcess> {
    const svc = new ServiceProcess(opts, opts.port ?? (await freePort()));
    svc.spawn();
    return svc;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Resolves when the current child exits (at once when none is running). */
  get exited(): Promise<Exit> {
    return this.exit;
  }

  http(): ReturnType<typeof request> {
    return request(this.url);
  }

  /** (Re)spawns the service with the same environment, database and port; resolves once /health answers 200. */
  async restart(healthTimeoutMs = 60_000): Promise<void> {
    this.spawn();
    await this.waitForHealth(healthTimeoutMs);
  }

  /** Spawns the service and returns at once (to kill it while it starts, say); waitForHealth() waits for it. */
  spawn(): void {
    if (this.running) throw new Error('the service is still running: kill() or stop() it first');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      // The build lives outside node_modules' tree when `dist` points elsewhere.
      NODE_PATH: path.join(ROOT, 'node_modules'),
      NODE_ENV: 'test',
      SCHEDULERS: 'off',
      DATABASE_URL: this.opts.databaseUrl,
      ENGAGEMENT_API_BASE_URL: this.opts.engagementApiBaseUrl,
      ADMIN_API_KEY: this.adminKey,
      CREDENTIALS_KEY: this.opts.credentialsKey!.toString('base64'),
      PORT: String(this.port),
      DATA_DIR: this.dataDir,
      ...this.opts.env,
    };
    // cwd is the private data dir, so no developer's .env is read by accident.
    const child = spawn(process.execPath, [this.main], { cwd: this.dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const verbose = this.opts.verbose ?? process.env.SERVICE_VERBOSE === '1';
    for (const [stream, label] of [
      [child.stdout, 'out'],
      [child.stderr, 'err'],
    ] as const) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        this.output.push(`${label}: ${line}`);
        if (verbose) process.stderr.write(`[service ${child.pid}] ${line}\n`);
      });
    }
  }

  /** Polls GET /health until it answers 200; fails (with the child's last output) if the child exits or time runs out. */
  async waitForHealth(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw this.failure('exited before /health answered 200');
      const ok = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(5000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw this.failure(`did not answer 200 on /health within ${timeoutMs} ms`);
  }

  /** Sends `signal` (default SIGKILL: a crash, nothing runs on the way out) and resolves when the child has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (this.running) this.child!.kill(signal);
    return this.exit;
  }

  /** SIGTERM (a deploy), then SIGKILL if it has not exited within `timeoutMs`. */
  async stop(timeoutMs = 20_000): Promise<Exit> {
    if (!this.running) return this.exit;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    const exit = await this.exit;
    clearTimeout(timer);
    return exit;
  }

  /** stop(), then removes the data dir. The database is the caller's. */
  async close(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** The last `n` lines the child printed, for failure messages. */
  tail(n = 50): string {
    return this.output.slice(-n).join('\n  ') || '(no output)';
  }

  private failure(what: string): Error {
    return new Error(`the service (${this.main}) ${what}. Its last output:\n  ${this.tail()}`);
  }
}

/** A port nobody listens on right now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
