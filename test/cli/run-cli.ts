/** Spawns the built spout/drain/qpid-rpc/qpid-notify commands (npm test builds dist/ first), always bounded in time. */
import { type ChildProcess, spawn } from 'node:child_process';

const BIN_DIR = new URL('../../bin/', import.meta.url).pathname;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to exit. */
  ms: number;
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly done: Promise<CliResult>;
  stdout(): string;
  stderr(): string;
  /** Resolves once stderr contains `text` (drain -v prints `receiving from ...` once subscribed). */
  waitForStderr(text: string, ms?: number): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Kills whatever a test left running (call from afterEach). */
export function killAll(): void {
  for (const c of live) if (c.exitCode === null) c.kill('SIGKILL');
  live.clear();
}

export function start(
  command: 'spout' | 'drain' | 'qpid-rpc' | 'qpid-notify',
  args: string[],
  opts: { stdin?: string; env?: Record<string, string>; killAfterMs?: number } = {},
): CliProcess {
  const began = Date.now();
  const child = spawn(process.execPath, [`${BIN_DIR}${command}.js`, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
  });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  child.stdin?.end(opts.stdin ?? '');
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 15_000);
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(killer);
      live.delete(child);
      resolve({ code, stdout, stderr, ms: Date.now() - began });
    });
  });
  return {
    child,
    done,
    stdout: () => stdout,
    stderr: () => stderr,
    async waitForStderr(text, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!stderr.includes(text)) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`${command} never printed "${text}"; stderr: ${stderr}; stdout: ${stdout}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/** Runs a command to completion. */
export function run(
  command: 'spout' | 'drain' | 'qpid-rpc' | 'qpid-notify',
  args: string[],
  opts: { stdin?: string; env?: Record<string, string>; killAfterMs?: number } = {},
): Promise<CliResult> {
  return start(command, args, opts).done;
}

/** Non-empty stdout lines. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}
