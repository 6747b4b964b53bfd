/**
 * Durable topology: virtual hosts, durable exchanges, durable queues (with
 * their arguments and the store's queue id) and the bindings between durable
 * things, as one JSON file replaced atomically (write temp, fsync, rename,
 * fsync the directory). Arguments are kept as base64 AMQP field tables so
 * every field type round-trips exactly.
 */
import { readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeFieldTable, encodeFieldTable, type FieldTable } from '../../protocol/index.js';
import type { AccessSnapshot } from '../auth/types.js';
import { Exchange } from '../exchange.js';
import type { Queue } from '../queue.js';
import type { VHost } from '../vhost.js';
import { StoreError } from './store-error.js';

export interface ExchangeDef {
  vhost: string;
  name: string;
  type: string;
  autoDelete: boolean;
  internal: boolean;
  args: string;
}

export interface QueueDef {
  vhost: string;
  name: string;
  id: number;
  autoDelete: boolean;
  args: string;
}

export interface BindingDef {
  vhost: string;
  source: string;
  destination: string;
  destinationType: 'queue' | 'exchange';
  routingKey: string;
  args: string;
}

export interface Definitions {
  version: 1;
  nextQueueId: number;
  vhosts: string[];
  exchanges: ExchangeDef[];
  queues: QueueDef[];
  bindings: BindingDef[];
  /** Users, permissions and vhost limits; absent in files written before access control existed. */
  access?: AccessSnapshot;
}

export const DEFINITIONS_FILE = 'definitions.json';

export function emptyDefinitions(): Definitions {
  return { version: 1, nextQueueId: 1, vhosts: [], exchanges: [], queues: [], bindings: [] };
}

export function encodeArgs(args: FieldTable): string {
  return encodeFieldTable(args).toString('base64');
}

export function decodeArgs(s: string): FieldTable {
  const b = Buffer.from(s, 'base64');
  return decodeFieldTable(b, 0).value;
}

/** The durable part of the broker's topology; `queueId` gives (or assigns) a durable queue's store id. */
export function snapshotDefinitions(
  vhosts: Iterable<VHost>,
  queueId: (q: Queue) => number,
  nextQueueId: () => number,
  access?: AccessSnapshot,
): Definitions {
  const d = emptyDefinitions();
  if (access !== undefined) d.access = access;
  for (const v of vhosts) {
    d.vhosts.push(v.name);
    for (const x of v.exchanges.values()) {
      if (!x.durable || x.builtin) continue;
      d.exchanges.push({
        vhost: v.name,
        name: x.name,
        type: x.type,
        autoDelete: x.autoDelete,
        internal: x.internal,
        args: encodeArgs(x.args),
      });
    }
    for (const q of v.queues.values()) {
      if (!q.durable) continue;
      d.queues.push({
        vhost: v.name,
        name: q.name,
        id: queueId(q),
        autoDelete: q.autoDelete,
        args: encodeArgs(q.args),
      });
    }
    for (const x of v.exchanges.values()) {
      if (!x.durable || x.name === '') continue;
      for (const b of x.router.entries()) {
        const dest = b.destination;
        if (!dest.durable) continue;
        d.bindings.push({
          vhost: v.name,
          source: x.name,
          destination: dest.name,
          destinationType: dest instanceof Exchange ? 'exchange' : 'queue',
          routingKey: b.bindingKey,
          args: encodeArgs(b.args),
        });
      }
    }
  }
  d.nextQueueId = nextQueueId();
  return d;
}

/** Reads the definitions file; a missing file is an empty broker, an unreadable one an error naming it. */
export function readDefinitions(dir: string): Definitions {
  const path = join(dir, DEFINITIONS_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyDefinitions();
    throw new StoreError(`cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    const d = JSON.parse(text) as Definitions;
    if (d.version !== 1 || !Array.isArray(d.queues) || !Array.isArray(d.exchanges) || !Array.isArray(d.bindings)) {
      throw new Error('unknown format');
    }
    return d;
  } catch (e) {
    throw new StoreError(`corrupt definitions file ${path}: ${(e as Error).message}`);
  }
}

/** Replaces the definitions file atomically and durably. */
export async function writeDefinitions(dir: string, d: Definitions): Promise<void> {
  const path = join(dir, DEFINITIONS_FILE);
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(JSON.stringify(d));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await syncDir(dir);
}

export async function syncDir(dir: string): Promise<void> {
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await dh.close();
  }
}

/**
 * Re-declares the stored topology through the vhosts' own methods: exchanges,
 * then queues, then bindings. Returns the queues by store id.
 */
export function restoreDefinitions(
  d: Definitions,
  vhostFor: (name: string) => VHost,
  file: string,
): Map<number, Queue> {
  const queues = new Map<number, Queue>();
  const owner = {};
  const fail = (what: string, e: unknown) =>
    new StoreError(`cannot restore ${what} from ${file}: ${(e as Error).message ?? String(e)}`);
  for (const name of d.vhosts ?? []) vhostFor(name);
  for (const x of d.exchanges) {
    try {
      vhostFor(x.vhost).declareExchange({
        name: x.name,
        type: x.type,
        passive: false,
        durable: true,
        autoDelete: x.autoDelete,
        internal: x.internal,
        args: decodeArgs(x.args),
      });
    } catch (e) {
      throw fail(`exchange '${x.name}' in vhost '${x.vhost}'`, e);
    }
  }
  for (const q of d.queues) {
    try {
      const queue = vhostFor(q.vhost).declareQueue(
        {
          name: q.name,
          passive: false,
          durable: true,
          exclusive: false,
          autoDelete: q.autoDelete,
          args: decodeArgs(q.args),
        },
        owner,
      );
      queues.set(q.id, queue);
    } catch (e) {
      throw fail(`queue '${q.name}' in vhost '${q.vhost}'`, e);
    }
  }
  for (const b of d.bindings) {
    try {
      const v = vhostFor(b.vhost);
      const args = decodeArgs(b.args);
      if (b.destinationType === 'queue') v.bindQueue(b.destination, b.source, b.routingKey, args, owner);
      else v.bindExchange(b.destination, b.source, b.routingKey, args);
    } catch (e) {
      throw fail(`binding ${b.source} -> ${b.destination} in vhost '${b.vhost}'`, e);
    }
  }
  return queues;
}
