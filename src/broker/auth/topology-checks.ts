/**
 * Where rabbit_channel checks permissions on topology methods, in its order,
 * so that a request refused for two reasons gets RabbitMQ's answer. Each
 * function runs just before the vhost operation; the vhost's own rules
 * (default exchange, reserved amq.* names, equivalence) stay in vhost.ts.
 * Shared by AMQP channels and the management API.
 */

import { accessRefused } from '../errors.js';
import { isExchangeKind } from '../exchanges/create-router.js';
import { hasArg } from '../field-terms.js';
import type { ExchangeDeclare, QueueDeclare, VHost } from '../vhost.js';
import { serverNamedQueue } from '../vhost.js';
import type { AccessControl } from './access-control.js';
import type { ResourceGuard } from './resource-guard.js';

const defaultExchangeRefused = () => accessRefused('operation not permitted on the default exchange');

/**
 * exchange.declare (not passive): after the type check and the default-exchange
 * refusal, configure on the exchange; for a new exchange with an
 * alternate-exchange, read on it and write on the AE (after the amq.* name check).
 */
export function authorizeExchangeDeclare(g: ResourceGuard, v: VHost, d: ExchangeDeclare): void {
  if (d.passive || !isExchangeKind(d.type) || d.name === '') return;
  g.configure('exchange', d.name);
  if (v.exchanges.has(d.name) || d.name.startsWith('amq.')) return;
  const ae = hasArg(d.args, 'alternate-exchange') ? d.args['alternate-exchange'] : undefined;
  if (typeof ae === 'string') {
    g.read('exchange', d.name);
    g.write('exchange', ae);
  }
}

/** exchange.delete: the default and amq.* exchanges are refused first (vhost.ts), then configure. */
export function authorizeExchangeDelete(g: ResourceGuard, name: string): void {
  if (name === '' || name.startsWith('amq.')) return;
  g.configure('exchange', name);
}

/**
 * queue.declare (not passive): the server-named queue's name is made here so
 * that configure is checked on it (a user limited to ^app- cannot declare
 * one); a new queue must fit the vhost's max-queues, and a dead-letter
 * exchange needs read on the queue and write on the exchange.
 */
export function authorizeQueueDeclare(
  g: ResourceGuard,
  access: AccessControl,
  v: VHost,
  d: QueueDeclare,
): QueueDeclare {
  if (d.passive) return d;
  let name = d.name;
  let serverNamed = false;
  if (name === '') {
    name = serverNamedQueue();
    serverNamed = true;
  } else if (name.startsWith('amq.')) {
    // The vhost refuses the reserved prefix (403) before any permission is looked at.
    return d;
  }
  g.configure('queue', name);
  if (!v.queues.has(name)) {
    access.checkQueueLimit(v.name, name, v.queues.size);
    const dlx = hasArg(d.args, 'x-dead-letter-exchange') ? d.args['x-dead-letter-exchange'] : undefined;
    if (typeof dlx === 'string') {
      g.read('queue', name);
      g.write('exchange', dlx);
    }
  }
  return { ...d, name, serverNamed };
}

/**
 * rabbit_channel:binding_action for queue.bind/unbind and exchange.bind/unbind:
 * write on the destination, then the default exchange is refused on either
 * side, then read on the source exchange.
 */
export function authorizeBinding(
  g: ResourceGuard,
  destinationKind: 'queue' | 'exchange',
  destination: string,
  source: string,
): void {
  g.write(destinationKind, destination);
  if (source === '' || (destinationKind === 'exchange' && destination === '')) throw defaultExchangeRefused();
  g.read('exchange', source);
}
