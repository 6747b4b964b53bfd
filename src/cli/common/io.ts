/**
 * The world a command talks to, injectable so commands run in-process in tests:
 * output streams, standard input, whether the terminal is interactive, the environment,
 * and a signal that fires on Ctrl-C.
 */
import { Chalk, type ChalkInstance } from 'chalk';

export interface CliIo {
  /** Writes to standard output (text is written as given; add '\n' yourself). */
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Standard input, for commands that read it (spout `-`). */
  stdin?: NodeJS.ReadableStream | AsyncIterable<string | Buffer>;
  /** Standard output is a terminal. */
  isTTY: boolean;
  /** Standard error is a terminal (progress lines go there); defaults to `isTTY`. */
  stderrIsTTY?: boolean;
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT/SIGTERM: a command stops what it is doing and exits cleanly. */
  signal?: AbortSignal;
}

/** The real process: stdout/stderr/stdin, their TTY state and the environment. */
export function processIo(signal?: AbortSignal): CliIo {
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    stdin: process.stdin,
    isTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
    signal,
  };
}

/** https://no-color.org: NO_COLOR set to anything non-empty turns colour off. */
export function colorAllowed(io: CliIo, tty: boolean): boolean {
  const noColor = io.env['NO_COLOR'];
  return tty && (noColor === undefined || noColor === '');
}

/** Chalk for standard output: colours only on a terminal and never with NO_COLOR. */
export function stdoutColors(io: CliIo): ChalkInstance {
  return new Chalk({ level: colorAllowed(io, io.isTTY) ? 1 : 0 });
}

/** Chalk for standard error (same rules, judged on stderr's terminal). */
export function stderrColors(io: CliIo): ChalkInstance {
  return new Chalk({ level: colorAllowed(io, io.stderrIsTTY ?? io.isTTY) ? 1 : 0 });
}

/** A `-v` logger: `name: text` lines on stderr when verbose, nothing otherwise. */
export function debugLogger(io: CliIo, name: string, verbose: boolean): (text: string) => void {
  if (!verbose) return () => undefined;
  const c = stderrColors(io);
  return (text) => io.stderr(c.dim(`${name}: ${text}`) + '\n');
}

/** Resolves after `ms`, or early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
