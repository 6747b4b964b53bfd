/**
 * Notifier (oslo_messaging/notify/notifier.py, notify/messaging.py): a notification is the dict
 * `{message_id, publisher_id, event_type, priority, payload, timestamp}` plus `_context_*` keys and
 * `_unique_id`, published to the control exchange with routing key `topic.priority` for each topic.
 * Driver `messagingv2` wraps it in the 2.0 envelope, `messaging` sends it bare (oslo's 1.0 format),
 * `noop` sends nothing. The context is reduced to oslo's safe keys first (`_sanitize_context`).
 */
import { randomUUID } from 'node:crypto';
import type { Connection } from '../messaging/index.js';
import { addUniqueId, type Context, type MessageDict, packContext, toAmqpMessage } from './envelope.js';
import { type RpcTransport, type TransportOptions, transportFor } from './transport.js';

export type NotifierDriver = 'messaging' | 'messagingv2' | 'noop';

/** The priorities, as oslo sends them (upper case) — listeners receive them lower-cased. */
export const PRIORITIES = ['audit', 'debug', 'info', 'warn', 'error', 'critical', 'sample'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface NotifierOptions extends TransportOptions {
  /** Who sends (e.g. `compute.host1`). */
  publisherId?: string;
  /** Default `messagingv2`. */
  driver?: NotifierDriver;
  /** Default `['notifications']` (oslo's `[oslo_messaging_notifications] topics`). */
  topics?: readonly string[];
  /** Re-sends after a failed publish (0 = none; default: until the connection gives up). */
  retry?: number;
}

// notifier.py _sanitize_context: only these context keys may leave the service.
const SAFE_CONTEXT_KEYS = new Set([
  'user_id',
  'project_id',
  'domain_id',
  'user_domain_id',
  'project_domain_id',
  'is_admin',
  'request_id',
  'roles',
  'user_name',
  'project_name',
  'domain_name',
  'user_domain_name',
  'project_domain_name',
  'service_user_id',
  'service_user_domain_id',
  'service_user_domain_name',
  'service_project_id',
  'service_project_name',
  'service_project_domain_id',
  'service_project_domain_name',
  'service_roles',
  'global_request_id',
  'system_scope',
  'user',
  'domain',
  'user_domain',
  'project_domain',
]);

export class Notifier {
  readonly publisherId: string | undefined;
  readonly driver: NotifierDriver;
  readonly topics: readonly string[];
  private readonly transport: RpcTransport;

  constructor(
    readonly connection: Connection,
    private readonly options: NotifierOptions = {},
  ) {
    this.publisherId = options.publisherId;
    this.driver = options.driver ?? 'messagingv2';
    if (!['messaging', 'messagingv2', 'noop'].includes(this.driver)) {
      throw new TypeError(`unknown notification driver "${this.driver}" (messaging, messagingv2 or noop)`);
    }
    this.topics = [...(options.topics ?? ['notifications'])];
    this.transport = transportFor(connection, options);
  }

  /** A notifier with another publisher id ([oslo] `prepare`). */
  prepare(changes: { publisherId?: string; retry?: number }): Notifier {
    return new Notifier(this.connection, { ...this.options, ...changes });
  }

  audit(ctxt: Context, eventType: string, payload: unknown): Promise<void> {
    return this.notify(ctxt, eventType, payload, 'AUDIT');
  }
  debug(ctxt: Context, eventType: string, payload: unknown): Promise<void> {
    return this.notify(ctxt, eventType, payload, 'DEBUG');
  }
  info(ctxt: Context, eventType: string, payload: unknown): Promise<void> {
    return this.notify(ctxt, eventType, payload, 'INFO');
  }
  warn(ctxt: Context, eventType: string, payload: unknown): Promise<void> {
    return this.notify(ctxt, eventType, payload, 'WARN');
  }
  /** Alias of warn(), as in oslo. */
  warning(ctxt: Context, eventType: string, payload: unknown): Promise<void> {
    return this.notify(ctxt, eventType, payload, 'WARN');
  }
  error(ctxt: Context, eventType: string, payload: unknown): Promise<void> {
    return this.notify(ctxt, eventType, payload, 'ERROR');
  }
  critical(ctxt: Context, eventType: string, payload: unknown): Promise<void> {
    return this.notify(ctxt, eventType, payload, 'CRITICAL');
  }
  sample(ctxt: Context, eventType: string, payload: unknown): Promise<void> {
    return this.notify(ctxt, eventType, payload, 'SAMPLE');
  }

  /** Sends one notification at `priority` (upper case, as oslo) to every topic. */
  async notify(ctxt: Context, eventType: string, payload: unknown, priority: string): Promise<void> {
    if (this.driver === 'noop') return;
    const body: MessageDict = {
      message_id: randomUUID(),
      publisher_id: this.publisherId ?? null,
      event_type: eventType,
      priority,
      payload,
      timestamp: pythonUtcNow(),
    };
    const safe: Context = {};
    for (const [k, v] of Object.entries(ctxt)) if (SAFE_CONTEXT_KEYS.has(k)) safe[k] = v;
    const exchange = this.transport.controlExchange;
    for (const topic of this.topics) {
      // Each topic gets its own copy with its own _unique_id (oslo's driver adds it per send).
      const msg: MessageDict = { ...body };
      addUniqueId(msg);
      packContext(msg, safe);
      const routingKey = `${topic}.${priority.toLowerCase()}`;
      await this.sendWithRetry(() =>
        this.transport.notifySend(
          exchange,
          routingKey,
          toAmqpMessage(msg, { envelope: this.driver === 'messagingv2' }),
        ),
      );
    }
  }

  private async sendWithRetry(send: () => Promise<void>): Promise<void> {
    const retry = this.options.retry;
    const limit = retry === undefined || retry < 0 ? Number.POSITIVE_INFINITY : retry;
    for (let attempt = 0; ; attempt++) {
      try {
        return await send();
      } catch (err) {
        // A closed or failed connection will not come back: retrying would only spin.
        if (attempt >= limit || !this.connection.opened()) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
}

/** Python's `str(datetime.utcnow())`: `2026-12-04 01:35:22.347855` (no fraction when it is zero). */
export function pythonUtcNow(now = new Date()): string {
  const iso = now.toISOString(); // 2026-12-04T01:35:22.347Z
  const ms = now.getUTCMilliseconds();
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  return ms === 0 ? base : `${base}.${String(ms).padStart(3, '0')}000`;
}
