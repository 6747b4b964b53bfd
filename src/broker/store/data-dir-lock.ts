/**
 * One broker per data directory, with a lock the kernel releases when the
 * owner dies: an exclusive flock(2) on `DIR/lock`.
 *
 * Node has no flock binding, so the lock is taken by util-linux's flock(1)
 * on a file descriptor this process shares with it (`flock -n 3`, with our
 * descriptor as the child's fd 3). flock locks belong to the open file
 * description, not to the process that asked: when flock(1) exits the lock
 * stays held through our descriptor, and the kernel drops it when the last
 * descriptor of it closes — at our exit, however we die (kill -9 included;
 * the descriptors close before the process becomes a zombie). The file is
 * never unlinked, since unlinking a lock file lets two processes lock two
 * different inodes of the same name. Two lock attempts conflict even inside
 * one process (each open() is its own open file description).
 *
 * The pid inside the file is only for the message and for the "previous
 * owner did not shut down" warning: a clean shutdown empties the file.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, constants, ftruncateSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from './store-error.js';

export interface DataDirLock {
  readonly path: string;
  /** The pid left in the file by an owner that died without releasing it (kill -9, power loss). */
  readonly staleOwner: number | undefined;
  release(): void;
}

/** How long a broker waits for an owner that is dying (SIGKILL pending, zombie, gone) to let go. */
const DYING_OWNER_WAIT_S = 5;
/** flock(1) exit code when the lock is held (`-E`): EX_TEMPFAIL. */
const CONFLICT = 75;

/** Tries the exclusive lock on `fd` through flock(1): at once, or waiting up to `waitS` seconds. */
function flockFd(fd: number, waitS: number, path: string): boolean {
  const args =
    waitS > 0 ? ['-x', '-w', String(waitS), '-E', String(CONFLICT), '3'] : ['-x', '-n', '-E', String(CONFLICT), '3'];
  const r = spawnSync('flock', args, { stdio: ['ignore', 'ignore', 'pipe', fd] });
  if (r.error !== undefined) {
    throw new StoreError(
      `cannot lock ${path}: flock(1) from util-linux is needed (${r.error.message}); or run without a data directory (--no-data-dir)`,
    );
  }
  if (r.status === 0) return true;
  if (r.status === CONFLICT) return false;
  throw new StoreError(`cannot lock ${path}: flock(1) exited ${r.status}: ${r.stderr.toString().trim()}`);
}

function readOwner(fd: number): number | undefined {
  const buf = Buffer.alloc(32);
  const n = readSync(fd, buf, 0, buf.length, 0);
  const pid = Number.parseInt(buf.subarray(0, n).toString('latin1'), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * True when `pid` is no live owner: gone, a zombie, or with SIGKILL pending
 * (Linux /proc). Such an owner's descriptors are closed or about to be, so
 * waiting a moment for the lock is right; a live owner is refused at once.
 */
function dying(pid: number | undefined): boolean {
  if (pid === undefined) return true;
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return true;
  }
  if (/^State:\s+[ZX]/m.test(status)) return true;
  const SIGKILL_BIT = 1n << 8n;
  for (const m of status.matchAll(/^(?:SigPnd|ShdPnd):\s+([0-9a-f]+)/gm)) {
    if ((BigInt(`0x${m[1]}`) & SIGKILL_BIT) !== 0n) return true;
  }
  return false;
}

export function lockDataDir(dir: string): DataDirLock {
  const path = join(dir, 'lock');
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  } catch (e) {
    throw new StoreError(`cannot lock data directory ${dir}: ${(e as Error).message}`);
  }
  let staleOwner: number | undefined;
  try {
    if (!flockFd(fd, 0, path)) {
      const owner = readOwner(fd);
      if (!dying(owner) || !flockFd(fd, DYING_OWNER_WAIT_S, path)) {
        throw new StoreError(
          `data directory ${dir} is in use by another broker (pid ${owner ?? 'unknown'}, lock file ${path}); use another --data-dir or stop that broker`,
        );
      }
    }
    // Held: whatever pid is still written belongs to an owner that did not release (clean shutdowns empty it).
    staleOwner = readOwner(fd);
    if (staleOwner === process.pid) staleOwner = undefined;
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`, 0);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  let released = false;
  return {
    path,
    staleOwner,
    release() {
      if (released) return;
      released = true;
      try {
        ftruncateSync(fd, 0);
      } finally {
        closeSync(fd);
      }
    },
  };
}
