/**
 * Options shared by qpid-rpc and qpid-notify: the oslo transport settings and JSON arguments.
 */
import type { Options } from 'yargs';
import type { TransportOptions } from '../rpc/index.js';
import { UsageError } from './common/errors.js';

export const TRANSPORT_OPTIONS = {
  'control-exchange': {
    type: 'string',
    describe: 'exchange of targets without one (oslo control_exchange) [default: openstack]',
  },
  'durable-queues': { type: 'boolean', describe: 'durable topic exchanges and queues (oslo amqp_durable_queues)' },
} as const satisfies Record<string, Options>;

export function transportOptions(args: { 'control-exchange'?: string; 'durable-queues'?: boolean }): TransportOptions {
  const o: TransportOptions = {};
  if (args['control-exchange'] !== undefined) o.controlExchange = args['control-exchange'];
  if (args['durable-queues'] !== undefined) o.durableQueues = args['durable-queues'];
  return o;
}

/** A JSON object given on the command line (`'{"a": 1}'`), or a usage error naming the argument. */
export function jsonObject(what: string, text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} is not valid JSON: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`${what} must be a JSON object, got ${text}`);
  }
  return value as Record<string, unknown>;
}

/** Resolves when the signal aborts (Ctrl-C), or never without one. */
export function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
