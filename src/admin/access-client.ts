/**
 * The management API's access-control endpoints as typed calls (users,
 * permissions, vhosts, limits, definitions, closing connections), used by
 * qpid-ctl. The same calls work against RabbitMQ 3.10 and the bundled broker.
 */
import type { ManagementClient } from './management-client.js';

export interface UserInfo {
  name: string;
  password_hash: string;
  hashing_algorithm: string;
  tags: string[] | string;
  limits?: Record<string, number>;
}

export interface PermissionInfo {
  user: string;
  vhost: string;
  configure: string;
  write: string;
  read: string;
}

export interface LimitsInfo {
  vhost?: string;
  user?: string;
  value: Record<string, number>;
}

export type Definitions = Record<string, unknown>;

const enc = encodeURIComponent;

/** RabbitMQ's single-limit resources offer no JSON body, so `accept: application/json` gets 406 there. */
const ANY = { accept: '*/*' };

/** RabbitMQ 3.10 sends tags as a list; older versions as "a,b". */
export function tagList(tags: string[] | string | undefined): string[] {
  if (Array.isArray(tags)) return tags;
  return (tags ?? '').split(',').filter((t) => t !== '');
}

export class AccessClient {
  constructor(readonly api: ManagementClient) {}

  users(): Promise<UserInfo[]> {
    return this.api.request('GET', '/api/users');
  }
  user(name: string): Promise<UserInfo> {
    return this.api.request('GET', `/api/users/${enc(name)}`);
  }
  /** Creates or updates a user; tags are required by the API (give [] for none). */
  async putUser(
    name: string,
    body: { password?: string; password_hash?: string; hashing_algorithm?: string; tags: string[] },
  ): Promise<boolean> {
    return (await this.api.send('PUT', `/api/users/${enc(name)}`, { ...body, tags: body.tags.join(',') })) === 201;
  }
  async deleteUser(name: string): Promise<void> {
    await this.api.send('DELETE', `/api/users/${enc(name)}`);
  }
  permissions(): Promise<PermissionInfo[]> {
    return this.api.request('GET', '/api/permissions');
  }
  vhostPermissions(vhost: string): Promise<PermissionInfo[]> {
    return this.api.request('GET', `/api/vhosts/${enc(vhost)}/permissions`);
  }
  userPermissions(user: string): Promise<PermissionInfo[]> {
    return this.api.request('GET', `/api/users/${enc(user)}/permissions`);
  }
  async setPermissions(vhost: string, user: string, p: { configure: string; write: string; read: string }) {
    await this.api.send('PUT', `/api/permissions/${enc(vhost)}/${enc(user)}`, p);
  }
  async clearPermissions(vhost: string, user: string): Promise<void> {
    await this.api.send('DELETE', `/api/permissions/${enc(vhost)}/${enc(user)}`);
  }
  async putVhost(name: string, body: { description?: string; tags?: string } = {}): Promise<boolean> {
    return (await this.api.send('PUT', `/api/vhosts/${enc(name)}`, body)) === 201;
  }
  async deleteVhost(name: string): Promise<void> {
    await this.api.send('DELETE', `/api/vhosts/${enc(name)}`);
  }
  vhostLimits(vhost?: string): Promise<LimitsInfo[]> {
    return this.api.request('GET', `/api/vhost-limits${vhost === undefined ? '' : `/${enc(vhost)}`}`);
  }
  async setVhostLimit(vhost: string, name: string, value: number): Promise<void> {
    await this.api.send('PUT', `/api/vhost-limits/${enc(vhost)}/${enc(name)}`, { value }, ANY);
  }
  async clearVhostLimit(vhost: string, name: string): Promise<void> {
    await this.api.send('DELETE', `/api/vhost-limits/${enc(vhost)}/${enc(name)}`, undefined, ANY);
  }
  async setUserLimit(user: string, name: string, value: number): Promise<void> {
    await this.api.send('PUT', `/api/user-limits/${enc(user)}/${enc(name)}`, { value }, ANY);
  }
  async clearUserLimit(user: string, name: string): Promise<void> {
    await this.api.send('DELETE', `/api/user-limits/${enc(user)}/${enc(name)}`, undefined, ANY);
  }
  exportDefinitions(vhost?: string): Promise<Definitions> {
    return this.api.request('GET', `/api/definitions${vhost === undefined ? '' : `/${enc(vhost)}`}`);
  }
  async importDefinitions(defs: Definitions, vhost?: string): Promise<void> {
    await this.api.send('POST', `/api/definitions${vhost === undefined ? '' : `/${enc(vhost)}`}`, defs);
  }
  /** Closes a connection with 320 CONNECTION_FORCED and `reason` as its text. */
  async closeConnection(name: string, reason: string): Promise<void> {
    await this.api.send('DELETE', `/api/connections/${enc(name)}`, undefined, { 'x-reason': reason });
  }
}
