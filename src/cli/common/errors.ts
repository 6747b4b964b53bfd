/**
 * Exit codes and error reporting shared by every command: one line on stderr,
 * `Failed: <ErrorName>: <message>`, with the stack trace only under -v.
 */
import { type CliIo, stderrColors } from './io.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Bad command line (unknown option, missing or malformed argument): exit 2. */
export class UsageError extends Error {
  static {
    UsageError.prototype.name = 'UsageError';
  }
}

const SOCKET_CODES = /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)$/;

/** The first Node socket error code (ECONNREFUSED, ...) in an error's cause chain, or of an AggregateError. */
export function socketCode(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e instanceof Error && !seen.has(e)) {
    seen.add(e);
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && SOCKET_CODES.test(code)) return code;
    if (e instanceof AggregateError) {
      for (const inner of e.errors) {
        const c = socketCode(inner);
        if (c) return c;
      }
    }
    e = e.cause;
  }
  return undefined;
}

/**
 * The text after `Failed: `. Connection failures caused by the network read
 * `ConnectError: cannot connect to host:port (ECONNREFUSED)` rather than the raw socket message.
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return `Error: ${String(err)}`;
  const name = err.name || 'Error';
  const code = err.name === 'ConnectError' ? socketCode(err) : undefined;
  if (code) {
    // The messaging layer reports `<why>: <host>:<port>: <socket message>` (the last host tried).
    const where = /(?:^|: )([^\s:]+|\[[^\]]+\]):(\d+):/.exec(err.message);
    const target = where ? `${where[1]}:${where[2]}` : undefined;
    const why = err.message.split(':')[0] ?? '';
    const extra = why.startsWith('Failed to connect within') ? `: ${why}` : '';
    if (target) return `${name}: cannot connect to ${target} (${code})${extra}`;
  }
  const message = err.message.replace(/\s+/g, ' ').trim();
  return message ? `${name}: ${message}` : name;
}

/** Prints `Failed: ...` (red on a terminal) and, when verbose, the stack; returns the exit code to use. */
export function reportError(io: CliIo, err: unknown, verbose: boolean): number {
  const c = stderrColors(io);
  io.stderr(`${c.red('Failed:')} ${describeError(err)}\n`);
  if (verbose && err instanceof Error && err.stack) {
    io.stderr(c.dim(err.stack) + '\n');
    let cause = err.cause;
    while (cause instanceof Error) {
      io.stderr(c.dim(`Caused by: ${cause.stack ?? cause.message}`) + '\n');
      cause = cause.cause;
    }
  }
  return err instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
}

/** Prints a usage error the way the commands do (`<cmd>: <message>` + a hint); returns 2. */
export function reportUsage(io: CliIo, command: string, message: string): number {
  io.stderr(`${command}: ${message}\nTry '${command} --help' for more information.\n`);
  return EXIT_USAGE;
}

/**
 * The failure reporter of every command: a usage error as `<cmd>: <message>` and the --help hint
 * (exit 2), anything else as one `Failed: ...` line (exit 1).
 */
export function reportFailure(io: CliIo, command: string, err: unknown, verbose: boolean): number {
  if (err instanceof UsageError) return reportUsage(io, command, err.message);
  return reportError(io, err, verbose);
}
