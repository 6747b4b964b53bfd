/** The shovel definitions and status of one broker's management API, as qpid-route reads them. */
import { type Admin, optionalGet } from '../common/admin.js';
import { NAME_PREFIX } from './route.js';

export interface ShovelParameter {
  name: string;
  vhost: string;
  value: Record<string, unknown>;
}

export interface ShovelStatus {
  name: string;
  state: string;
  src_uri?: string;
  last_error?: string;
  reason?: string;
}

export function paramPath(admin: Admin, name: string): string {
  return `/api/parameters/shovel/${encodeURIComponent(admin.vhost)}/${encodeURIComponent(name)}`;
}

export async function isRabbitmq(admin: Admin): Promise<boolean> {
  const o = await optionalGet<{ product_name?: string }>(admin, '/api/overview');
  return o?.product_name === 'RabbitMQ';
}

/** qpid-route's shovels in the admin's vhost (others' shovels are left alone). */
export async function ours(admin: Admin): Promise<ShovelParameter[]> {
  const all =
    (await optionalGet<ShovelParameter[]>(admin, `/api/parameters/shovel/${encodeURIComponent(admin.vhost)}`)) ?? [];
  return all.filter((p) => p.name.startsWith(NAME_PREFIX));
}

export async function shovelStatus(admin: Admin): Promise<ShovelStatus[]> {
  return (await optionalGet<ShovelStatus[]>(admin, '/api/shovels')) ?? [];
}
