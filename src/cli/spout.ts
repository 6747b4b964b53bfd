/**
 * `spout [options] ADDRESS [CONTENT ...]`: sends messages to an address (docs/qpid-reference.md §6.1).
 * Options are those of Qpid's Python spout, plus the C++ spout's --content, --connection-options and
 * --print, plus --ttl, --priority, --content-type, --rate, --json and `-` (one message per stdin line).
 * Each sent message is printed as Qpid prints it, after it is sent (as the Python spout does).
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { FieldTable } from '../index.js';
import { CONTENT_TYPE_JSON, Message, type MessageContent, type MessageProperties, parseAddress } from '../index.js';
import { commandParser, intOption, numberOption, repeated, startCommand } from './common/args.js';
import { connectionSettings, withConnection } from './common/broker.js';
import { EXIT_OK, reportError, UsageError } from './common/errors.js';
import { type CliIo, debugLogger, processIo, sleep } from './common/io.js';
import { messageJsonLine } from './common/json.js';
import { BROKER_OPTIONS, MESSAGE_JSON_OPTION, VERBOSE_LOGGING_OPTION } from './common/options.js';
import { runCommand } from './common/run.js';
import { nameValue } from './common/values.js';

const NAME = 'spout';

function parser() {
  return commandParser(NAME, '$0 [options] ADDRESS [CONTENT ...]\n\nSend messages to the supplied address.')
    .options({
      ...BROKER_OPTIONS,
      count: {
        alias: 'c',
        type: 'number',
        describe: 'stop after count messages have been sent, zero disables [default: 1; with "-": every line]',
      },
      durable: { alias: 'd', type: 'boolean', describe: 'make the messages persistent' },
      timeout: { alias: 't', type: 'number', describe: 'stop sending after this many seconds' },
      id: { alias: 'I', type: 'string', describe: 'use the supplied id instead of generating one (spout-id = ID:n)' },
      subject: { alias: 'S', type: 'string', describe: 'specify a subject' },
      'reply-to': { alias: 'R', type: 'string', describe: 'specify reply-to address' },
      property: {
        alias: 'P',
        type: 'string',
        requiresArg: true,
        describe: 'message property NAME=VALUE (repeatable; ints, floats, True/False are typed)',
      },
      map: {
        alias: 'M',
        type: 'string',
        requiresArg: true,
        describe: 'map entry KEY=VALUE for the message body (repeatable; makes the content a map)',
      },
      content: { type: 'string', describe: 'message content (instead of CONTENT arguments)' },
      'content-type': { type: 'string', describe: 'content type [default: text/plain, amqp/map with -M]' },
      ttl: { type: 'number', describe: 'time to live in seconds' },
      priority: { type: 'number', describe: 'message priority (0-255)' },
      rate: { type: 'number', describe: 'send at most N messages per second' },
      print: { type: 'boolean', describe: 'print each message before sending it (default: after it is sent)' },
      json: MESSAGE_JSON_OPTION,
      verbose: VERBOSE_LOGGING_OPTION,
    })
    .example(`${NAME} news-service/news hello`, 'send "hello" with subject news to the news-service exchange')
    .example(`${NAME} -c 3 my-queue`, 'send three (empty) messages to my-queue')
    .example(`${NAME} -P colour=red -M n=5 my-queue hi`, 'a property and a map body {text: hi, n: 5}')
    .example(`${NAME} 'my-queue; {create: always}' -`, 'send each line of standard input as one message')
    .example(`${NAME} -c 0 --rate 100 amq.topic/load`, 'send 100 msg/s until interrupted');
}

interface Plan {
  address: string;
  text: string | undefined;
  stdin: boolean;
  entries: [string, ReturnType<typeof nameValue>[1]][];
  properties: [string, ReturnType<typeof nameValue>[1]][];
  contentType: string | undefined;
  limit: number;
  deadline: number | undefined;
  rate: number | undefined;
  ttl: number | undefined;
  priority: number | undefined;
  spoutId: string;
  subject: string | undefined;
  replyTo: string | undefined;
  durable: boolean;
}

type Args = Awaited<ReturnType<ReturnType<typeof parser>['parse']>>;

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const started = await startCommand(parser(), argv, io, NAME, (args: Args) => ({
    plan: planOf(args),
    settings: connectionSettings(args),
  }));
  if ('exit' in started) return started.exit;
  const { args, verbose, prepared } = started;
  const { plan, settings } = prepared;
  const log = debugLogger(io, NAME, verbose);
  try {
    parseAddress(plan.address, 'sender');
    const sent = await withConnection(settings, log, async (connection) => {
      log(`connected to ${connection.url}`);
      const session = await connection.session();
      const sender = await session.sender(plan.address);
      log(`sending to ${plan.address}`);
      const show = (m: Message) => io.stdout(args.json ? messageJsonLine(m) : `${m.toString()}\n`);
      const n = await sendAll(plan, io, async (m) => {
        if (args.print) show(m);
        await sender.send(m, { sync: false });
        if (!args.print) show(m);
      });
      await sender.sync();
      return n;
    });
    log(`sent ${sent} message${sent === 1 ? '' : 's'}`);
    return EXIT_OK;
  } catch (e) {
    return reportError(io, e, verbose);
  }
}

/** The messages the options describe; a bad value (or content that cannot be built) is a usage error. */
function planOf(args: Args): Plan {
  const positional = args._.map(String);
  const address = positional[0];
  if (address === undefined) throw new UsageError('address is required');
  const words = positional.slice(1);
  if (words.length > 0 && args.content !== undefined) {
    throw new UsageError('give the content either as --content or as CONTENT arguments, not both');
  }
  const stdin = words.length === 1 && words[0] === '-';
  const count = intOption('count', args.count, 0);
  const timeout = numberOption('timeout', args.timeout, 0);
  const rate = numberOption('rate', args.rate, 0);
  if (rate === 0) throw new UsageError('option --rate: expected a number > 0');
  const priority = intOption('priority', args.priority, 0);
  if (priority !== undefined && priority > 255) throw new UsageError('option --priority: expected 0-255');
  const plan: Plan = {
    address,
    text: stdin ? undefined : words.length > 0 ? words.join(' ') : args.content,
    stdin,
    entries: repeated(args.map).map(nameValue),
    properties: repeated(args.property).map(nameValue),
    contentType: args['content-type'],
    limit: count ?? (stdin ? 0 : 1),
    deadline: timeout === undefined ? undefined : Date.now() + timeout * 1000,
    rate,
    ttl: numberOption('ttl', args.ttl, 0),
    priority,
    spoutId: args.id ?? randomUUID(),
    subject: args.subject,
    replyTo: args['reply-to'],
    durable: args.durable === true,
  };
  // Fail on content that cannot be built before connecting.
  if (!stdin) buildContent(plan, plan.text);
  return plan;
}

/**
 * Whether message number `n` may go out: count, timeout and Ctrl-C allow it, and (waiting for it) its
 * --rate slot came.
 */
function pacer(plan: Plan, signal: AbortSignal | undefined): (n: number) => Promise<boolean> {
  const start = Date.now();
  return async (n) => {
    if ((plan.limit !== 0 && n >= plan.limit) || signal?.aborted) return false;
    if (plan.deadline !== undefined && Date.now() >= plan.deadline) return false;
    if (plan.rate !== undefined) {
      const due = start + (n * 1000) / plan.rate;
      const wake = plan.deadline === undefined ? due : Math.min(due, plan.deadline);
      await sleep(wake - Date.now(), signal);
      if (signal?.aborted || (plan.deadline !== undefined && Date.now() >= plan.deadline)) return false;
    }
    return true;
  };
}

/** Sends the plan's messages (with `-` one per line of standard input); resolves how many were sent. */
async function sendAll(plan: Plan, io: CliIo, send: (m: Message) => Promise<void>): Promise<number> {
  const signal = io.signal;
  const mayContinue = pacer(plan, signal);
  let sent = 0;
  if (!plan.stdin) {
    while (await mayContinue(sent)) {
      await send(makeMessage(plan, plan.text, sent));
      sent++;
    }
    return sent;
  }
  if (!io.stdin) throw new UsageError('no standard input to read');
  const input = io.stdin instanceof Readable ? io.stdin : Readable.from(io.stdin);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  const stop = () => lines.close();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    if (await mayContinue(sent)) {
      for await (const line of lines) {
        await send(makeMessage(plan, line, sent));
        sent++;
        if (!(await mayContinue(sent))) break;
      }
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    lines.close();
  }
  return sent;
}

function buildContent(plan: Plan, text: string | undefined): { content: MessageContent; contentType?: string } {
  let content: MessageContent;
  let contentType = plan.contentType;
  if (plan.entries.length > 0) {
    const map: FieldTable = {};
    if (text) map['text'] = text;
    for (const [k, v] of plan.entries) map[k] = v;
    content = map;
  } else {
    content = text;
    // [py] no map entries: text/plain, for compatibility with Java (and other) clients.
    contentType ??= 'text/plain';
  }
  if (typeof content === 'string' && contentType?.split(';')[0]?.trim().toLowerCase() === CONTENT_TYPE_JSON) {
    try {
      content = JSON.parse(content) as MessageContent;
    } catch (e) {
      throw new UsageError(`content is not valid JSON for --content-type ${contentType}: ${(e as Error).message}`);
    }
  }
  return contentType === undefined ? { content } : { content, contentType };
}

function makeMessage(plan: Plan, text: string | undefined, n: number): Message {
  const { content, contentType } = buildContent(plan, text);
  const properties: MessageProperties = { 'spout-id': `${plan.spoutId}:${n}` };
  for (const [k, v] of plan.properties) properties[k] = v;
  return new Message({
    content,
    ...(contentType !== undefined ? { contentType } : {}),
    ...(plan.subject !== undefined ? { subject: plan.subject } : {}),
    ...(plan.replyTo !== undefined ? { replyTo: plan.replyTo } : {}),
    ...(plan.durable ? { durable: true } : {}),
    properties,
    ...(plan.ttl !== undefined ? { ttl: plan.ttl } : {}),
    ...(plan.priority !== undefined ? { priority: plan.priority } : {}),
  });
}

export async function run(): Promise<void> {
  await runCommand(main);
}
