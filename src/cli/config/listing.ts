/**
 * qpid-config's listings: the totals (no command), `exchanges [filter]` and `queues [filter]`, with -r
 * their bindings, as Qpid's qpid-config prints them, or as JSON (docs/json-output.md).
 */
import type { BindingInfo, ExchangeInfo, QueueInfo } from '../../admin/index.js';
import { pyRepr } from '../../index.js';
import type { Admin } from '../common/admin.js';
import { EXIT_FAILURE, EXIT_OK } from '../common/errors.js';
import type { CliIo } from '../common/io.js';
import type { ConfigArgs } from './arguments.js';
import { exchangeFlags, queueFlags } from './attributes.js';

function out(io: CliIo, lines: string[]): void {
  if (lines.length > 0) io.stdout(`${lines.join('\n')}\n`);
}

function json(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

export async function overview(admin: Admin, args: ConfigArgs, io: CliIo): Promise<number> {
  const [exchanges, queues] = await Promise.all([
    admin.client.exchanges(admin.vhost),
    admin.client.queues(admin.vhost),
  ]);
  const types = new Map<string, number>();
  for (const x of exchanges) types.set(x.type, (types.get(x.type) ?? 0) + 1);
  const durable = queues.filter((q) => q.durable).length;
  if (args.json) {
    json(io, {
      exchanges: { total: exchanges.length, types: Object.fromEntries(types) },
      queues: { total: queues.length, durable, nonDurable: queues.length - durable },
    });
    return EXIT_OK;
  }
  const lines = [`Total Exchanges: ${exchanges.length}`];
  for (const [type, n] of types) lines.push(`${type.padStart(15)}: ${n}`);
  lines.push('', `   Total Queues: ${queues.length}`, `        durable: ${durable}`);
  lines.push(`    non-durable: ${queues.length - durable}`);
  out(io, lines);
  return EXIT_OK;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Bindings in one order whatever the broker's: by the other end's name, then key, then arguments. */
function ordered(list: BindingInfo[], end: 'source' | 'destination'): BindingInfo[] {
  return [...list].sort(
    (x, y) => cmp(x[end], y[end]) || cmp(x.routing_key, y.routing_key) || cmp(pyRepr(x.arguments), pyRepr(y.arguments)),
  );
}

const match = (name: string, filter: string) => filter === '' || name.includes(filter);

function bindingJson(b: BindingInfo, peer: string) {
  return { [peer]: peer === 'queue' ? b.destination : b.source, key: b.routing_key, arguments: b.arguments };
}

function bindLine(b: BindingInfo, target: string): string {
  const hasArgs = Object.keys(b.arguments ?? {}).length > 0;
  return `    bind [${b.routing_key}] => ${target}${hasArgs ? ` ${pyRepr(b.arguments)}` : ''}`;
}

/** A table line: the name padded to the column, then each attribute after a space. */
function attributeLine(start: string, flags: string[]): string {
  return `${start} ${flags.map((f) => ` ${f}`).join('')}`.trimEnd();
}

/** An empty listing says so on stderr (exit 1, as before), rather than printing nothing. */
function nothingMatched(io: CliIo, kind: 'queues' | 'exchanges', filter: string, vhost: string): number {
  io.stderr(
    filter === '' ? `No ${kind} in vhost '${vhost}'.\n` : `No ${kind} match '${filter}' in vhost '${vhost}'.\n`,
  );
  return EXIT_FAILURE;
}

export async function exchangeList(admin: Admin, args: ConfigArgs, filter: string, io: CliIo): Promise<number> {
  const all = await admin.client.exchanges(admin.vhost);
  const found = all.filter((x) => match(x.name, filter));
  const shown = found.filter((x) => !(args['ignore-default'] && x.name === ''));
  const bindings = args.recursive ? await admin.client.bindings(admin.vhost) : [];
  const from = (x: ExchangeInfo) =>
    ordered(
      bindings.filter((b) => b.source === x.name),
      'destination',
    );
  if (args.json) {
    json(
      io,
      shown.map((x) => ({
        name: x.name,
        type: x.type,
        durable: x.durable,
        autoDelete: x.auto_delete,
        internal: x.internal,
        arguments: x.arguments ?? {},
        ...(args.recursive ? { bindings: from(x).map((b) => bindingJson(b, 'queue')) } : {}),
      })),
    );
    return found.length === 0 ? EXIT_FAILURE : EXIT_OK;
  }
  if (found.length === 0) return nothingMatched(io, 'exchanges', filter, admin.vhost);
  const lines: string[] = [];
  if (args.recursive) {
    for (const x of shown) {
      lines.push(`Exchange '${x.name}' (${x.type})`);
      for (const b of from(x)) {
        lines.push(bindLine(b, b.destination_type === 'exchange' ? `exchange '${b.destination}'` : b.destination));
      }
    }
  } else {
    const caption1 = 'Type      ';
    const caption2 = 'Exchange Name';
    const w = Math.max(caption2.length, ...found.map((x) => x.name.length));
    lines.push(`${caption1}${caption2.padEnd(w)}  Attributes`);
    lines.push('='.repeat(5 * (Math.floor((w + caption1.length) / 5) + 5)));
    for (const x of shown) lines.push(attributeLine(`${x.type.padEnd(10)}${x.name.padEnd(w)}`, exchangeFlags(x)));
  }
  out(io, lines);
  return EXIT_OK;
}

export async function queueList(admin: Admin, args: ConfigArgs, filter: string, io: CliIo): Promise<number> {
  const queues = (await admin.client.queues(admin.vhost)).filter((q) => match(q.name, filter));
  const bindings = args.recursive ? await admin.client.bindings(admin.vhost) : [];
  const to = (q: QueueInfo) =>
    ordered(
      bindings.filter(
        (b) =>
          b.destination === q.name && b.destination_type === 'queue' && !(args['ignore-default'] && b.source === ''),
      ),
      'source',
    );
  if (args.json) {
    json(
      io,
      queues.map((q) => ({
        name: q.name,
        durable: q.durable,
        autoDelete: q.auto_delete,
        exclusive: q.exclusive,
        arguments: q.arguments ?? {},
        attributes: queueFlags(q),
        ...(args.recursive ? { bindings: to(q).map((b) => bindingJson(b, 'exchange')) } : {}),
      })),
    );
    return queues.length === 0 ? EXIT_FAILURE : EXIT_OK;
  }
  if (queues.length === 0) return nothingMatched(io, 'queues', filter, admin.vhost);
  const lines: string[] = [];
  if (args.recursive) {
    for (const q of queues) {
      lines.push(`Queue '${q.name}'`);
      for (const b of to(q)) lines.push(bindLine(b, b.source === '' ? "''" : b.source));
    }
  } else {
    const caption = 'Queue Name';
    const w = Math.max(caption.length, ...queues.map((q) => q.name.length));
    lines.push(`${caption.padEnd(w)}  Attributes`);
    lines.push('='.repeat(5 * (Math.floor(w / 5) + 5)));
    for (const q of queues) lines.push(attributeLine(q.name.padEnd(w), queueFlags(q)));
  }
  out(io, lines);
  return EXIT_OK;
}
