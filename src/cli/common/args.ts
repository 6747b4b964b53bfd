/**
 * yargs set-up shared by the commands: strict options, no process exit, help and version
 * written through the injected io, usage errors turned into exit code 2.
 */
import type { Arguments, Argv } from 'yargs';
import { VERSION } from '../../version.js';
import { EXIT_OK, reportFailure, reportUsage, UsageError } from './errors.js';
import type { CliIo } from './io.js';
import { yargs } from './yargs.js';

export { VERSION };

/**
 * What every command's parser shares, qpidd's included: the name in usage and errors and never
 * exiting the process (main returns an exit code instead). `withVersionAndHelp` comes after a
 * command's own options, so --version and --help are listed last.
 */
export function baseParser(command: string): Argv {
  return yargs().scriptName(command).exitProcess(false);
}

/** --version (this package's) and --help, as every command has them. */
export function withVersionAndHelp<T>(parser: Argv<T>): Argv<T> {
  return parser.version(VERSION).help();
}

/**
 * A yargs parser for `command`: unknown options are errors, positionals are kept as strings
 * (`spout q 007` sends "007"), `-h/--help` and `--version` are on.
 */
export function commandParser(command: string, usage: string): Argv {
  const parser = withVersionAndHelp(baseParser(command))
    .parserConfiguration({ 'parse-positional-numbers': false })
    .strictOptions()
    .fail(false)
    .alias('h', 'help')
    // One column less, so the separating space yargs leaves out when a description fills its line
    // exactly (`errors)[boolean]`) fits back in: see fixGluedTypes.
    .wrap(terminalWidth() - 1);
  // The usage text is wrapped here rather than by yargs, whose wrapper drops the indentation
  // Qpid's multi-line usages (qpid-config, qpid-stat) rely on.
  usages.set(parser, usage.replaceAll('$0', command));
  return parser;
}

const usages = new WeakMap<object, string>();

/** Wraps `text` to `width` on word boundaries; continuation lines keep their line's indentation. */
export function wrapText(text: string, width: number): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const indent = /^\s*/.exec(line)?.[0] ?? '';
    let current = '';
    for (const word of line.slice(indent.length).split(/(?<=\S)(?=\s)|(?<=\s)(?=\S)/)) {
      if (current !== '' && /\S/.test(word) && indent.length + current.length + word.length > width) {
        out.push(indent + current.trimEnd());
        current = '';
      }
      if (current !== '' || /\S/.test(word)) current += word;
    }
    out.push(indent + current.trimEnd());
  }
  return out.join('\n');
}

/**
 * The width help is wrapped to: the terminal's (yargs' own terminalWidth), else $COLUMNS, else 80.
 * cliui then breaks lines on word boundaries only.
 */
export function terminalWidth(): number {
  const columns = process.stdout.columns || Number(process.env['COLUMNS']) || 80;
  return Math.max(40, columns);
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
    const usage = args.help ? usages.get(parser) : undefined;
    if (args.help) output = fixGluedTypes(output);
    if (usage !== undefined) output = `${wrapText(usage, terminalWidth())}\n\n${output}`;
    io.stdout(output.endsWith('\n') ? output : `${output}\n`);
    return { exit: EXIT_OK };
  }
  return { args };
}

/** A command under way: its arguments, -v, and what `prepare` made of them. */
export interface Started<A, P> {
  args: A;
  verbose: boolean;
  prepared: P;
}

/**
 * The start every command shares: parses `argv` (help, version and usage errors end the command here),
 * then `prepare` checks the arguments and turns them into what the command runs on, before anything is
 * sent; its failure is reported by reportFailure. Resolves the command under way, or the exit code.
 * `A` is the parser's argument type (`Awaited<ReturnType<typeof parser.parse>>`).
 */
export async function startCommand<A extends { verbose?: unknown }, P>(
  parser: Argv,
  argv: string[],
  io: CliIo,
  command: string,
  prepare: (args: A) => P | Promise<P>,
): Promise<Started<A, P> | { exit: number }> {
  const parsed = parseArgs(parser, argv, io, command);
  if ('exit' in parsed) return parsed;
  const args = parsed.args as unknown as A;
  const verbose = args.verbose === true;
  try {
    return { args, verbose, prepared: await prepare(args) };
  } catch (e) {
    return { exit: reportFailure(io, command, e, verbose) };
  }
}

/** Puts back the space yargs drops between a description that fills its line and `[boolean]` etc. */
export function fixGluedTypes(help: string): string {
  return help.replace(
    /(\S)(\[(?:boolean|string|number|array|count|required|default:|choices:|deprecated)[^\]\n]*\](?: \[[^\]\n]*\])*)$/gm,
    '$1 $2',
  );
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
