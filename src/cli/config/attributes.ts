/**
 * The Attributes column of qpid-config's listings: an exchange's or queue's arguments written back as
 * the qpid-config options that would set them (`--durable`, `--max-queue-count=1000`,
 * `--limit-policy=ring`), the rest as `--argument k=v`, as Qpid's qpid-config prints them.
 */
import type { Arguments, ExchangeInfo, QueueInfo } from '../../admin/index.js';
import { pyRepr } from '../../index.js';

/** Python's str() of an argument value. */
function pyStr(v: unknown): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

const byKey = ([a]: [string, unknown], [b]: [string, unknown]): number => (a < b ? -1 : a > b ? 1 : 0);

export function exchangeFlags(x: ExchangeInfo): string[] {
  const flags: string[] = [];
  const a = x.arguments ?? {};
  if (x.durable) flags.push('--durable');
  if (a['qpid.replicate'] !== undefined) flags.push(`--replicate=${pyStr(a['qpid.replicate'])}`);
  if (a['qpid.msg_sequence']) flags.push('--sequence');
  if (a['qpid.ive']) flags.push('--ive');
  if (a['alternate-exchange'] !== undefined) flags.push(`--alternate-exchange=${pyStr(a['alternate-exchange'])}`);
  const special = ['qpid.replicate', 'qpid.msg_sequence', 'qpid.ive', 'alternate-exchange'];
  for (const [k, v] of Object.entries(a).sort(byKey))
    if (!special.includes(k)) flags.push(`--argument ${k}=${pyStr(v)}`);
  return flags;
}

/** Qpid's argument names that have their own option, and RabbitMQ's that stand for them. */
const QPID_SPECIAL: [string, string][] = [
  ['qpid.file_size', '--file-size'],
  ['qpid.file_count', '--file-count'],
  ['qpid.efp_partition_num', '--efp-partition-num'],
  ['qpid.efp_pool_file_size', '--efp-pool-file-size'],
  ['qpid.wcache-page-size', '--wcache-page-size'],
  ['qpid.wcache-num-pages', '--wcache-num-pages'],
  ['qpid.max_size', '--max-queue-size'],
  ['x-max-length-bytes', '--max-queue-size'],
  ['qpid.max_count', '--max-queue-count'],
  ['x-max-length', '--max-queue-count'],
];

/** Qpid's options with a plain `--option=value` for an argument, after the limits and queue type. */
const QPID_VALUED: [string, string][] = [
  ['x-quorum-initial-group-size', '--quorum-initial-group-size'],
  ['x-delivery-limit', '--delivery-limit'],
];

const QPID_LATE: [string, string][] = [
  ['qpid.last_value_queue_key', '--lvq-key'],
  ['alternate-exchange', '--alternate-exchange'],
  ['x-dead-letter-exchange', '--alternate-exchange'],
  ['qpid.flow_stop_size', '--flow-stop-size'],
  ['qpid.flow_resume_size', '--flow-resume-size'],
  ['qpid.flow_stop_count', '--flow-stop-count'],
  ['qpid.flow_resume_count', '--flow-resume-count'],
  ['qpid.group_header_key', '--group-header'],
];

const OVERFLOW_POLICY: Record<string, string> = { 'reject-publish': 'reject', 'drop-head': 'ring' };

export function queueFlags(q: QueueInfo): string[] {
  const a: Arguments = q.arguments ?? {};
  const used = new Set<string>();
  const flags: string[] = [];
  const flag = (key: string, text: (v: unknown) => string) => {
    if (a[key] === undefined) return;
    used.add(key);
    flags.push(text(a[key]));
  };
  const valued = (list: [string, string][]) => {
    for (const [key, option] of list) flag(key, (v) => `${option}=${pyStr(v)}`);
  };
  if (q.durable) flags.push('--durable');
  flag('qpid.replicate', (v) => `--replicate=${pyStr(v)}`);
  if (q.auto_delete) flags.push('auto-del');
  if (q.exclusive) flags.push('excl');
  valued(QPID_SPECIAL);
  const queueType = a['x-queue-type'];
  if (queueType === 'quorum' || queueType === 'stream') flag('x-queue-type', () => `--${queueType}`);
  valued(QPID_VALUED);
  flag('qpid.policy_type', (v) => `--limit-policy=${pyStr(v).replace(/_/g, '-')}`);
  const overflow = a['x-overflow'];
  if (typeof overflow === 'string' && OVERFLOW_POLICY[overflow]) {
    flag('x-overflow', () => `--limit-policy=${OVERFLOW_POLICY[overflow]}`);
  }
  valued(QPID_LATE);
  if (a['qpid.shared_msg_group'] === 1) flag('qpid.shared_msg_group', () => '--shared-groups');
  // Other arguments by name: brokers keep them in different orders.
  for (const [k, v] of Object.entries(a).sort(byKey)) if (!used.has(k)) flags.push(`--argument ${k}=${pyStr(v)}`);
  return flags;
}
