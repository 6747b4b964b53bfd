/**
 * Process glue for bin/ launchers: real stdio, Ctrl-C as an abort signal (a second Ctrl-C
 * exits at once), quiet exit when the reader of a pipe goes away (`drain ... | head`).
 */
import { EXIT_OK } from './errors.js';
import { type CliIo, processIo } from './io.js';

export type CommandMain = (argv: string[], io: CliIo) => Promise<number>;

export async function runCommand(main: CommandMain): Promise<void> {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(EXIT_OK);
      throw err;
    });
  }
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(sig === 'SIGINT' ? 130 : 143);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code = await main(process.argv.slice(2), processIo(controller.signal));
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.exitCode = code;
  // Anything still holding the event loop (a half-closed socket) must not keep a finished command alive.
  setTimeout(() => process.exit(code), 2000).unref();
}
