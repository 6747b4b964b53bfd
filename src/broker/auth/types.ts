/** The access model of the bundled broker: RabbitMQ's internal auth backend (rabbit_auth_backend_internal). */
import type { HashingAlgorithm } from './password-hash.js';

/** The three permissions of RabbitMQ's model; each is a regex matched against resource names. */
export type PermissionKind = 'configure' | 'write' | 'read';

/** What a permission is checked on (topic permissions are not implemented). */
export type ResourceKind = 'queue' | 'exchange';

export interface UserLimits {
  'max-connections'?: number;
  'max-channels'?: number;
}

export interface VhostLimits {
  'max-connections'?: number;
  'max-queues'?: number;
}

export const USER_LIMIT_NAMES = ['max-connections', 'max-channels'] as const;
export const VHOST_LIMIT_NAMES = ['max-connections', 'max-queues'] as const;

export interface User {
  readonly name: string;
  /** RabbitMQ's base64(salt ++ hash); '' for a user without a password. */
  passwordHash: string;
  hashingAlgorithm: HashingAlgorithm;
  /** administrator, monitoring, management, policymaker, impersonator or any other word. */
  tags: string[];
  limits: UserLimits;
}

export interface Permission {
  configure: string;
  write: string;
  read: string;
}

export interface PermissionEntry extends Permission {
  user: string;
  vhost: string;
}

/** Vhost metadata kept beside the vhost registry (RabbitMQ's vhost record). */
export interface VhostMeta {
  description: string;
  tags: string[];
  limits: VhostLimits;
}

/** What is persisted in the data directory's definitions file. */
export interface AccessSnapshot {
  users: User[];
  permissions: PermissionEntry[];
  vhosts: ({ name: string } & VhostMeta)[];
}
