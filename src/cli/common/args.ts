/**
 * yargs set-up shared by the commands: strict options, no process exit, help and version
 * written through the injected io, usage errors turned into exit code 2.
 */
import yargs, { type Arguments, type Argv } from 'yargs';
import { VERSION } from '../../version.js';
import { EXIT_OK, reportUsage, UsageError } from './errors.js';
import type { CliIo } from './io.js';

export { VERSION };

/**
 * A yargs parser for `command`: unknown options are errors, positionals are kept as strings
 * (`spout q 007` sends "007"), `-h/--help` and `--version` are on.
 */
export function commandParser(command: string, usage: string): Argv {
  return yargs()
    .scriptName(command)
    .usage(usage)
    .parserConfiguration({ 'parse-positional-numbers': false })
    .strictOptions()
    .exitProcess(false)
    .fail(false)
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100));
}

export type Parsed<T> = { args: T } | { exit: number };

/** Parses `argv`; help and version are written to io.stdout (exit 0), usage errors to io.stderr (exit 2). */
export function parseArgs<T>(parser: Argv<T>, argv: string[], io: CliIo, command: string): Parsed<Arguments<T>> {
  let output = '';
  let args: Arguments<T> & { help?: boolean; version?: boolean };
  try {
    args = parser.parse(argv, {}, (_err, _a, out) => {
      output = out;
    }) as Arguments<T> & { help?: boolean; version?: boolean };
  } catch (e) {
    return { exit: reportUsage(io, command, (e as Error).message) };
  }
  if (args.help || args.version) {
    io.stdout(output.endsWith('\n') ? output : `${output}\n`);
    return { exit: EXIT_OK };
  }
  return { args };
}

/** Values of a repeatable string option (one → string, several → array, none → undefined). */
export function repeated(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** A number option that must be an integer ≥ min. */
export function intOption(name: string, value: unknown, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number.NaN;
  if (!Number.isInteger(n) || n < min) throw new UsageError(`option --${name}: expected an integer ≥ ${min}`);
  return n;
}

/** A number option that must be a finite number ≥ min. */
export function numberOption(name: string, value: unknown, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number.NaN;
  if (!Number.isFinite(n) || n < min) throw new UsageError(`option --${name}: expected a number ≥ ${min}`);
  return n;
}
