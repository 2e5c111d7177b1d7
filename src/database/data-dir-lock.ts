import * as fs from 'node:fs';
import * as path from 'node:path';

/** A second process on a DATA_DIR another one owns: it stops before touching anything. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `handlemeter is already running as PID ${pid} on ${dir}: stop it first, or set DATA_DIR to another directory`,
    );
  }
}

export interface DataDirLock {
  release(): void;
}

interface Owner {
  pid: number;
  /** The process's start time (Linux: /proc/<pid>/stat), so a PID reused by another program after a crash is not mistaken for the owner. */
  started: string | null;
}

const LOCK_FILE = 'handlemeter.pid';

/**
 * Makes this process the one owner of `dir` (its embedded PostgreSQL, its dev secrets) before
 * anything in it is touched. The lock file holds the owner's PID; one whose process is gone (a
 * crash, kill -9) is a leftover and is taken over. Creation is atomic (a hard link of a file
 * already written), so of two processes starting at once exactly one wins.
 */
export function lockDataDir(dir: string): DataDirLock {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const me: Owner = { pid: process.pid, started: startTime(process.pid) };
  const draft = `${file}.${process.pid}`;
  fs.writeFileSync(draft, JSON.stringify(me) + '\n', { mode: 0o644 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.linkSync(draft, file);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw e;
      }
      const owner = readOwner(file);
      if (owner && owner.pid !== process.pid && isRunning(owner)) throw new DataDirInUseError(dir, owner.pid);
      // A leftover: move it aside under a name only we use, so that two processes recovering at
      // once cannot both delete it and then each other's fresh lock.
      const aside = `${file}.stale.${process.pid}`;
      try {
        fs.renameSync(file, aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      const moved = readOwner(aside);
      if (moved && moved.pid !== owner?.pid && isRunning(moved)) {
        // Another process took the leftover over between our read and our rename: give it back.
        fs.linkSync(aside, file);
        fs.rmSync(aside, { force: true });
        throw new DataDirInUseError(dir, moved.pid);
      }
      fs.rmSync(aside, { force: true });
    }
  } finally {
    fs.rmSync(draft, { force: true });
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    // Only our own: never remove a lock someone took over meanwhile.
    if (readOwner(file)?.pid === process.pid) fs.rmSync(file, { force: true });
  };
  process.on('exit', release);
  return { release };
}

function readOwner(file: string): Owner | null {
  try {
    const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as Owner;
    return Number.isInteger(owner.pid) && owner.pid > 0 ? owner : null;
  } catch {
    // Unreadable or half-written by a process that died while writing: a leftover.
    return null;
  }
}

function isRunning(owner: Owner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    // EPERM: it exists, it is someone else's.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTime(owner.pid);
  return owner.started === null || now === null || now === owner.started;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); null where there is no /proc. */
function startTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
