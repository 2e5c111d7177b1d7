import * as fs from 'node:fs';
import * as os from 'node:os';

/**
 * The niceness of the read pool's PostgreSQL backends. On a machine that runs the service and its
 * database together (the embedded database, or one on this host), a burst of reads (forty people
 * on the dashboard) ran a dozen backends at once beside the one or two writing the gateway's
 * calls, and the kernel shared the cores out evenly among them: the ledger's statements took
 * 16-24 ms instead of 3-8. Read backends at a lower priority still get every idle cycle, but the
 * gateway's writes come first when both want a core, which is the rule the two pools already keep
 * for connections (database.module.ts).
 */
export const READ_BACKEND_NICENESS = 10;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** A database reached through a Unix socket or the loopback interface runs on this machine. */
export function isThisMachine(host: string | undefined): boolean {
  return !host || host.startsWith('/') || LOOPBACK.has(host);
}

/**
 * Lowers the CPU priority of backend `pid`, if it is a PostgreSQL process of this machine. The ID
 * is what the server reported, so for a database in another PID namespace (a container) the
 * process of that ID here is almost always not `postgres`, or not ours to change, and is left
 * alone; only where this machine also runs a PostgreSQL of its own, as the same user, can the ID
 * name one of its backends, which then runs at a lower priority until it ends. Anything that
 * fails leaves the default priority: this is an optimisation, never a condition.
 */
export function lowerBackendPriority(pid: number | null | undefined, host: string | undefined): boolean {
  if (!pid || !isThisMachine(host)) return false;
  try {
    if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') return false;
    os.setPriority(pid, READ_BACKEND_NICENESS);
    return true;
  } catch {
    return false;
  }
}
