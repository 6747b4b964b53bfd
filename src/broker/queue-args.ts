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

export function parseQueueArgs(args: FieldTable, queue: string, vhost: string): QueueSettings {
  const what = describeQueue(queue, vhost);
  // rabbit_channel checks the dead-letter exchange's type before any other argument (rabbit_misc:r_arg).
  const dlxArg = args['x-dead-letter-exchange'];
  if (dlxArg !== undefined && typeof dlxArg !== 'string') {
    throw preconditionFailed(`invalid type '${rabbitTypeOf(dlxArg)}' for arg 'x-dead-letter-exchange' in ${what}`);
  }
  const fail = (key: string, why: string) => preconditionFailed(`invalid arg '${key}' for ${what}: ${why}`);
  // rabbit_amqqueue:check_int_arg; its reason is a string, which Erlang's ~p prints quoted.
  const int = (key: string): number | undefined => {
    const v = args[key];
    if (v === undefined) return undefined;
    const n = integerOf(v);
    if (n === undefined) throw fail(key, `"expected integer, got ${rabbitTypeOf(v)}"`);
    return n;
  };
  const nonNegative = (key: string): number | undefined => {
    const n = int(key);
    if (n !== undefined && n < 0) throw fail(key, `{value_negative,${n}}`);
    return n;
  };
  // rabbit_misc:check_expiry: not negative, at most ten years.
  const expiry = (key: string, zeroAllowed: boolean): number | undefined => {
    const n = int(key);
    if (n === undefined) return undefined;
    if (n === 0 && !zeroAllowed) throw fail(key, `{value_zero,${n}}`);
    if (n < 0) throw fail(key, `{value_negative,${n}}`);
    if (n > Number(MAX_EXPIRY_MS)) throw fail(key, `{value_too_large,${n}}`);
    return n;
  };
  const str = (key: string): string | undefined => {
    const v = args[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw fail(key, `{unacceptable_type,${rabbitTypeOf(v)}}`);
    return v;
  };

  // Checked in the order of rabbit_amqqueue:declare_args(), which decides the error when several are bad.
  const expires = expiry('x-expires', false);
  const ttl = expiry('x-message-ttl', true);
  const dlx = str('x-dead-letter-exchange');
  const dlrk = str('x-dead-letter-routing-key');
  if (dlrk !== undefined && dlx === undefined)
    throw fail('x-dead-letter-routing-key', 'routing_key_but_no_dlx_defined');
  const maxLength = nonNegative('x-max-length');
  const maxLengthBytes = nonNegative('x-max-length-bytes');
  const maxPriority = nonNegative('x-max-priority');
  if (maxPriority !== undefined && maxPriority > 255)
    throw fail('x-max-priority', `{max_value_exceeded,${maxPriority}}`);
  const overflowArg = str('x-overflow') ?? 'drop-head';
  if (overflowArg !== 'drop-head' && overflowArg !== 'reject-publish' && overflowArg !== 'reject-publish-dlx') {
    throw fail('x-overflow', 'invalid_overflow');
  }
  // rabbit_amqqueue:check_queue_mode / check_queue_type: a string from a known set; the reason is a quoted string.
  const mode = str('x-queue-mode');
  if (mode !== undefined && mode !== 'default' && mode !== 'lazy') {
    throw fail('x-queue-mode', `"unsupported queue mode '${mode}'"`);
  }
  const sac = args['x-single-active-consumer'];
  if (sac !== undefined && typeof sac !== 'boolean') {
    throw fail('x-single-active-consumer', `{unacceptable_type,${rabbitTypeOf(sac)}}`);
  }
  const queueType = str('x-queue-type');
  if (queueType !== undefined && queueType !== 'classic' && queueType !== 'quorum' && queueType !== 'stream') {
    throw fail('x-queue-type', `"unsupported queue type '${queueType}'"`);
  }

  const settings: QueueSettings = { overflow: overflowArg, singleActiveConsumer: sac === true };
  if (ttl !== undefined) settings.messageTtl = ttl;
  if (expires !== undefined) settings.expires = expires;
  if (maxLength !== undefined) settings.maxLength = maxLength;
  if (maxLengthBytes !== undefined) settings.maxLengthBytes = maxLengthBytes;
  if (dlx !== undefined) settings.deadLetterExchange = dlx;
  if (dlrk !== undefined) settings.deadLetterRoutingKey = dlrk;
  if (maxPriority !== undefined) settings.maxPriority = maxPriority;
  return settings;
}
