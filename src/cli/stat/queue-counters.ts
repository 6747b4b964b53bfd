/**
 * The queue counters qpid-stat's -g, -q and -q NAME share: Qpid's enqueues, dequeues and discards-*
 * read from the AMQP 0-9-1 brokers' message_stats (and the bundled broker's qpid_discards).
 */
import type { QueueDiscards, QueueInfo, QueueMessageStats } from '../../admin/index.js';
import type { Cell } from '../common/table.js';
import { sum } from './table.js';

/** Messages taken off a queue for good: acknowledged, or delivered/fetched without acknowledgement. */
export function dequeues(s: QueueMessageStats | undefined): number | undefined {
  if (s === undefined) return undefined;
  return (s.ack ?? 0) + (s.deliver_no_ack ?? 0) + (s.get_no_ack ?? 0);
}

export function enqueues(q: QueueInfo): number {
  return q.message_stats?.publish ?? 0;
}

/**
 * The discards-* rows from the bundled broker's per-queue counters (qpid_discards), summed over `ds`;
 * empty cells where the broker keeps none (RabbitMQ), or for what 0-9-1 has no notion of (LVQ).
 */
export function discardRows(ds: (QueueDiscards | undefined)[]): Cell[][] {
  const known = ds.filter((d): d is QueueDiscards => d !== undefined);
  const total = (k: keyof QueueDiscards) => (known.length === 0 ? undefined : sum(known.map((d) => d[k])));
  return [
    ['discards-ttl-expired', total('ttl_expired'), undefined],
    ['discards-limit-overflow', total('limit_overflow'), undefined],
    ['discards-ring-overflow', total('ring_overflow'), undefined],
    ['discards-lvq-replace', undefined, undefined],
    ['discards-subscriber-reject', total('subscriber_reject'), undefined],
    ['discards-purged', total('purged'), undefined],
    ['discards-dead-lettered', total('dead_lettered'), undefined],
  ];
}

/**
 * Qpid's persistent, transactional and flow-to-disk rows (between total-dequeues and acquires): counts
 * the AMQP 0-9-1 brokers do not keep, printed as empty cells.
 */
export function uncountedRows(): Cell[][] {
  return [
    'persistent-enqueues',
    'persistent-dequeues',
    'transactional-enqueues',
    'transactional-dequeues',
    'flow-to-disk-depth',
    'flow-to-disk-enqueues',
    'flow-to-disk-dequeues',
  ].map((name) => [name, undefined, undefined]);
}
