/**
 * One broker per data directory: `DIR/lock` holds the owner's pid, created
 * with O_EXCL. A lock left by a process that no longer runs (kill -9, power
 * loss) is taken over; a live owner makes the second broker fail at once.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from './store-error.js';

export interface DataDirLock {
  readonly path: string;
  /** Set when a stale lock of a dead process was taken over. */
  readonly staleOwner: number | undefined;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockDataDir(dir: string): DataDirLock {
  const path = join(dir, 'lock');
  let staleOwner: number | undefined;
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        throw new StoreError(`cannot lock data directory ${dir}: ${(e as Error).message}`);
      }
      let text = '';
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        // Removed in between: try again.
      }
      const pid = Number.parseInt(text, 10);
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new StoreError(
          `data directory ${dir} is in use by another broker (pid ${pid}, lock file ${path}); use another --data-dir or stop that broker`,
        );
      }
      staleOwner = Number.isInteger(pid) ? pid : undefined;
      try {
        unlinkSync(path);
      } catch {
        // Someone else removed it first: the O_EXCL open decides.
      }
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    let released = false;
    return {
      path,
      staleOwner,
      release() {
        if (released) return;
        released = true;
        try {
          unlinkSync(path);
        } catch {
          // Already gone.
        }
      },
    };
  }
}
