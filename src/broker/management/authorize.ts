/**
 * Who may call what on the management API, as rabbit_mgmt_util decides it:
 * the user must log in (401 not_authorized "Login failed"), carry a
 * management tag (administrator, monitoring, policymaker or management;
 * else 401 not_authorised "Not management user"), and pass the endpoint's
 * rule. RabbitMQ 3.10 answers a failed rule with 401 not_authorised and a
 * reason, not 403 (its code says "consider changing to 403 in 4.0"); we
 * answer as RabbitMQ does.
 */
import type { AccessControl } from '../auth/access-control.js';
import { HttpError } from './http-error.js';

/**
 * - any: every management user (overview, whoami, listings filtered to what the user may see)
 * - vhost: administrator, or a user with permissions on the vhost in the path (is_authorized_vhost)
 * - vhost-visible: as vhost, and monitoring users see every vhost (is_authorized_vhost_visible)
 * - monitor: administrator or monitoring (is_authorized_monitor)
 * - admin: administrator (is_authorized_admin)
 * - policy: administrator, or policymaker with permissions on the path's vhost (is_authorized_policies;
 *   runtime parameters such as shovels)
 */
export type AccessLevel = 'any' | 'vhost' | 'vhost-visible' | 'monitor' | 'admin' | 'policy';

/** The authenticated caller of one request. */
export interface Caller {
  readonly name: string;
  readonly tags: readonly string[];
  readonly isAdmin: boolean;
  /** administrator or monitoring: sees every vhost, connection and channel. */
  readonly isMonitor: boolean;
  /** administrator or policymaker: may manage policies and runtime parameters (is_policymaker). */
  readonly isPolicymaker: boolean;
  /** True when the caller may see objects of `vhost` (list_visible_vhosts). */
  canSeeVhost(vhost: string): boolean;
  /** True when the caller may see a connection (or channel) of `user` (filter_conn_ch_list). */
  canSeeUserObject(user: string): boolean;
}

const MGMT_TAGS = ['administrator', 'monitoring', 'policymaker', 'management'];

export const notAuthorised = (reason: string) => new HttpError(401, 'not_authorised', reason);

/** With authentication off every caller is an administrator. */
export function unrestrictedCaller(name: string): Caller {
  return {
    name,
    tags: ['administrator'],
    isAdmin: true,
    isMonitor: true,
    isPolicymaker: true,
    canSeeVhost: () => true,
    canSeeUserObject: () => true,
  };
}

/** The caller for an authenticated user; refuses users without a management tag. */
export function callerFor(access: AccessControl, name: string): Caller {
  const tags = access.user(name)?.tags ?? [];
  if (!tags.some((t) => MGMT_TAGS.includes(t))) throw notAuthorised('Not management user');
  const isAdmin = tags.includes('administrator');
  const isMonitor = isAdmin || tags.includes('monitoring');
  return {
    name,
    tags,
    isAdmin,
    isMonitor,
    isPolicymaker: isAdmin || tags.includes('policymaker'),
    canSeeVhost: (v) => isMonitor || access.hasVhostAccess(name, v),
    canSeeUserObject: (u) => isMonitor || u === name,
  };
}

/** Applies an endpoint's rule; `vhost` is the path's vhost when it has one. */
export function authorize(
  access: AccessControl | undefined,
  caller: Caller,
  level: AccessLevel,
  vhost: string | undefined,
  vhostExists: (vhost: string) => boolean,
): void {
  switch (level) {
    case 'any':
      return;
    case 'admin':
      if (!caller.isAdmin) throw notAuthorised('Not administrator user');
      return;
    case 'monitor':
      if (!caller.isMonitor) throw notAuthorised('Not monitor user');
      return;
    case 'policy':
      if (caller.isAdmin) return;
      if (!caller.isPolicymaker) throw notAuthorised('User not authorised to access object');
      if (vhost === undefined || access === undefined) return;
      if (!access.hasVhostAccess(caller.name, vhost) && vhostExists(vhost)) {
        throw notAuthorised('User not authorised to access object');
      }
      return;
    case 'vhost':
    case 'vhost-visible':
      // rabbit_mgmt_util:user_matches_vhost: a vhost that does not exist passes (the handler answers 404).
      if (caller.isAdmin || vhost === undefined || access === undefined) return;
      if (level === 'vhost-visible' && caller.isMonitor) return;
      if (!access.hasVhostAccess(caller.name, vhost) && vhostExists(vhost)) {
        throw notAuthorised('User not authorised to access virtual host');
      }
      return;
  }
}
