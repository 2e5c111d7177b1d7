/**
 * The README is the front door: its five-minute tour runs, verbatim, against `npm run demo`
 * (the built demo, as a child process), and every command exits 0 and prints what the README
 * says it prints. The README stays short, and no file in the repository cites one outside it.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTestDatabase } from './support/database';
import { freePort } from './support/service-process';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

export interface TourStep {
  command: string;
  expected: string[];
}

/** The `$ command` lines of the tour's ```sh blocks, each with the lines it is shown printing. */
export function tourSteps(markdown: string): TourStep[] {
  const start = markdown.indexOf('## A five-minute tour');
  if (start < 0) throw new Error('README.md has no "## A five-minute tour" section');
  const end = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  const steps: TourStep[] = [];
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of block[1].split('\n').filter((l) => l !== '')) {
      if (line.startsWith('$ ')) steps.push({ command: line.slice(2), expected: [] });
      else if (steps.length) steps[steps.length - 1].expected.push(line);
      else throw new Error(`a tour block starts with output, not a command: ${line}`);
    }
  }
  return steps;
}

/** `…` in the README stands for what differs from run to run. */
function matches(expected: string, actual: string): boolean {
  const pattern = expected
    .split('…')
    .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*?');
  return new RegExp(`^${pattern}$`).test(actual);
}

describe('README', () => {
  it('is a front door of at most 250 lines', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(250);
  });

  it('links only to files that exist, and no file in the repository cites one outside it', () => {
    for (const doc of ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)]) {
      const text = fs.readFileSync(path.join(ROOT, doc), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        expect({ doc, target, exists: fs.existsSync(path.resolve(ROOT, path.dirname(doc), target)) }).toEqual({
          doc,
          target,
          exists: true,
        });
      }
    }
    const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    const outside = tracked.filter(
      (f) =>
        fs.existsSync(path.join(ROOT, f)) &&
        /\/work\/shared|\.\.\/shared\//.test(fs.readFileSync(path.join(ROOT, f), 'utf8')),
    );
    expect(outside).toEqual([]);
  });

  describe('the five-minute tour, against the demo', () => {
    const steps = tourSteps(README);
    let demo: ChildProcess;
    const demoOutput: string[] = [];
    let dir: string;
    let drop: () => Promise<void>;

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handlemeter-tour-'));
      const db = await createTestDatabase();
      drop = db.drop;
      const port = await freePort();
      demo = spawn(process.execPath, [path.join(ROOT, 'dist/src/dev/demo.js')], {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_PATH: path.join(ROOT, 'node_modules'),
          PORT: String(port),
          DATA_DIR: path.join(dir, '.data'),
          DATABASE_URL: db.url,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      for (const s of [demo.stdout!, demo.stderr!]) s.on('data', (d: Buffer) => demoOutput.push(d.toString()));
      const deadline = Date.now() + 120_000;
      while (!demoOutput.join('').includes('Stop with Ctrl-C')) {
        if (demo.exitCode !== null || Date.now() > deadline)
          throw new Error(`the demo did not start:\n${demoOutput.join('')}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    });

    afterAll(async () => {
      if (demo && demo.exitCode === null) {
        const exited = new Promise((r) => demo.once('exit', r));
        demo.kill('SIGTERM');
        await exited;
      }
      await drop?.();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('has the steps a newcomer needs', () => {
      const all = steps.map((s) => s.command).join('\n');
      for (const path of [
        '/insights/engagement/totals',
        '/usage',
        '/periods',
        '/statements/',
        '/reconciliations',
        '/alerts',
        '/contracts -H',
        '/apps/',
        '/api-keys',
        '/preflight',
        '/plan',
        '/handles/connect',
      ]) {
        expect(all).toContain(path);
      }
    });

    it('shows the decisions before spending: a preflight, the renewal plan and a link to connect a handle', () => {
      const printed = demoOutput.join('');
      expect(printed).toMatch(/Preflight of \[.*\]: 3 already counted, 0 new, not registered \["@someone_else"\]/);
      expect(printed).toMatch(/Renewal plan, .*: 3: USD [\d.]+, 4: USD [\d.]+, 5: USD [\d.]+/);
      expect(printed).toMatch(
        /Connect @acme_devs .*\n +http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?oauth_token=\S+\n/,
      );
    });

    it('runs: every command exits 0 and prints what the README shows', () => {
      // One shell for the whole tour, as a person would run it; a marker after each command carries its exit code.
      const script = [
        'set -o pipefail',
        ...steps.flatMap((s, i) => [s.command, `printf '\\n@@tour-step %d %d\\n' ${i} $?`]),
      ].join('\n');
      const run = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
      const outputs = run.stdout.split(/\n?@@tour-step \d+ (\d+)\n/);
      const results = steps.map((step, i) => ({
        command: step.command,
        exitCode: Number(outputs[i * 2 + 1]),
        printed: outputs[i * 2].split('\n').filter((l) => l !== ''),
      }));
      for (const [i, r] of results.entries()) {
        const shown = steps[i].expected;
        const ok =
          r.exitCode === 0 && r.printed.length === shown.length && shown.every((e, j) => matches(e, r.printed[j]));
        if (!ok)
          throw new Error(
            `tour step ${i + 1} failed:\n$ ${r.command}\nexit code ${r.exitCode}; printed:\n${r.printed.join('\n')}\nthe README shows:\n${shown.join('\n')}\nstderr:\n${run.stderr}`,
          );
      }
      expect(results).toHaveLength(steps.length);
    });
  });
});
