/**
 * Runs the X simulator in its own process (demo, benchmarks, tests that want a separate upstream).
 *
 *   node dist/src/dev/x-simulator.main.js sim.json      # or: SIMULATOR_CONFIG='{"apps":[...]}' node ...
 *
 * The config is SimulatorOptions plus the initial Tweet sets and behaviour. The one stdout line
 * `{"url":"http://127.0.0.1:PORT"}` is the readiness signal a parent process waits for, so nothing
 * else is ever written to stdout.
 */
import { readFileSync } from 'node:fs';
import { SimBehaviour, SimulatorOptions, XSimulator } from './x-simulator';

interface SimulatorConfig extends SimulatorOptions {
  unownedTweetIds?: string[];
  protectedTweetIds?: string[];
  deletedTweetIds?: string[];
  behaviour?: Partial<SimBehaviour>;
}

function readConfig(): SimulatorConfig {
  const file = process.argv[2];
  const text = file ? readFileSync(file, 'utf8') : process.env.SIMULATOR_CONFIG;
  if (!text) throw new Error('pass a JSON config file as the first argument or a JSON string in SIMULATOR_CONFIG');
  const config: unknown = JSON.parse(text);
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new Error('the config must be a JSON object');
  return config;
}

async function main(): Promise<void> {
  const config = readConfig();
  const sim = await XSimulator.start(config);
  for (const id of config.unownedTweetIds ?? []) sim.unownedTweetIds.add(id);
  for (const id of config.protectedTweetIds ?? []) sim.protectedTweetIds.add(id);
  for (const id of config.deletedTweetIds ?? []) sim.deletedTweetIds.add(id);
  Object.assign(sim.behaviour, config.behaviour);
  const shutdown = (): void => {
    sim.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  process.stdout.write(`${JSON.stringify({ url: sim.url })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`x-simulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
