/**
 * qpid-ctl's list_* verbs: rabbitmqctl's default columns and info lines,
 * any column the management API reports may be asked for by name
 * (`list_queues name messages consumers`), as rabbitmqctl's info items.
 */

import type { AccessClient } from '../admin/index.js';
import { tagList } from '../admin/index.js';
import type { Admin } from './common/admin.js';
import { UsageError } from './common/errors.js';
import type { CliIo } from './common/io.js';

/** What a verb prints: an info line (dropped by -q) and a table or free text. */
export interface Output {
  info?: string;
  table?: { columns: string[]; rows: unknown[][] };
  text?: string;
}

export interface VerbContext {
  admin: Admin;
  access: AccessClient;
  vhost: string;
  args: string[];
  io: CliIo;
}

interface ListVerb {
  usage: string;
  min: number;
  max: number;
  run(ctx: VerbContext): Promise<Output>;
}

type Row = Record<string, unknown>;

/** rabbitmqctl column names that the management API spells differently. */
const ALIASES: Record<string, string> = {
  source_name: 'source',
  destination_name: 'destination',
  queue_name: 'queue.name',
  channel_pid: 'channel_details.name',
  pid: 'name',
};

function pick(row: Row, column: string): unknown {
  let v: unknown = row;
  for (const part of (ALIASES[column] ?? column).split('.')) {
    v = v !== null && typeof v === 'object' ? (v as Row)[part] : undefined;
  }
  return v;
}

function table(columns: string[], items: Row[]): Output['table'] {
  return { columns, rows: items.map((r) => columns.map((c) => pick(r, c))) };
}

function listing(
  usage: string,
  defaults: string[],
  info: (vhost: string) => string,
  fetch: (ctx: VerbContext) => Promise<Row[]>,
): ListVerb {
  return {
    usage,
    min: 0,
    max: Number.POSITIVE_INFINITY,
    async run(ctx) {
      const columns = ctx.args.length > 0 ? ctx.args : defaults;
      const items = await fetch(ctx);
      return { info: info(ctx.vhost), table: table(columns, items) };
    },
  };
}

const byVhost = (vhost: string) => (r: Row) => (pick(r, 'queue.vhost') ?? r['vhost']) === vhost;

export const LIST_VERBS: Record<string, ListVerb> = {
  list_users: {
    usage: '',
    min: 0,
    max: 0,
    async run({ access }) {
      const users = await access.users();
      return {
        info: 'Listing users ...',
        table: { columns: ['user', 'tags'], rows: users.map((u) => [u.name, tagList(u.tags)]) },
      };
    },
  },
  list_vhosts: listing(
    '[<column> ...]',
    ['name'],
    () => 'Listing vhosts ...',
    async ({ admin }) => (await admin.client.vhosts()) as unknown as Row[],
  ),
  list_permissions: {
    usage: '[-p <vhost>]',
    min: 0,
    max: 0,
    async run({ access, vhost }) {
      const list = await access.vhostPermissions(vhost);
      return {
        info: `Listing permissions for vhost "${vhost}" ...`,
        table: {
          columns: ['user', 'configure', 'write', 'read'],
          rows: list.map((p) => [p.user, p.configure, p.write, p.read]),
        },
      };
    },
  },
  list_user_permissions: {
    usage: '<username>',
    min: 1,
    max: 1,
    async run({ access, args: [user] }) {
      const list = await access.userPermissions(user as string);
      return {
        info: `Listing permissions for user "${user}" ...`,
        table: {
          columns: ['vhost', 'configure', 'write', 'read'],
          rows: list.map((p) => [p.vhost, p.configure, p.write, p.read]),
        },
      };
    },
  },
  list_vhost_limits: {
    usage: '[-p <vhost>]',
    min: 0,
    max: 0,
    async run({ access, vhost }) {
      const list = await access.vhostLimits(vhost);
      return {
        info: `Listing limits for vhost "${vhost}" ...`,
        text: list.length > 0 ? JSON.stringify(list[0]?.value ?? {}) : undefined,
      };
    },
  },
  list_user_limits: {
    usage: '<username>',
    min: 1,
    max: 1,
    async run({ access, args: [user] }) {
      const u = await access.user(user as string);
      return { info: `Listing limits for user "${user}" ...`, text: JSON.stringify(u.limits ?? {}) };
    },
  },
  list_queues: listing(
    '[-p <vhost>] [<column> ...]',
    ['name', 'messages'],
    (v) => `Listing queues for vhost ${v} ...`,
    async ({ admin, vhost }) => (await admin.client.queues(vhost)) as unknown as Row[],
  ),
  list_exchanges: listing(
    '[-p <vhost>] [<column> ...]',
    ['name', 'type'],
    (v) => `Listing exchanges for vhost ${v} ...`,
    async ({ admin, vhost }) => (await admin.client.exchanges(vhost)) as unknown as Row[],
  ),
  list_bindings: listing(
    '[-p <vhost>] [<column> ...]',
    ['source_name', 'source_kind', 'destination_name', 'destination_kind', 'routing_key', 'arguments'],
    (v) => `Listing bindings for vhost ${v}...`,
    async ({ admin, vhost }) =>
      ((await admin.client.bindings(vhost)) as unknown as Row[]).map((b) => ({
        ...b,
        source_kind: 'exchange',
        destination_kind: b['destination_type'],
      })),
  ),
  list_connections: listing(
    '[<column> ...]',
    ['user', 'peer_host', 'peer_port', 'state'],
    () => 'Listing connections ...',
    async ({ admin }) => (await admin.client.connections()) as unknown as Row[],
  ),
  list_channels: listing(
    '[<column> ...]',
    ['name', 'user', 'consumer_count', 'messages_unacknowledged'],
    () => 'Listing channels ...',
    async ({ admin }) => (await admin.client.channels()) as unknown as Row[],
  ),
  list_consumers: listing(
    '[-p <vhost>] [<column> ...]',
    ['queue_name', 'channel_pid', 'consumer_tag', 'ack_required', 'prefetch_count', 'active', 'arguments'],
    (v) => `Listing consumers in vhost ${v} ...`,
    async ({ admin, vhost }) => ((await admin.client.consumers()) as unknown as Row[]).filter(byVhost(vhost)),
  ),
};

export function listVerb(name: string): ListVerb | undefined {
  if (name.startsWith('list_')) throw new UsageError(`unknown command '${name}'`);
  return undefined;
}
