/**
 * `qpid-stat`: broker statistics as Qpid's qpid-stat shows them (docs/qpid-reference.md §6.5), read from
 * the management HTTP API of the bundled broker or RabbitMQ: -g broker summary, -c connections,
 * -e exchanges, -q queues (or one queue), -u subscriptions, -m memory. Tables use Qpid's layout and
 * number formats; --json prints the raw values; --watch SECONDS redraws like top, with per-second rates.
 * Statistics the AMQP 0-9-1 brokers do not keep (byte counters, persistent/transactional counts, ...)
 * print as empty cells, as Qpid prints a missing value.
 */
import type {
  BindingInfo,
  ChannelInfo,
  ConnectionInfo,
  ConsumerInfo,
  ExchangeInfo,
  QueueDiscards,
  QueueInfo,
  QueueMessageStats,
} from '../admin/index.js';
import { pyRepr } from '../index.js';
import { ADMIN_OPTIONS, type Admin, AdminError, adminClient, adminError, optionalGet } from './common/admin.js';
import { commandParser, intOption, parseArgs } from './common/args.js';
import { EXIT_OK, reportError, reportUsage, UsageError } from './common/errors.js';
import { type CliIo, processIo, sleep } from './common/io.js';
import { jsonKey } from './common/json-keys.js';
import { runCommand } from './common/run.js';
import { type Cell, type Column, Repr, renderTable, sortRows } from './common/table.js';

const NAME = 'qpid-stat';

const USAGE = `$0 -g [options]
       $0 -c [options]
       $0 -e [options]
       $0 -q [options] [queue-name]
       $0 -u [options]
       $0 -m [options]
       $0 -l [options]`;

const DISPLAYS = ['general', 'connections', 'exchanges', 'queues', 'subscriptions', 'memory', 'links'] as const;
type Display = (typeof DISPLAYS)[number];

function parser() {
  return commandParser(NAME, USAGE)
    .options({
      ...ADMIN_OPTIONS,
      general: { alias: 'g', type: 'boolean', describe: 'show general broker stats' },
      connections: { alias: 'c', type: 'boolean', describe: 'show connections' },
      exchanges: { alias: 'e', type: 'boolean', describe: 'show exchanges' },
      queues: { alias: 'q', type: 'boolean', describe: 'show queues (or one queue, named after -q)' },
      subscriptions: { alias: 'u', type: 'boolean', describe: 'show subscriptions (consumers)' },
      memory: { alias: 'm', type: 'boolean', describe: 'show broker memory stats' },
      links: {
        alias: 'l',
        type: 'boolean',
        describe: 'show federation links (qpid-route shovels) with their counters',
      },
      'sort-by': { alias: 'S', type: 'string', requiresArg: true, describe: 'sort by column name' },
      increasing: { alias: 'I', type: 'boolean', describe: 'sort by increasing value (default = decreasing)' },
      limit: {
        alias: 'L',
        type: 'number',
        requiresArg: true,
        describe: 'limit output to n rows [default: 50 when sorting]',
      },
      json: { type: 'boolean', describe: 'print the values as JSON (one document per redraw with --watch)' },
      watch: {
        type: 'number',
        requiresArg: true,
        describe: 'redraw every SECONDS with per-second rates, until Ctrl-C',
      },
      iterations: { type: 'number', requiresArg: true, hidden: true, describe: 'stop --watch after N redraws' },
      verbose: { alias: 'v', type: 'boolean', describe: 'print stack traces on errors' },
    })
    .example(`${NAME} -q`, 'every queue with its depth, enqueues, dequeues, consumers and bindings')
    .example(`${NAME} -q my-queue`, "one queue's properties and statistics")
    .example(`${NAME} -q -S msg -L 10`, 'the ten deepest queues')
    .example(`${NAME} -e -b guest/guest@broker-host:5672`, 'exchanges of another broker')
    .example(`${NAME} -q --watch 2`, 'redraw the queue table every 2 s with msgIn/s and msgOut/s')
    .example(`${NAME} -g --json`, 'the broker summary as JSON');
}

type Args = Awaited<ReturnType<ReturnType<typeof parser>['parse']>>;

/** One table of a display; `counters` are the columns that get a per-second rate under --watch. */
interface Table {
  title: string;
  columns: Column[];
  rows: Cell[][];
  sortable?: boolean;
  counters?: number[];
  /** Rates the broker reports, per row and counter, used until two samples exist. */
  brokerRates?: (number | undefined)[][];
}

interface Sample {
  at: number;
  tables: Table[];
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const parsed = parseArgs(parser(), argv, io, NAME);
  if ('exit' in parsed) return parsed.exit;
  const args = parsed.args as unknown as Args;
  const verbose = args.verbose === true;
  let admin: Admin;
  let display: Display;
  let queueName: string | undefined;
  let watch: number | undefined;
  let iterations: number | undefined;
  let limit: number | undefined;
  try {
    admin = await adminClient(args);
    const chosen = DISPLAYS.filter((d) => args[d] === true);
    if (chosen.length === 0) {
      throw new UsageError('You must specify one of these options: -g, -c, -e, -q, -m, or -u');
    }
    if (chosen.length > 1) throw new UsageError('give only one of these options: -g, -c, -e, -q, -m, or -u');
    display = chosen[0] as Display;
    const words = args._.map(String);
    if (display === 'queues' && words.length === 1) queueName = words[0];
    else if (words.length > 0) throw new UsageError(`unexpected argument '${words[0]}'`);
    if (args.watch !== undefined && !(Number.isFinite(args.watch) && args.watch > 0)) {
      throw new UsageError('option --watch: expected seconds > 0');
    }
    watch = args.watch;
    iterations = intOption('iterations', args.iterations, 1);
    limit = intOption('limit', args.limit, 0);
  } catch (e) {
    if (e instanceof UsageError) return reportUsage(io, NAME, e.message);
    return reportError(io, e, verbose);
  }

  try {
    let prev: Sample | undefined;
    for (let i = 0; ; i++) {
      const sample: Sample = { at: Date.now(), tables: await collect(admin, display, queueName) };
      const tables = sample.tables.map((t, k) =>
        finish(t, watch === undefined ? undefined : prev?.tables[k], prev, sample, args, limit),
      );
      print(io, tables, args, watch, argv, sample.at);
      prev = sample;
      if (watch === undefined || (iterations !== undefined && i + 1 >= iterations)) break;
      await sleep(watch * 1000, io.signal);
      if (io.signal?.aborted) break;
    }
    return EXIT_OK;
  } catch (e) {
    if (e instanceof UsageError) return reportUsage(io, NAME, e.message);
    return reportError(io, adminError(e, undefined, admin.source), verbose);
  }
}

// ---- output ----------------------------------------------------------------------

/** Adds the rate columns (under --watch), then sorts and cuts the rows as -S/-I/-L ask. */
function finish(
  t: Table,
  before: Table | undefined,
  prev: Sample | undefined,
  cur: Sample,
  args: Args,
  limit: number | undefined,
): Table {
  let columns = t.columns;
  let rows = t.rows;
  if (args.watch !== undefined && t.counters && t.counters.length > 0) {
    const counters = t.counters;
    const dt = prev ? (cur.at - prev.at) / 1000 : 0;
    const old = new Map<Cell, Cell[]>();
    for (const r of before?.rows ?? []) old.set(r[0], r);
    columns = [...columns, ...counters.map((c) => ({ head: `${t.columns[c]?.head}/s`, format: 'rate' as const }))];
    rows = rows.map((r, i) => {
      const was = old.get(r[0]);
      const rates = counters.map((c, k) => {
        const now = r[c];
        const then = was?.[c];
        if (was && dt > 0 && typeof now === 'number' && typeof then === 'number') return (now - then) / dt;
        return t.brokerRates?.[i]?.[k];
      });
      return [...r, ...rates];
    });
  }
  if (t.sortable && args['sort-by'] !== undefined) {
    rows = sortRows(columns, rows, args['sort-by'], args.increasing === true, limit ?? 50);
  } else if (t.sortable && limit !== undefined && limit > 0) {
    rows = rows.slice(0, limit);
  }
  return { ...t, columns, rows };
}

/** JSON values are real JSON: structured cells as themselves, empty cells as null. */
function jsonCell(v: Cell): unknown {
  return v instanceof Repr ? v.value : (v ?? null);
}

function tableJson(t: Table): Record<string, unknown>[] {
  return t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [jsonKey(c.head), jsonCell(r[i])])));
}

function print(io: CliIo, tables: Table[], args: Args, watch: number | undefined, argv: string[], at: number): void {
  if (args.json) {
    const body =
      tables.length === 1
        ? tableJson(tables[0] as Table)
        : Object.fromEntries(tables.map((t) => [jsonKey(t.title), tableJson(t)]));
    const doc = watch === undefined ? body : { time: new Date(at).toISOString(), data: body };
    io.stdout(`${JSON.stringify(doc, null, watch === undefined ? 2 : undefined)}\n`);
    return;
  }
  let text = '';
  if (watch !== undefined) {
    // Like top: clear and redraw on a terminal; separate the redraws with a blank line in a pipe.
    text += io.isTTY ? '\x1b[H\x1b[2J' : '';
    text += `Every ${watch}s: ${NAME} ${argv.join(' ')}    ${new Date(at).toISOString()}\n\n`;
  }
  text += tables.map((t) => renderTable(t.title, t.columns, t.rows)).join('\n');
  if (watch !== undefined && !io.isTTY) text += '\n';
  io.stdout(text);
}

// ---- collecting ------------------------------------------------------------------

function collect(admin: Admin, display: Display, queue: string | undefined): Promise<Table[]> {
  switch (display) {
    case 'general':
      return general(admin);
    case 'connections':
      return connections(admin);
    case 'exchanges':
      return exchanges(admin);
    case 'queues':
      return queue === undefined ? queues(admin) : oneQueue(admin, queue);
    case 'subscriptions':
      return subscriptions(admin);
    case 'memory':
      return memory(admin);
    case 'links':
      return links(admin);
  }
}

/** Messages taken off a queue for good: acknowledged, or delivered/fetched without acknowledgement. */
function dequeues(s: QueueMessageStats | undefined): number | undefined {
  if (s === undefined) return undefined;
  return (s.ack ?? 0) + (s.deliver_no_ack ?? 0) + (s.get_no_ack ?? 0);
}

function enqueues(q: QueueInfo): number {
  return q.message_stats?.publish ?? 0;
}

/**
 * The discards-* rows from the bundled broker's per-queue counters (qpid_discards), summed over `ds`;
 * empty cells where the broker keeps none (RabbitMQ), or for what 0-9-1 has no notion of (LVQ).
 */
function discardRows(ds: (QueueDiscards | undefined)[]): Cell[][] {
  const known = ds.filter((d): d is QueueDiscards => d !== undefined);
  const total = (k: keyof QueueDiscards) => (known.length === 0 ? undefined : sum(known.map((d) => d[k])));
  return [
    ['discards-ttl-expired', total('ttl_expired'), undefined],
    ['discards-limit-overflow', total('limit_overflow'), undefined],
    ['discards-ring-overflow', total('ring_overflow'), undefined],
    ['discards-lvq-replace', undefined, undefined],
    ['discards-subscriber-reject', total('subscriber_reject'), undefined],
    ['discards-purged', total('purged'), undefined],
    ['discards-dead-lettered', total('dead_lettered'), undefined],
  ];
}

const sum = (xs: (number | undefined)[]) => xs.reduce<number>((a, b) => a + (b ?? 0), 0);

async function general(admin: Admin): Promise<Table[]> {
  const [ov, qs] = await Promise.all([admin.client.overview(), admin.client.queues()]);
  const node = await optionalGet<{ uptime?: number }>(admin, `/api/nodes/${encodeURIComponent(ov.node)}`);
  const totals = ov.object_totals;
  const stats = (ov.message_stats ?? {}) as QueueMessageStats & {
    drop_unroutable?: number;
    return_unroutable?: number;
  };
  const summary: Table = {
    title: 'Broker Summary:',
    columns: [
      { head: 'uptime', format: 'duration' },
      { head: 'cluster' },
      { head: 'connections', format: 'commas' },
      { head: 'sessions', format: 'commas' },
      { head: 'exchanges', format: 'commas' },
      { head: 'queues', format: 'commas' },
    ],
    rows: [[node?.uptime, ov.cluster_name, totals.connections, totals.channels, totals.exchanges, totals.queues]],
  };
  const u = undefined;
  const noRoute =
    stats.drop_unroutable === undefined && stats.return_unroutable === undefined
      ? u
      : (stats.drop_unroutable ?? 0) + (stats.return_unroutable ?? 0);
  const aggregate: Table = {
    title: 'Aggregate Broker Statistics:',
    columns: [{ head: 'Statistic' }, { head: 'Messages', format: 'commas' }, { head: 'Bytes', format: 'commas' }],
    rows: [
      ['queue-depth', ov.queue_totals.messages ?? sum(qs.map((q) => q.messages)), sum(qs.map((q) => q.message_bytes))],
      ['total-enqueues', sum(qs.map(enqueues)), u],
      ['total-dequeues', sum(qs.map((q) => dequeues(q.message_stats))), u],
      ['persistent-enqueues', u, u],
      ['persistent-dequeues', u, u],
      ['transactional-enqueues', u, u],
      ['transactional-dequeues', u, u],
      ['flow-to-disk-depth', u, u],
      ['flow-to-disk-enqueues', u, u],
      ['flow-to-disk-dequeues', u, u],
      ['acquires', stats.deliver_get ?? 0, u],
      ['releases', stats.redeliver ?? 0, u],
      ['discards-no-route', noRoute, u],
      ...discardRows(qs.map((q) => q.qpid_discards)),
      ['reroutes', u, u],
      ['abandoned', u, u],
      ['abandoned-via-alt', u, u],
    ],
    counters: [1],
  };
  return [summary, aggregate];
}

type ChannelWithStats = ChannelInfo & { message_stats?: { publish?: number; deliver_get?: number } };

function processOf(c: ConnectionInfo | undefined): [Cell, Cell] {
  const p = c?.client_properties ?? {};
  const name = p['qpid.client_process'] ?? p['product'];
  const pid = p['qpid.client_pid'];
  return [
    typeof name === 'string' && name !== '' ? name : '-',
    typeof pid === 'number' || typeof pid === 'string' ? pid : u0,
  ];
}
const u0 = undefined;

const addressOf = (c: { peer_host?: string; peer_port?: number }) => `${c.peer_host}:${c.peer_port}`;

async function connections(admin: Admin): Promise<Table[]> {
  const [conns, channels] = await Promise.all([
    admin.client.connections(),
    admin.client.channels() as Promise<ChannelWithStats[]>,
  ]);
  const now = Date.now();
  const rows = conns.map((c): Cell[] => {
    const mine = channels.filter((ch) => ch.connection_details?.name === c.name);
    const withStats = mine.filter((ch) => ch.message_stats !== undefined);
    const counted = (k: 'publish' | 'deliver_get') =>
      withStats.length === 0 ? undefined : sum(withStats.map((ch) => ch.message_stats?.[k]));
    const mech = (c as ConnectionInfo & { auth_mechanism?: string }).auth_mechanism;
    return [
      addressOf(c),
      ...processOf(c),
      mech || '-',
      c.user || '-',
      typeof c.connected_at === 'number' ? now - c.connected_at : undefined,
      undefined,
      counted('publish'),
      counted('deliver_get'),
      c.recv_oct,
      c.send_oct,
    ];
  });
  return [
    {
      title: 'Connections',
      columns: [
        { head: 'connection' },
        { head: 'cproc' },
        { head: 'cpid' },
        { head: 'mech' },
        { head: 'auth' },
        { head: 'connected', format: 'duration' },
        { head: 'idle', format: 'duration' },
        { head: 'msgIn', format: 'kmg' },
        { head: 'msgOut', format: 'kmg' },
        { head: 'bytesIn', format: 'kmg' },
        { head: 'bytesOut', format: 'kmg' },
      ],
      rows,
      sortable: true,
      counters: [7, 8, 9, 10],
    },
  ];
}

function bindCounts(bindings: BindingInfo[], by: (b: BindingInfo) => string | undefined): Map<string, number> {
  const m = new Map<string, number>();
  for (const b of bindings) {
    const k = by(b);
    if (k !== undefined) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

async function exchanges(admin: Admin): Promise<Table[]> {
  const [xs, bindings] = await Promise.all([admin.client.exchanges(admin.vhost), admin.client.bindings(admin.vhost)]);
  const counts = bindCounts(bindings, (b) => b.source);
  const rows = xs.map((x: ExchangeInfo): Cell[] => [
    x.name,
    x.type,
    x.durable,
    counts.get(x.name) ?? 0,
    x.message_stats?.publish_in ?? 0,
    x.message_stats?.publish_out ?? 0,
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  return [
    {
      title: 'Exchanges',
      columns: [
        { head: 'exchange' },
        { head: 'type' },
        { head: 'dur', format: 'y' },
        { head: 'bind', format: 'kmg' },
        { head: 'msgIn', format: 'kmg' },
        { head: 'msgOut', format: 'kmg' },
        { head: 'msgDrop', format: 'kmg' },
        { head: 'byteIn', format: 'kmg' },
        { head: 'byteOut', format: 'kmg' },
        { head: 'byteDrop', format: 'kmg' },
      ],
      rows,
      sortable: true,
      counters: [4, 5],
      brokerRates: xs.map((x) => [
        x.message_stats?.publish_in_details?.rate,
        x.message_stats?.publish_out_details?.rate,
      ]),
    },
  ];
}

async function queues(admin: Admin): Promise<Table[]> {
  const [qs, bindings] = await Promise.all([admin.client.queues(admin.vhost), admin.client.bindings(admin.vhost)]);
  const counts = bindCounts(bindings, (b) => (b.destination_type === 'queue' ? b.destination : undefined));
  const rows = qs.map((q): Cell[] => [
    q.name,
    q.durable,
    q.auto_delete,
    q.exclusive,
    q.messages ?? 0,
    enqueues(q),
    dequeues(q.message_stats) ?? 0,
    q.message_bytes ?? 0,
    undefined,
    undefined,
    q.consumers ?? 0,
    counts.get(q.name) ?? 0,
  ]);
  return [
    {
      title: 'Queues',
      columns: [
        { head: 'queue' },
        { head: 'dur', format: 'y' },
        { head: 'autoDel', format: 'y' },
        { head: 'excl', format: 'y' },
        { head: 'msg', format: 'kmg' },
        { head: 'msgIn', format: 'kmg' },
        { head: 'msgOut', format: 'kmg' },
        { head: 'bytes', format: 'kmg' },
        { head: 'bytesIn', format: 'kmg' },
        { head: 'bytesOut', format: 'kmg' },
        { head: 'cons', format: 'kmg' },
        { head: 'bind', format: 'kmg' },
      ],
      rows,
      sortable: true,
      counters: [5, 6],
      brokerRates: qs.map((q) => {
        const s = q.message_stats;
        const out = s && [s.ack_details, s.deliver_no_ack_details, s.get_no_ack_details].some((d) => d !== undefined);
        return [
          s?.publish_details?.rate,
          out
            ? (s?.ack_details?.rate ?? 0) + (s?.deliver_no_ack_details?.rate ?? 0) + (s?.get_no_ack_details?.rate ?? 0)
            : undefined,
        ];
      }),
    },
  ];
}

async function oneQueue(admin: Admin, name: string): Promise<Table[]> {
  let q: QueueInfo;
  let bindings: BindingInfo[];
  try {
    [q, bindings] = await Promise.all([
      admin.client.queue(admin.vhost, name),
      admin.client.queueBindings(admin.vhost, name),
    ]);
  } catch (e) {
    const err = adminError(e);
    if (err instanceof AdminError && err.status === 404) {
      throw new AdminError(`Queue '${name}' not found (404 Not Found)`, 404, { cause: e });
    }
    throw err;
  }
  const args = q.arguments ?? {};
  const alt = args['x-dead-letter-exchange'] ?? args['alternate-exchange'];
  const u = undefined;
  const s = q.message_stats;
  return [
    {
      title: 'Properties:',
      columns: [
        { head: 'Name' },
        { head: 'Durable', format: 'yn' },
        { head: 'AutoDelete', format: 'yn' },
        { head: 'Exclusive', format: 'yn' },
        { head: 'FlowStopped', format: 'yn' },
        { head: 'FlowStoppedCount', format: 'commas' },
        { head: 'Consumers', format: 'commas' },
        { head: 'Bindings', format: 'commas' },
      ],
      rows: [[q.name, q.durable, q.auto_delete, q.exclusive, q.state === 'flow', u, q.consumers ?? 0, bindings.length]],
    },
    {
      title: 'Optional Properties:',
      columns: [{ head: 'Property' }, { head: 'Value' }],
      rows: [
        ['arguments', new Repr(args, pyRepr(args))],
        ['alt-exchange', typeof alt === 'string' ? alt : u],
      ],
    },
    {
      title: 'Statistics:',
      columns: [{ head: 'Statistic' }, { head: 'Messages', format: 'commas' }, { head: 'Bytes', format: 'commas' }],
      rows: [
        ['queue-depth', q.messages ?? 0, q.message_bytes ?? 0],
        ['total-enqueues', enqueues(q), u],
        ['total-dequeues', dequeues(s) ?? 0, u],
        ['persistent-enqueues', u, u],
        ['persistent-dequeues', u, u],
        ['transactional-enqueues', u, u],
        ['transactional-dequeues', u, u],
        ['flow-to-disk-depth', u, u],
        ['flow-to-disk-enqueues', u, u],
        ['flow-to-disk-dequeues', u, u],
        ['acquires', s?.deliver_get ?? 0, u],
        ['releases', s?.redeliver ?? 0, u],
        ...discardRows([q.qpid_discards]),
        ['reroutes', u, u],
      ],
      counters: [1],
    },
  ];
}

async function subscriptions(admin: Admin): Promise<Table[]> {
  const [consumers, conns, channels] = await Promise.all([
    admin.client.consumers(),
    admin.client.connections(),
    admin.client.channels(),
  ]);
  const byName = new Map(conns.map((c) => [c.name, c]));
  const channelByName = new Map(channels.map((ch) => [ch.name, ch]));
  const rows = consumers
    .filter((c: ConsumerInfo) => c.queue?.vhost === undefined || c.queue.vhost === admin.vhost)
    .map((c): Cell[] => {
      const d = c.channel_details ?? {};
      const conn = d.connection_name === undefined ? undefined : byName.get(d.connection_name);
      const ch = d.name === undefined ? undefined : channelByName.get(d.name);
      return [
        c.consumer_tag,
        c.queue?.name,
        conn ? addressOf(conn) : d.peer_host === undefined ? undefined : addressOf(d),
        ...processOf(conn),
        false,
        c.ack_required,
        c.exclusive,
        c.prefetch_count > 0 ? `WINDOW(${c.prefetch_count})` : 'UNLIMITED',
        undefined,
        ch?.messages_unacknowledged,
      ];
    });
  return [
    {
      title: 'Subscriptions',
      columns: [
        { head: 'subscr' },
        { head: 'queue' },
        { head: 'conn' },
        { head: 'procName' },
        { head: 'procId' },
        { head: 'browse', format: 'y' },
        { head: 'acked', format: 'y' },
        { head: 'excl', format: 'y' },
        { head: 'creditMode' },
        { head: 'delivered', format: 'commas' },
        { head: 'sessUnacked', format: 'commas' },
      ],
      rows,
      sortable: true,
    },
  ];
}

async function memory(admin: Admin): Promise<Table[]> {
  const ov = await admin.client.overview();
  const node = await optionalGet<{ memory?: Record<string, unknown> }>(
    admin,
    `/api/nodes/${encodeURIComponent(ov.node)}?memory=true`,
  );
  const rows: Cell[][] = [];
  if (node?.memory) {
    for (const [k, v] of Object.entries(node.memory)) {
      if (typeof v === 'number') rows.push([k, v]);
      else if (v !== null && typeof v === 'object') {
        for (const [k2, v2] of Object.entries(v)) if (typeof v2 === 'number') rows.push([`${k}-${k2}`, v2]);
      }
    }
  } else {
    // The bundled broker has no node endpoint: what its queues hold.
    const qs = await admin.client.queues();
    rows.push(['queue-memory', sum(qs.map((q) => q.memory))]);
    rows.push(['message-bytes', sum(qs.map((q) => q.message_bytes))]);
    rows.push(['messages', sum(qs.map((q) => q.messages))]);
  }
  return [
    {
      title: 'Broker Memory Statistics:',
      columns: [{ head: 'Statistic' }, { head: 'Value', format: 'commas' }],
      rows,
    },
  ];
}

export async function run(): Promise<void> {
  await runCommand(main);
}

interface ShovelStatus {
  name: string;
  state: string;
  src_uri?: string;
  received?: number;
  forwarded?: number;
  acked?: number;
  reconnects?: number;
  last_error?: string;
  reason?: string;
}

/** Federation links: /api/shovels (the bundled broker adds counters; RabbitMQ's plugin has none). */
async function links(admin: Admin): Promise<Table[]> {
  const shovels = (await optionalGet<ShovelStatus[]>(admin, '/api/shovels')) ?? [];
  const rows = shovels.map((s): Cell[] => [
    s.name,
    s.src_uri ?? '',
    s.state,
    s.received,
    s.forwarded,
    s.acked,
    s.reconnects,
    s.last_error ?? s.reason ?? '',
  ]);
  return [
    {
      title: 'Federation Links',
      columns: [
        { head: 'link' },
        { head: 'source' },
        { head: 'state' },
        { head: 'msgIn', format: 'kmg' },
        { head: 'msgOut', format: 'kmg' },
        { head: 'acked', format: 'kmg' },
        { head: 'reconnects', format: 'kmg' },
        { head: 'lastError' },
      ],
      rows,
    },
  ];
}
