/**
 * Queue arguments RabbitMQ 3.10 understands, validated at queue.declare the
 * way rabbit_amqqueue:check_arguments does: a bad value is a 406 with
 * "invalid arg 'x-…' for queue 'q' in vhost '/': …".
 */
import { type FieldTable, type FieldValue, Typed } from '../protocol/index.js';
import { describeQueue, preconditionFailed } from './errors.js';
import { rabbitTypeOf } from './field-terms.js';
import { MAX_EXPIRY_MS } from './stored-message.js';

export type Overflow = 'drop-head' | 'reject-publish' | 'reject-publish-dlx';

export interface QueueSettings {
  messageTtl?: number;
  expires?: number;
  maxLength?: number;
  maxLengthBytes?: number;
  overflow: Overflow;
  deadLetterExchange?: string;
  deadLetterRoutingKey?: string;
  maxPriority?: number;
  singleActiveConsumer: boolean;
  /** x-queue-type quorum (queue-types.ts); absent for classic queues. */
  queueType?: 'quorum';
  /** Quorum x-delivery-limit: requeues allowed before the message is dropped or dead-lettered. */
  deliveryLimit?: number;
}

const INT_KINDS = new Set(['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64']);

/** The integer in a field value, or undefined when it is not of an integer type (RabbitMQ: unacceptable_type). */
export function integerOf(v: FieldValue): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Typed && INT_KINDS.has(v.type)) return Number(v.value);
  return undefined;
}

/** RabbitMQ's name for a field value's wire type, as its error texts print it (`longstr`, `signedint`, `byte`). */
export function typeNameOf(v: FieldValue): string {
  return rabbitTypeOf(v);
}

/** Builds the error of one bad argument: "invalid arg 'x-…' for queue 'q' in vhost '/': <why>". */
type Fail = (why: string) => Error;

/**
 * One queue argument's check: given its value (present), validates it and
 * records it in the settings. `fail` builds the 406 for this argument.
 */
type ArgRule = (v: FieldValue, s: QueueSettings, fail: Fail) => void;

// rabbit_amqqueue:check_int_arg; its reason is a string, which Erlang's ~p prints quoted.
function int(v: FieldValue, fail: Fail): number {
  const n = integerOf(v);
  if (n === undefined) throw fail(`"expected integer, got ${rabbitTypeOf(v)}"`);
  return n;
}

function nonNegative(v: FieldValue, fail: Fail): number {
  const n = int(v, fail);
  if (n < 0) throw fail(`{value_negative,${n}}`);
  return n;
}

// rabbit_misc:check_expiry: not negative, at most ten years.
function expiry(v: FieldValue, fail: Fail, zeroAllowed: boolean): number {
  const n = int(v, fail);
  if (n === 0 && !zeroAllowed) throw fail(`{value_zero,${n}}`);
  if (n < 0) throw fail(`{value_negative,${n}}`);
  if (n > Number(MAX_EXPIRY_MS)) throw fail(`{value_too_large,${n}}`);
  return n;
}

function str(v: FieldValue, fail: Fail): string {
  if (typeof v !== 'string') throw fail(`{unacceptable_type,${rabbitTypeOf(v)}}`);
  return v;
}

/** rabbit_amqqueue:check_queue_mode / check_queue_type: a string from a known set; the reason is a quoted string. */
function oneOf(v: FieldValue, fail: Fail, allowed: readonly string[], what: string): string {
  const x = str(v, fail);
  if (!allowed.includes(x)) throw fail(`"unsupported ${what} '${x}'"`);
  return x;
}

/** Checked in the order of rabbit_amqqueue:declare_args(), which decides the error when several are bad. */
const ARG_RULES: readonly (readonly [string, ArgRule])[] = [
  ['x-expires', (v, s, fail) => (s.expires = expiry(v, fail, false))],
  ['x-message-ttl', (v, s, fail) => (s.messageTtl = expiry(v, fail, true))],
  ['x-dead-letter-exchange', (v, s, fail) => (s.deadLetterExchange = str(v, fail))],
  [
    'x-dead-letter-routing-key',
    (v, s, fail) => {
      const key = str(v, fail);
      if (s.deadLetterExchange === undefined) throw fail('routing_key_but_no_dlx_defined');
      s.deadLetterRoutingKey = key;
    },
  ],
  ['x-max-length', (v, s, fail) => (s.maxLength = nonNegative(v, fail))],
  ['x-max-length-bytes', (v, s, fail) => (s.maxLengthBytes = nonNegative(v, fail))],
  [
    'x-max-priority',
    (v, s, fail) => {
      const n = nonNegative(v, fail);
      if (n > 255) throw fail(`{max_value_exceeded,${n}}`);
      s.maxPriority = n;
    },
  ],
  [
    'x-overflow',
    (v, s, fail) => {
      const o = str(v, fail);
      if (o !== 'drop-head' && o !== 'reject-publish' && o !== 'reject-publish-dlx') throw fail('invalid_overflow');
      s.overflow = o;
    },
  ],
  ['x-queue-mode', (v, _s, fail) => oneOf(v, fail, ['default', 'lazy'], 'queue mode')],
  [
    'x-single-active-consumer',
    (v, s, fail) => {
      if (typeof v !== 'boolean') throw fail(`{unacceptable_type,${rabbitTypeOf(v)}}`);
      s.singleActiveConsumer = v;
    },
  ],
  // queue-types.ts reads the type itself; here it is only validated.
  ['x-queue-type', (v, _s, fail) => oneOf(v, fail, ['classic', 'quorum', 'stream'], 'queue type')],
];

export function parseQueueArgs(args: FieldTable, queue: string, vhost: string): QueueSettings {
  const what = describeQueue(queue, vhost);
  // rabbit_channel checks the dead-letter exchange's type before any other argument (rabbit_misc:r_arg).
  const dlxArg = args['x-dead-letter-exchange'];
  if (dlxArg !== undefined && typeof dlxArg !== 'string') {
    throw preconditionFailed(`invalid type '${rabbitTypeOf(dlxArg)}' for arg 'x-dead-letter-exchange' in ${what}`);
  }
  const settings: QueueSettings = { overflow: 'drop-head', singleActiveConsumer: false };
  for (const [key, rule] of ARG_RULES) {
    const v = args[key];
    if (v !== undefined) rule(v, settings, (why) => preconditionFailed(`invalid arg '${key}' for ${what}: ${why}`));
  }
  return settings;
}

/** Queue arguments whose value must match on redeclare (rabbit_amqqueue:declare_args). */
export const EQUIVALENT_QUEUE_ARGS = [
  'x-expires',
  'x-message-ttl',
  'x-dead-letter-exchange',
  'x-dead-letter-routing-key',
  'x-max-length',
  'x-max-length-bytes',
  'x-max-in-memory-length',
  'x-max-in-memory-bytes',
  'x-max-priority',
  'x-overflow',
  'x-queue-mode',
  'x-single-active-consumer',
  'x-queue-type',
  'x-quorum-initial-group-size',
  'x-max-age',
  'x-max-segment-size',
  'x-initial-cluster-size',
  'x-queue-leader-locator',
];
