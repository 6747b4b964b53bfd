/**
 * Users, tags, permissions and limits, with the checks RabbitMQ's internal
 * backend makes (rabbit_auth_backend_internal, rabbit_access_control). The
 * broker's connections, channels and management API all ask this one object;
 * it never reaches into them. Every change calls `onChange`, which the broker
 * wires to the definitions store so the data directory keeps it.
 */
import { accessRefused, preconditionFailed } from '../errors.js';
import { DEFAULT_HASHING, type HashingAlgorithm, hashPassword, verifyPassword } from './password-hash.js';
import type {
  AccessSnapshot,
  Permission,
  PermissionEntry,
  PermissionKind,
  ResourceKind,
  User,
  UserLimits,
  VhostLimits,
  VhostMeta,
} from './types.js';

interface CompiledPermission {
  readonly source: Permission;
  readonly configure: RegExp;
  readonly write: RegExp;
  readonly read: RegExp;
}

/** A refused login: the reason goes to the log only, as RabbitMQ keeps it from the client. */
export interface LoginRefusal {
  readonly refused: string;
}

/** An invalid argument to an administrative operation (bad regex, unknown user); HTTP 400 / CLI exit 1. */
export class AccessAdminError extends Error {
  override name = 'AccessAdminError';
  constructor(
    message: string,
    readonly kind: 'bad_request' | 'not_found' = 'bad_request',
  ) {
    super(message);
  }
}

/** rabbit_auth_backend_internal treats an empty permission as "^$" (matches nothing but ''). */
function compile(re: string, what: string): RegExp {
  try {
    return new RegExp(re === '' ? '^$' : re);
  } catch (e) {
    throw new AccessAdminError(`invalid regular expression '${re}' for ${what}: ${(e as Error).message}`);
  }
}

function compilePermission(p: Permission): CompiledPermission {
  return {
    source: { configure: p.configure, write: p.write, read: p.read },
    configure: compile(p.configure, 'configure'),
    write: compile(p.write, 'write'),
    read: compile(p.read, 'read'),
  };
}

/** RabbitMQ names the default exchange amq.default in access checks (rabbit_access_control). */
export function resourceName(kind: ResourceKind, name: string): string {
  return kind === 'exchange' && name === '' ? 'amq.default' : name;
}

export class AccessControl {
  private readonly users = new Map<string, User>();
  /** vhost → user → permission */
  private readonly permissions = new Map<string, Map<string, CompiledPermission>>();
  private readonly vhostMeta = new Map<string, VhostMeta>();
  /** Bumped on every change, so callers can cache positive checks until something changes. */
  generation = 0;

  constructor(private readonly onChange: () => void = () => {}) {}

  private changed(): void {
    this.generation++;
    this.onChange();
  }

  // ---- users --------------------------------------------------------------

  user(name: string): User | undefined {
    return this.users.get(name);
  }

  listUsers(): User[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Creates or replaces a user; `password` undefined keeps the hash given (or none). */
  putUser(
    name: string,
    opts: { password?: string; passwordHash?: string; hashingAlgorithm?: HashingAlgorithm; tags?: string[] },
  ): { created: boolean } {
    if (name === '') throw new AccessAdminError('user name must not be empty');
    const existing = this.users.get(name);
    const algorithm = opts.hashingAlgorithm ?? existing?.hashingAlgorithm ?? DEFAULT_HASHING;
    const hash =
      opts.password !== undefined
        ? hashPassword(opts.password, algorithm)
        : (opts.passwordHash ?? existing?.passwordHash ?? '');
    const user: User = {
      name,
      passwordHash: hash,
      hashingAlgorithm: opts.password !== undefined ? algorithm : (opts.hashingAlgorithm ?? algorithm),
      tags: opts.tags ?? existing?.tags ?? [],
      limits: existing?.limits ?? {},
    };
    this.users.set(name, user);
    this.changed();
    return { created: existing === undefined };
  }

  deleteUser(name: string): boolean {
    if (!this.users.delete(name)) return false;
    for (const perUser of this.permissions.values()) perUser.delete(name);
    this.changed();
    return true;
  }

  changePassword(name: string, password: string): void {
    const u = this.requireUser(name);
    u.passwordHash = hashPassword(password, u.hashingAlgorithm);
    this.changed();
  }

  clearPassword(name: string): void {
    this.requireUser(name).passwordHash = '';
    this.changed();
  }

  setTags(name: string, tags: string[]): void {
    this.requireUser(name).tags = tags;
    this.changed();
  }

  private requireUser(name: string): User {
    const u = this.users.get(name);
    if (u === undefined) throw new AccessAdminError(`user '${name}' does not exist`, 'not_found');
    return u;
  }

  /** The user when the password matches (rabbit_auth_backend_internal:user_login_authentication). */
  authenticate(name: string, password: string): User | LoginRefusal {
    const u = this.users.get(name);
    if (u === undefined) return { refused: `user '${name}' - invalid credentials` };
    if (!verifyPassword(password, u.passwordHash, u.hashingAlgorithm)) {
      return { refused: `user '${name}' - invalid credentials` };
    }
    return u;
  }

  // ---- vhosts -------------------------------------------------------------

  meta(vhost: string): VhostMeta {
    let m = this.vhostMeta.get(vhost);
    if (m === undefined) {
      m = { description: vhost === '/' ? 'Default virtual host' : '', tags: [], limits: {} };
      this.vhostMeta.set(vhost, m);
    }
    return m;
  }

  setVhostMeta(vhost: string, description: string | undefined, tags: string[] | undefined): void {
    const m = this.meta(vhost);
    if (description !== undefined) m.description = description;
    if (tags !== undefined) m.tags = tags;
    this.changed();
  }

  /** A deleted vhost takes its permissions and limits with it. */
  vhostDeleted(vhost: string): void {
    this.permissions.delete(vhost);
    this.vhostMeta.delete(vhost);
    this.changed();
  }

  // ---- permissions ----------------------------------------------------------

  setPermissions(user: string, vhost: string, p: Permission): { created: boolean } {
    this.requireUser(user);
    const compiled = compilePermission(p);
    let perUser = this.permissions.get(vhost);
    if (perUser === undefined) {
      perUser = new Map();
      this.permissions.set(vhost, perUser);
    }
    const created = !perUser.has(user);
    perUser.set(user, compiled);
    this.changed();
    return { created };
  }

  clearPermissions(user: string, vhost: string): boolean {
    const removed = this.permissions.get(vhost)?.delete(user) ?? false;
    if (removed) this.changed();
    return removed;
  }

  permission(user: string, vhost: string): Permission | undefined {
    return this.permissions.get(vhost)?.get(user)?.source;
  }

  listPermissions(filter: { user?: string; vhost?: string } = {}): PermissionEntry[] {
    const out: PermissionEntry[] = [];
    for (const [vhost, perUser] of this.permissions) {
      if (filter.vhost !== undefined && vhost !== filter.vhost) continue;
      for (const [user, p] of perUser) {
        if (filter.user !== undefined && user !== filter.user) continue;
        out.push({ user, vhost, ...p.source });
      }
    }
    return out.sort((a, b) => (a.vhost + '\0' + a.user < b.vhost + '\0' + b.user ? -1 : 1));
  }

  /** rabbit_auth_backend_internal:check_vhost_access: any permission entry on the vhost lets the user in. */
  hasVhostAccess(user: string, vhost: string): boolean {
    return this.permissions.get(vhost)?.has(user) ?? false;
  }

  /** The vhosts a user may log into, for the management API's vhost filtering. */
  vhostsOf(user: string): string[] {
    const out: string[] = [];
    for (const [vhost, perUser] of this.permissions) if (perUser.has(user)) out.push(vhost);
    return out;
  }

  permits(user: string, vhost: string, perm: PermissionKind, kind: ResourceKind, name: string): boolean {
    const p = this.permissions.get(vhost)?.get(user);
    return p?.[perm].test(resourceName(kind, name)) === true;
  }

  /** Throws RabbitMQ's channel error: 403 "access to queue 'q' in vhost '/' refused for user 'u'". */
  check(user: string, vhost: string, perm: PermissionKind, kind: ResourceKind, name: string): void {
    if (this.permits(user, vhost, perm, kind, name)) return;
    throw accessRefused(
      `access to ${kind} '${resourceName(kind, name)}' in vhost '${vhost}' refused for user '${user}'`,
    );
  }

  // ---- limits -----------------------------------------------------------------

  setUserLimits(user: string, limits: UserLimits): void {
    this.requireUser(user).limits = { ...limits };
    this.changed();
  }

  setVhostLimits(vhost: string, limits: VhostLimits): void {
    this.meta(vhost).limits = { ...limits };
    this.changed();
  }

  userLimit(user: string, name: keyof UserLimits): number | undefined {
    const v = this.users.get(user)?.limits[name];
    // RabbitMQ treats a negative limit as "no limit".
    return v === undefined || v < 0 ? undefined : v;
  }

  vhostLimit(vhost: string, name: keyof VhostLimits): number | undefined {
    const v = this.vhostMeta.get(vhost)?.limits[name];
    return v === undefined || v < 0 ? undefined : v;
  }

  /** rabbit_channel:check_vhost_queue_limit, 406 when a new queue would exceed max-queues. */
  checkQueueLimit(vhost: string, queue: string, current: number): void {
    const limit = this.vhostLimit(vhost, 'max-queues');
    if (limit !== undefined && current >= limit) {
      throw preconditionFailed(
        `cannot declare queue '${queue}': queue limit in vhost '${vhost}' (${limit}) is reached`,
      );
    }
  }

  // ---- persistence ------------------------------------------------------------

  snapshot(): AccessSnapshot {
    return {
      users: this.listUsers().map((u) => ({ ...u, tags: [...u.tags], limits: { ...u.limits } })),
      permissions: this.listPermissions(),
      vhosts: [...this.vhostMeta].map(([name, m]) => ({ name, ...m, tags: [...m.tags], limits: { ...m.limits } })),
    };
  }

  /** Replaces everything with a snapshot (data-dir recovery); does not call onChange. */
  restore(s: AccessSnapshot): void {
    this.users.clear();
    this.permissions.clear();
    this.vhostMeta.clear();
    for (const u of s.users) this.users.set(u.name, { ...u, tags: [...u.tags], limits: { ...u.limits } });
    for (const p of s.permissions) {
      let perUser = this.permissions.get(p.vhost);
      if (perUser === undefined) {
        perUser = new Map();
        this.permissions.set(p.vhost, perUser);
      }
      perUser.set(p.user, compilePermission(p));
    }
    for (const v of s.vhosts) {
      this.vhostMeta.set(v.name, { description: v.description, tags: [...v.tags], limits: { ...v.limits } });
    }
    this.generation++;
  }

  get empty(): boolean {
    return this.users.size === 0;
  }
}

export function isLoginRefusal(r: User | LoginRefusal): r is LoginRefusal {
  return 'refused' in r;
}
