/**
 * `qpid-rpc call|cast|serve`: oslo.messaging RPC from the shell (docs/rpc.md).
 *
 *   qpid-rpc call TOPIC[/SERVER] METHOD ['{"json": "args"}']   prints the result as JSON
 *   qpid-rpc cast TOPIC[/SERVER] METHOD ['{"json": "args"}']
 *   qpid-rpc serve TOPIC/SERVER                                 answers ping, echo and oslo_rpc_server_ping
 *
 * A remote exception or a timeout is one `Failed: ...` line and exit 1; bad arguments exit 2.
 */
import type { Connection } from '../index.js';
import { type Context, RemoteError, RpcClient, RpcServer, Target } from '../rpc/index.js';
import { commandParser, intOption, numberOption, startCommand } from './common/args.js';
import { connectionSettings, withConnection } from './common/broker.js';
import { EXIT_OK, reportError, UsageError } from './common/errors.js';
import { type CliIo, debugLogger, processIo } from './common/io.js';
import { BROKER_OPTIONS, VERBOSE_LOGGING_OPTION } from './common/options.js';
import { runCommand } from './common/run.js';
import { aborted, jsonObject, TRANSPORT_OPTIONS, transportOptions } from './rpc-common.js';

const NAME = 'qpid-rpc';

function parser() {
  return (
    commandParser(NAME, '$0 [options] call|cast TOPIC[/SERVER] METHOD [ARGS]\n$0 [options] serve TOPIC/SERVER')
      // yargs wraps a description under a long usage line into the room that line leaves: an epilogue instead.
      .epilogue(
        'Calls or casts METHOD of an oslo.messaging RPC server (ARGS: a JSON object);\nserve answers ping, echo and oslo_rpc_server_ping.',
      )
      .options({
        ...BROKER_OPTIONS,
        ...TRANSPORT_OPTIONS,
        exchange: { type: 'string', describe: 'target exchange (default: the control exchange)' },
        namespace: { type: 'string', describe: 'target namespace' },
        'rpc-version': { type: 'string', describe: 'target version (major.minor)' },
        fanout: { type: 'boolean', describe: 'cast to every server of the topic' },
        timeout: { alias: 't', type: 'number', default: 60, describe: 'seconds a call waits for its reply' },
        context: { type: 'string', describe: 'request context as a JSON object' },
        count: { alias: 'c', type: 'number', describe: 'serve: stop after this many requests' },
        json: { type: 'boolean', describe: 'serve: print each request as one JSON object per line' },
        verbose: VERBOSE_LOGGING_OPTION,
      })
      .example('$0 -b rabbit://guest:guest@localhost:5672/ call compute ping', 'ping any compute server')
      .example(`$0 call compute/host1 add '{"x": 1, "y": 2}'`, 'call add on one server')
      .example('$0 --fanout cast compute refresh', 'cast to every server of the topic')
      .example('$0 serve compute/host1', 'answer ping and echo calls as server host1')
  );
}

type Args = Awaited<ReturnType<ReturnType<typeof parser>['parse']>>;

interface Plan {
  verb: 'call' | 'cast' | 'serve';
  target: Target;
  method: string;
  args: Record<string, unknown>;
  ctxt: Context;
  count: number | undefined;
  json: boolean;
}

function plan(positional: string[], a: Record<string, unknown>): Plan {
  const [verb, targetText, method, argsText, ...extra] = positional;
  if (verb !== 'call' && verb !== 'cast' && verb !== 'serve') {
    throw new UsageError(verb === undefined ? 'a command is required: call, cast or serve' : `unknown command ${verb}`);
  }
  if (!targetText) throw new UsageError(`${verb} needs a TOPIC${verb === 'serve' ? '/SERVER' : '[/SERVER]'}`);
  const slash = targetText.indexOf('/');
  const topic = slash < 0 ? targetText : targetText.slice(0, slash);
  const server = slash < 0 ? undefined : targetText.slice(slash + 1);
  if (topic === '' || server === '') throw new UsageError(`invalid target ${targetText}`);
  const target = new Target({
    topic,
    server,
    exchange: a['exchange'] as string | undefined,
    namespace: a['namespace'] as string | undefined,
    version: a['rpc-version'] as string | undefined,
    fanout: a['fanout'] === true ? true : undefined,
  });
  if (verb === 'serve') {
    if (server === undefined) throw new UsageError('serve needs TOPIC/SERVER');
    if (method !== undefined) throw new UsageError(`unexpected argument ${method}: serve takes one TOPIC/SERVER`);
  } else {
    if (!method) throw new UsageError(`${verb} needs a METHOD`);
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
  }
  return {
    verb,
    target,
    method: method ?? '',
    args: jsonObject('ARGS', argsText),
    ctxt: jsonObject('--context', a['context'] as string | undefined),
    count: intOption('count', a['count'], 1),
    json: a['json'] === true,
  };
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const started = await startCommand(parser(), argv, io, NAME, (args: Args) => ({
    p: plan(args._.map(String), args as Record<string, unknown>),
    timeout: numberOption('timeout', args.timeout, 0) ?? 60,
    settings: connectionSettings(args),
  }));
  if ('exit' in started) return started.exit;
  const { args, verbose, prepared } = started;
  const { p, timeout, settings } = prepared;
  const log = debugLogger(io, NAME, verbose);
  try {
    return await withConnection(settings, log, (connection) => perform(connection, p, io, args, timeout, log));
  } catch (e) {
    // A remote exception prints its class and message; its traceback only with -v.
    if (e instanceof RemoteError && !verbose) return reportError(io, new RemoteErrorLine(e), false);
    return reportError(io, e, verbose);
  }
}

/** Serves, casts, or calls and prints the result as JSON. */
async function perform(
  connection: Connection,
  p: Plan,
  io: CliIo,
  args: Parameters<typeof transportOptions>[0],
  timeout: number,
  log: (text: string) => void,
): Promise<number> {
  const transport = transportOptions(args);
  if (p.verb === 'serve') return await serve(connection, p, io, transport);
  const client = new RpcClient(connection, p.target, { ...transport, timeout });
  if (p.verb === 'cast') {
    await client.cast(p.ctxt, p.method, p.args);
    log(`cast ${p.method} to ${p.target}`);
    return EXIT_OK;
  }
  const result = await client.call(p.ctxt, p.method, p.args);
  io.stdout(`${JSON.stringify(result)}\n`);
  return EXIT_OK;
}

/** `Failed: RemoteError: ValueError: bad value` — the one line a remote exception gets. */
class RemoteErrorLine extends Error {
  constructor(e: RemoteError) {
    super(`${e.excType}: ${e.value}`);
    this.name = 'RemoteError';
  }
}

async function serve(
  connection: Connection,
  p: Plan,
  io: CliIo,
  transport: ReturnType<typeof transportOptions>,
): Promise<number> {
  let served = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const note = (method: string, ctxt: unknown, args: unknown) => {
    served++;
    io.stdout(p.json ? `${JSON.stringify({ method, ctxt, args })}\n` : `${method} ${JSON.stringify(args)}\n`);
    if (p.count !== undefined && served >= p.count) done();
  };
  // oslo's rpc_ping_enabled endpoint, plus ping and echo for poking a bus by hand.
  const answer =
    (method: string, reply: (args: unknown) => unknown) =>
    (ctxt: unknown, args: unknown): unknown => {
      note(method, ctxt, args);
      return reply(args);
    };
  const endpoint = {
    ping: answer('ping', () => 'pong'),
    oslo_rpc_server_ping: answer('oslo_rpc_server_ping', () => 'pong'),
    echo: answer('echo', (args) => args),
  };
  const server = new RpcServer(connection, p.target, [endpoint], transport);
  await server.start();
  io.stderr(`${NAME}: serving ${p.target.topic} as ${p.target.server} (ping, echo, oslo_rpc_server_ping)\n`);
  await Promise.race([finished, aborted(io.signal)]);
  await server.stop();
  await server.wait();
  return EXIT_OK;
}

export async function run(): Promise<void> {
  await runCommand(main);
}
