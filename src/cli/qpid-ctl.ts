/**
 * `qpid-ctl`: rabbitmqctl's user, vhost, permission, limit and listing verbs,
 * with rabbitmqctl's argument order and output (an info line, then a
 * tab-separated table), working over the management HTTP API so that the
 * same code path serves the bundled broker and RabbitMQ. Exit codes are the
 * toolkit's (0 ok, 1 failure, 2 usage), not rabbitmqctl's sysexits.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { AccessClient, ManagementClient, ManagementError, tagList } from '../admin/index.js';
import { adminClient, adminError } from './common/admin.js';
import { commandParser, startCommand } from './common/args.js';
import { EXIT_FAILURE, EXIT_OK, reportError, reportUsage, UsageError } from './common/errors.js';
import { type CliIo, processIo } from './common/io.js';
import { ADMIN_OPTIONS, VERBOSE_OPTION } from './common/options.js';
import { runCommand } from './common/run.js';
import { LIST_VERBS, listVerb, type Output, type VerbContext } from './qpid-ctl-lists.js';

export type { Output, VerbContext };

const NAME = 'qpid-ctl';

interface Verb {
  usage: string;
  min: number;
  max?: number;
  run(ctx: VerbContext): Promise<Output>;
}

const q = (s: string) => `"${s}"`;

function parseLimits(json: string, what: string): Record<string, number> {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new UsageError(`${what} must be a JSON object, e.g. '{"max-connections": 10}'`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new UsageError(`${what} must be a JSON object`);
  for (const [k, n] of Object.entries(v)) {
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new UsageError(`limit '${k}' must be an integer`);
  }
  return v as Record<string, number>;
}

async function authenticate(ctx: VerbContext): Promise<Output> {
  const [user, password] = ctx.args as [string, string];
  const probe = new ManagementClient({ url: ctx.admin.url, username: user, password, timeoutMs: ctx.admin.timeoutMs });
  try {
    await probe.whoami();
  } catch (e) {
    // not_authorised (no management tag, loopback-only) still means the password was right.
    if (!(e instanceof ManagementError) || e.error !== 'not_authorised') {
      if (e instanceof ManagementError && e.status === 401) {
        throw new Error(`failed to authenticate user "${user}": invalid credentials`);
      }
      throw e;
    }
  }
  return { info: `Authenticating user ${q(user)} ...`, text: 'Success' };
}

const VERBS: Record<string, Verb> = {
  add_user: {
    usage: '<username> <password>',
    min: 2,
    async run({ access, args: [u, p] }) {
      const exists = await access.user(u as string).then(
        () => true,
        (e: unknown) => (e instanceof ManagementError && e.status === 404 ? false : Promise.reject(e)),
      );
      if (exists) throw new Error(`User "${u}" already exists`);
      await access.putUser(u as string, { password: p as string, tags: [] });
      return {
        info: `Adding user ${q(u as string)} ...`,
        text: "Done. Don't forget to grant the user permissions to some virtual hosts! See 'qpid-ctl set_permissions --help' to learn more.",
      };
    },
  },
  delete_user: {
    usage: '<username>',
    min: 1,
    async run({ access, args: [u] }) {
      await notFoundAs(access.deleteUser(u as string), `User "${u}" does not exist`);
      return { info: `Deleting user ${q(u as string)} ...` };
    },
  },
  change_password: {
    usage: '<username> <new_password>',
    min: 2,
    async run({ access, args: [u, p] }) {
      const user = await notFoundAs(access.user(u as string), `User "${u}" does not exist`);
      await access.putUser(u as string, { password: p as string, tags: tagList(user.tags) });
      return { info: `Changing password for user ${q(u as string)} ...` };
    },
  },
  clear_password: {
    usage: '<username>',
    min: 1,
    async run({ access, args: [u] }) {
      const user = await notFoundAs(access.user(u as string), `User "${u}" does not exist`);
      await access.putUser(u as string, { password_hash: '', tags: tagList(user.tags) });
      return { info: `Clearing password for user ${q(u as string)} ...` };
    },
  },
  authenticate_user: { usage: '<username> <password>', min: 2, run: authenticate },
  set_user_tags: {
    usage: '<username> <tag> [...]',
    min: 1,
    max: Number.POSITIVE_INFINITY,
    async run({ access, args: [u, ...tags] }) {
      const user = await notFoundAs(access.user(u as string), `User "${u}" does not exist`);
      // A PUT without a password clears it: send the stored hash back so only the tags change.
      await access.putUser(u as string, { password_hash: user.password_hash, tags });
      return { info: `Setting tags for user ${q(u as string)} to [${tags.join(', ')}] ...` };
    },
  },
  add_vhost: {
    usage: '<vhost>',
    min: 1,
    async run({ access, args: [v] }) {
      await access.putVhost(v as string);
      return { info: `Adding vhost ${q(v as string)} ...` };
    },
  },
  delete_vhost: {
    usage: '<vhost>',
    min: 1,
    async run({ access, args: [v] }) {
      await notFoundAs(access.deleteVhost(v as string), `Virtual host '${v}' does not exist`);
      return { info: `Deleting vhost ${q(v as string)} ...` };
    },
  },
  set_permissions: {
    usage: '[-p <vhost>] <username> <conf> <write> <read>',
    min: 4,
    async run({ access, vhost, args: [u, configure, write, read] }) {
      await access.setPermissions(vhost, u as string, {
        configure: configure as string,
        write: write as string,
        read: read as string,
      });
      return { info: `Setting permissions for user ${q(u as string)} in vhost ${q(vhost)} ...` };
    },
  },
  clear_permissions: {
    usage: '[-p <vhost>] <username>',
    min: 1,
    async run({ access, vhost, args: [u] }) {
      await notFoundAs(access.clearPermissions(vhost, u as string), undefined);
      return { info: `Clearing permissions for user ${q(u as string)} in vhost ${q(vhost)} ...` };
    },
  },
  set_vhost_limits: {
    usage: "[-p <vhost>] '<JSON>'",
    min: 1,
    async run({ access, vhost, args: [json] }) {
      const limits = parseLimits(json as string, 'vhost limits');
      for (const [k, n] of Object.entries(limits)) await access.setVhostLimit(vhost, k, n);
      return { info: `Setting vhost limits to ${q(json as string)} for vhost ${q(vhost)} ...` };
    },
  },
  clear_vhost_limits: {
    usage: '[-p <vhost>]',
    min: 0,
    async run({ access, vhost }) {
      for (const k of ['max-connections', 'max-queues']) await access.clearVhostLimit(vhost, k);
      return { info: `Clearing vhost ${q(vhost)} limits ...` };
    },
  },
  set_user_limits: {
    usage: "<username> '<JSON>'",
    min: 2,
    async run({ access, args: [u, json] }) {
      const limits = parseLimits(json as string, 'user limits');
      for (const [k, n] of Object.entries(limits)) await access.setUserLimit(u as string, k, n);
      return { info: `Setting user limits to ${q(json as string)} for user ${q(u as string)} ...` };
    },
  },
  close_connection: {
    usage: '<connection name> <explanation>',
    min: 2,
    async run({ access, args: [name, why] }) {
      await access.closeConnection(name as string, why as string);
      return { info: `Closing connection ${name}, reason: ${why}...` };
    },
  },
  purge_queue: {
    usage: '[-p <vhost>] <queue>',
    min: 1,
    async run({ admin, vhost, args: [name] }) {
      await admin.client.purge(vhost, name as string);
      return { info: `Purging queue '${name}' in vhost '${vhost}' ...` };
    },
  },
  delete_queue: {
    usage: '[-p <vhost>] <queue>',
    min: 1,
    async run({ admin, vhost, args: [name] }) {
      const info = await notFoundAs(admin.client.queue(vhost, name as string), 'Queue not found');
      await admin.client.deleteQueue(vhost, name as string);
      return {
        info: `Deleting queue '${name}' on vhost '${vhost}' ...`,
        text: `Queue was successfully deleted with ${info.messages ?? 0} messages`,
      };
    },
  },
  export_definitions: {
    usage: '<file> | -',
    min: 1,
    async run({ access, io, args: [file] }) {
      const defs = JSON.stringify(await access.exportDefinitions());
      if (file === '-') return { text: defs };
      writeFileSync(file as string, defs);
      void io;
      return { info: `Exporting definitions in JSON to a file at ${q(file as string)} ...` };
    },
  },
  import_definitions: {
    usage: '<file> | -',
    min: 1,
    async run({ access, io, args: [file] }) {
      const text = file === '-' ? await readStdin(io) : readFileSync(file as string, 'utf8');
      let defs: Record<string, unknown>;
      try {
        defs = JSON.parse(text) as Record<string, unknown>;
      } catch (e) {
        throw new Error(`${file === '-' ? 'standard input' : file} is not JSON: ${(e as Error).message}`);
      }
      await access.importDefinitions(defs);
      return {
        info: `Importing definitions in JSON from a file at ${q(file as string)} ...`,
        text: 'Successfully started definition import. This process is asynchronous and can take some time.',
      };
    },
  },
  status: {
    usage: '',
    min: 0,
    async run({ admin }) {
      const o = await admin.client.overview();
      const t = o.object_totals;
      const lines = [
        `Product: ${o.product_name ?? 'RabbitMQ'} ${o.product_version ?? o.rabbitmq_version ?? ''}`,
        `RabbitMQ version: ${o.rabbitmq_version ?? ''}`,
        `Node: ${o.node ?? ''}`,
        `Cluster name: ${o.cluster_name ?? ''}`,
        '',
        'Listeners',
        ...(o.listeners ?? []).map((l) => `Interface: ${l.ip_address}, port: ${l.port}, protocol: ${l.protocol}`),
        '',
        'Totals',
        `Connections: ${t?.connections ?? 0}`,
        `Channels: ${t?.channels ?? 0}`,
        `Queues: ${t?.queues ?? 0}`,
        `Exchanges: ${t?.exchanges ?? 0}`,
        `Consumers: ${t?.consumers ?? 0}`,
      ];
      return { info: `Status of node ${o.node ?? ''} ...`, text: lines.join('\n') };
    },
  },
  ...LIST_VERBS,
};

/** A 404 from the API becomes `message` (undefined: not an error at all, as clear_permissions on nothing). */
async function notFoundAs<T>(p: Promise<T>, message: string | undefined): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ManagementError && e.status === 404) {
      if (message === undefined) return undefined as T;
      throw new Error(message);
    }
    throw e;
  }
}

async function readStdin(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of io.stdin ?? []) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}

const USAGE = `$0 [options] <command> [<args>]

rabbitmqctl's access-control and listing commands over the management HTTP API,
for the bundled broker and for RabbitMQ alike.

Commands:
${[...Object.entries(VERBS)].map(([n, v]) => `  ${n} ${v.usage}`).join('\n')}`;

function parser() {
  return commandParser(NAME, USAGE)
    .options({
      ...ADMIN_OPTIONS,
      vhost: {
        alias: 'p',
        type: 'string',
        requiresArg: true,
        describe: 'virtual host [default: the URL\'s, else "/"]',
      },
      formatter: { type: 'string', choices: ['table', 'json'], default: 'table', describe: 'output format' },
      quiet: { alias: 'q', type: 'boolean', describe: 'no informational line' },
      silent: { alias: 's', type: 'boolean', describe: 'no informational line and no column headers' },
      verbose: VERBOSE_OPTION,
    })
    .example("$0 add_user app-user 's3cret'", 'seed 003: add a user ...')
    .example('$0 set_user_tags app-user administrator', '... make it an administrator ...')
    .example('$0 add_vhost app', '... give it a vhost ...')
    .example("$0 set_permissions -p app app-user '.*' '.*' '.*'", '... and every permission on it')
    .example('$0 list_users', 'users and their tags')
    .example('$0 list_permissions -p app', 'who may do what on vhost app')
    .example('$0 list_queues -p app name messages consumers', 'queues with the chosen columns')
    .example('$0 set_vhost_limits -p app \'{"max-connections": 100}\'', 'limit a vhost')
    .example('$0 -b amqp://admin:pw@rabbit-host/ list_vhosts', "another broker's vhosts (RabbitMQ too)")
    .example('$0 export_definitions - > defs.json', 'users, vhosts, permissions and topology as JSON');
}

type Args = Awaited<ReturnType<ReturnType<typeof parser>['parse']>>;

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const started = await startCommand(parser(), argv, io, NAME, async (args: Args) => {
    const words = args._.map(String);
    const name = words[0] ?? '';
    if (name === '') throw new UsageError('no command given');
    const verb = VERBS[name] ?? listVerb(name);
    if (verb === undefined) throw new UsageError(`unknown command '${name}'`);
    const rest = words.slice(1);
    const max = verb.max ?? (verb.usage.includes('...') ? Number.POSITIVE_INFINITY : verb.min);
    if (rest.length < verb.min) throw new UsageError(`${name}: not enough arguments (usage: ${name} ${verb.usage})`);
    if (rest.length > max) throw new UsageError(`${name}: too many arguments (usage: ${name} ${verb.usage})`);
    // The management URL is found as for the other admin tools (--mgmt-url, $QPID_MGMT_URL, the broker's, 15672).
    const admin = await adminClient(args, io.env);
    const ctx: VerbContext = {
      admin,
      access: new AccessClient(admin.client),
      vhost: args.vhost ?? admin.vhost,
      args: rest,
      io,
    };
    return { verb, ctx };
  });
  if ('exit' in started) return started.exit;
  const { args, verbose, prepared } = started;
  const { verb, ctx } = prepared;
  try {
    const out = await verb.run(ctx);
    print(io, out, args);
    return EXIT_OK;
  } catch (e) {
    if (e instanceof UsageError) return reportUsage(io, NAME, e.message);
    reportError(io, adminError(e), verbose);
    return EXIT_FAILURE;
  }
}

/** rabbitmqctl's formatters: table is tab-separated with a header; json one object per row. */
function print(io: CliIo, out: Output, args: Args): void {
  const json = args.formatter === 'json';
  const quiet = args.quiet === true || args.silent === true || json;
  if (out.info && !quiet) io.stdout(`${out.info}\n`);
  if (out.table) {
    const { columns, rows } = out.table;
    if (json) {
      const objs = rows.map((r) => JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, r[i] ?? null]))));
      io.stdout(`[\n${objs.join('\n,')}\n]\n`);
      return;
    }
    if (rows.length === 0) return;
    if (args.silent !== true) io.stdout(`${columns.join('\t')}\n`);
    for (const r of rows) io.stdout(`${r.map(cell).join('\t')}\n`);
  }
  if (out.text) io.stdout(`${out.text}\n`);
}

/** rabbitmqctl prints lists as [a, b], booleans and numbers bare, tables as Erlang proplists. */
function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return `[${v.map(cell).join(', ')}]`;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export async function run(): Promise<void> {
  await runCommand(main);
}
