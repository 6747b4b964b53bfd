/**
 * One connection's view of the access control: the authenticated user on
 * the opened vhost. Channels call `check` where rabbit_channel calls
 * check_configure/write/read_permitted. Positive answers are cached (as
 * rabbit_channel's permission_cache does) until the access control changes.
 */
import type { AccessControl } from './access-control.js';
import type { PermissionKind, ResourceKind } from './types.js';

/** RabbitMQ keeps the last few positive checks per channel (MAX_PERMISSION_CACHE_SIZE = 12); a few more here. */
const CACHE_SIZE = 64;

export class ResourceGuard {
  private readonly cache = new Set<string>();
  private generation = -1;
  /** The last exchange published to: the publish path checks it without building a cache key. */
  private lastWrite: string | undefined;

  /** `access` undefined: authorization is off (qpidd --auth no), everything is allowed. */
  constructor(
    private readonly access: AccessControl | undefined,
    readonly user: string,
    readonly vhost: string,
  ) {}

  check(perm: PermissionKind, kind: ResourceKind, name: string): void {
    const a = this.access;
    if (a === undefined) return;
    if (this.generation !== a.generation) {
      this.cache.clear();
      this.lastWrite = undefined;
      this.generation = a.generation;
    }
    const key = `${perm}\0${kind}\0${name}`;
    if (this.cache.has(key)) return;
    a.check(this.user, this.vhost, perm, kind, name);
    if (this.cache.size >= CACHE_SIZE) this.cache.clear();
    this.cache.add(key);
  }

  configure(kind: ResourceKind, name: string): void {
    this.check('configure', kind, name);
  }

  write(kind: ResourceKind, name: string): void {
    const a = this.access;
    if (a === undefined) return;
    if (kind === 'exchange' && name === this.lastWrite && this.generation === a.generation) return;
    this.check('write', kind, name);
    if (kind === 'exchange') this.lastWrite = name;
  }

  read(kind: ResourceKind, name: string): void {
    this.check('read', kind, name);
  }
}
