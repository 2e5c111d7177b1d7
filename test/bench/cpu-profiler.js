/**
 * A CPU profile of a process it is required into, written when the process exits:
 *
 *   BENCH_SERVICE_NODE_OPTIONS="--require $PWD/test/bench/cpu-profiler.js" npm run bench:scale
 *
 * (--cpu-prof itself is not allowed in NODE_OPTIONS.) The profile goes to CPU_PROFILE_DIR (default
 * the system's temporary directory) as service-<pid>-<start>.cpuprofile, sampled every 500 µs;
 * open it in Chrome's DevTools.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- a plain script for --require, loaded before anything else */
const fs = require('node:fs');
const inspector = require('node:inspector');
const os = require('node:os');
const path = require('node:path');

const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 500 });
session.post('Profiler.start');
const started = Date.now();
process.on('exit', () => {
  session.post('Profiler.stop', (err, result) => {
    if (err) return;
    const dir = process.env.CPU_PROFILE_DIR || os.tmpdir();
    fs.writeFileSync(path.join(dir, `service-${process.pid}-${started}.cpuprofile`), JSON.stringify(result.profile));
  });
});
