/**
 * The broker's built-in shovels (federation links), keyed by vhost and name as RabbitMQ's
 * `shovel` runtime parameters are. Durable ones (all, unless `qpid.durable: false`) are kept in
 * `<data-dir>/federation.json` (written to a temp file and renamed) and restarted with the broker.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFieldTable, encodeFieldTable } from '../../protocol/index.js';
import type { LogLevel } from '../options.js';
import type { VHost } from '../vhost.js';
import type { MirroredBinding } from './dynamic-bindings.js';
import { resolveFederationId } from './federation-id.js';
import { FederationLink } from './link.js';
import { parseShovelDefinition, ShovelDefinitionError } from './shovel-definition.js';

/** What the federation manager needs from the broker. */
export interface FederationHost {
  readonly vhosts: ReadonlyMap<string, VHost>;
  readonly options: { readonly dataDir: string | undefined; readonly federationId: string | undefined };
  log(level: LogLevel, message: string): void;
}

export interface ShovelParameter {
  readonly vhost: string;
  readonly name: string;
  /** The value as given (RabbitMQ returns it verbatim from GET /api/parameters/shovel). */
  readonly value: Record<string, unknown>;
  readonly durable: boolean;
}

/** A dynamic route's binding at the source as federation.json keeps it (arguments as a base64 field table). */
interface SavedBinding {
  readonly key: string;
  readonly args: string;
}

/** A durable shovel in federation.json: its parameter, and a dynamic route's bindings at the source. */
interface SavedShovel extends ShovelParameter {
  readonly bindings?: readonly SavedBinding[];
}

interface Entry {
  readonly parameter: ShovelParameter;
  readonly link: FederationLink;
}

const FILE = 'federation.json';

export class Federation {
  private readonly entries = new Map<string, Entry>();
  #id: string | undefined;

  constructor(private readonly host: FederationHost) {}

  /**
   * This broker's federation id (federation-id.ts), advertised as the `qpid.federation_id` server
   * property. Resolved on first use: the broker's options and data directory exist by then.
   */
  get id(): string {
    this.#id ??= resolveFederationId(this.host.options.federationId, this.host.options.dataDir);
    return this.#id;
  }

  /**
   * Creates or replaces a shovel; throws ShovelDefinitionError for a definition it cannot run.
   * `bindings`: what a dynamic route had bound at the source in an earlier run (restore).
   */
  put(vhost: string, name: string, value: unknown, bindings?: readonly MirroredBinding[]): void {
    const v = this.host.vhosts.get(vhost);
    if (v === undefined) throw new ShovelDefinitionError(`no vhost '${vhost}'`);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ShovelDefinitionError('value must be an object');
    }
    // `qpid.durable: false` (our extension, sent by qpid-route without --durable) keeps a shovel out
    // of the data dir; RabbitMQ's runtime parameters are always durable.
    const raw = { ...(value as Record<string, unknown>) };
    const { 'qpid.durable': durableFlag, ...definitionKeys } = raw;
    if (durableFlag !== undefined && typeof durableFlag !== 'boolean') {
      throw new ShovelDefinitionError('qpid.durable must be a boolean');
    }
    const definition = parseShovelDefinition(definitionKeys);
    const key = keyOf(vhost, name);
    const old = this.entries.get(key);
    if (old) void old.link.stop();
    const parameter: ShovelParameter = { vhost, name, value: raw, durable: durableFlag !== false };
    // A replaced dynamic route hands its source bindings on: the new link undoes those it does not want.
    const savedBindings = old?.link.dynamic?.known ?? bindings;
    const link = new FederationLink(name, v, definition, {
      federationId: this.id,
      log: (line) => this.host.log('info', line),
      ...(savedBindings === undefined ? {} : { savedBindings }),
      bindingsChanged: () => {
        if (parameter.durable && this.entries.get(key)?.link === link) this.save();
      },
    });
    this.entries.set(key, { parameter, link });
    link.start();
    if (parameter.durable || old?.parameter.durable) this.save();
  }

  /** Removes a shovel; false when there was none. */
  delete(vhost: string, name: string): boolean {
    const key = keyOf(vhost, name);
    const e = this.entries.get(key);
    if (!e) return false;
    this.entries.delete(key);
    void e.link.stop();
    if (e.parameter.durable) this.save();
    return true;
  }

  get(vhost: string, name: string): Entry | undefined {
    return this.entries.get(keyOf(vhost, name));
  }

  list(vhost?: string): Entry[] {
    return [...this.entries.values()].filter((e) => vhost === undefined || e.parameter.vhost === vhost);
  }

  /** Starts the durable shovels saved by an earlier run (broker start). */
  restore(): void {
    void this.id; // resolved at start, so <data-dir>/federation-id exists from the first run on
    const dir = this.host.options.dataDir;
    if (dir === undefined || !existsSync(join(dir, FILE))) return;
    const saved = JSON.parse(readFileSync(join(dir, FILE), 'utf8')) as SavedShovel[];
    for (const p of saved) {
      try {
        this.put(p.vhost, p.name, p.value, p.bindings?.map(decodeBinding));
      } catch (err) {
        this.host.log('warn', `federation link ${p.name} not restored: ${(err as Error).message}`);
      }
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.link.stop()));
  }

  private save(): void {
    const dir = this.host.options.dataDir;
    if (dir === undefined) return;
    const durable = [...this.entries.values()]
      .filter((e) => e.parameter.durable)
      .map((e): SavedShovel => {
        const known = e.link.dynamic?.known;
        return known === undefined ? e.parameter : { ...e.parameter, bindings: known.map(encodeBinding) };
      });
    const tmp = join(dir, `${FILE}.tmp`);
    writeFileSync(tmp, `${JSON.stringify(durable, null, 2)}\n`);
    renameSync(tmp, join(dir, FILE));
  }
}

function encodeBinding(b: MirroredBinding): SavedBinding {
  return { key: b.key, args: encodeFieldTable(b.args).toString('base64') };
}

function decodeBinding(b: SavedBinding): MirroredBinding {
  return { key: b.key, args: decodeFieldTable(Buffer.from(b.args, 'base64'), 0).value };
}

function keyOf(vhost: string, name: string): string {
  return `${vhost}\u0000${name}`;
}
