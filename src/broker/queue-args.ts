/**
 * Queue arguments RabbitMQ 3.10 understands, validated at queue.declare the
 * way rabbit_amqqueue:check_arguments does: a bad value is a 406 with
 * "invalid arg 'x-…' for queue 'q' in vhost '/': …".
 */
import { type FieldTable, type FieldValue, Typed } from '../protocol/index.js';
import { describeQueue, preconditionFailed } from './errors.js';

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
}

const INT_KINDS = new Set(['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64']);

/** The integer in a field value, or undefined when it is not of an integer type (RabbitMQ: unacceptable_type). */
export function integerOf(v: FieldValue): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Typed && INT_KINDS.has(v.type)) return Number(v.value);
  return undefined;
}

export function typeNameOf(v: FieldValue): string {
  if (typeof v === 'string') return 'longstr';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'long' : 'double';
  if (v === null || v === undefined) return 'void';
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return 'binary';
  if (v instanceof Date) return 'timestamp';
  if (v instanceof Typed) return v.type;
  if (Array.isArray(v)) return 'array';
  return 'table';
}

export function parseQueueArgs(args: FieldTable, queue: string, vhost: string): QueueSettings {
  const fail = (key: string, why: string) =>
    preconditionFailed(`invalid arg '${key}' for ${describeQueue(queue, vhost)}: ${why}`);
  const int = (key: string, min: number): number | undefined => {
    const v = args[key];
    if (v === undefined) return undefined;
    const n = integerOf(v);
    if (n === undefined) throw fail(key, `{unacceptable_type,${typeNameOf(v)}}`);
    if (n < min) throw fail(key, min === 0 ? `{value_negative,${n}}` : `{value_zero,${n}}`);
    return n;
  };
  const str = (key: string): string | undefined => {
    const v = args[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw fail(key, `{unacceptable_type,${typeNameOf(v)}}`);
    return v;
  };

  const overflowArg = str('x-overflow') ?? 'drop-head';
  if (overflowArg !== 'drop-head' && overflowArg !== 'reject-publish' && overflowArg !== 'reject-publish-dlx') {
    throw fail('x-overflow', `{invalid_overflow_value,${JSON.stringify(overflowArg)}}`);
  }
  const maxPriority = int('x-max-priority', 0);
  if (maxPriority !== undefined && maxPriority > 255)
    throw fail('x-max-priority', `{value_too_large,${maxPriority},255}`);
  const dlrk = str('x-dead-letter-routing-key');
  const dlx = str('x-dead-letter-exchange');
  // RabbitMQ refuses a dead-letter routing key without a dead-letter exchange.
  if (dlrk !== undefined && dlx === undefined) {
    throw preconditionFailed(
      `invalid arg 'x-dead-letter-routing-key' for ${describeQueue(queue, vhost)}: Key x-dead-letter-exchange must be set if x-dead-letter-routing-key is set`,
    );
  }
  const sac = args['x-single-active-consumer'];
  if (sac !== undefined && typeof sac !== 'boolean') {
    throw fail('x-single-active-consumer', `{unacceptable_type,${typeNameOf(sac)}}`);
  }

  const settings: QueueSettings = { overflow: overflowArg, singleActiveConsumer: sac === true };
  const ttl = int('x-message-ttl', 0);
  if (ttl !== undefined) settings.messageTtl = ttl;
  const expires = int('x-expires', 1);
  if (expires !== undefined) settings.expires = expires;
  const maxLength = int('x-max-length', 0);
  if (maxLength !== undefined) settings.maxLength = maxLength;
  const maxLengthBytes = int('x-max-length-bytes', 0);
  if (maxLengthBytes !== undefined) settings.maxLengthBytes = maxLengthBytes;
  if (dlx !== undefined) settings.deadLetterExchange = dlx;
  if (dlrk !== undefined) settings.deadLetterRoutingKey = dlrk;
  if (maxPriority !== undefined) settings.maxPriority = maxPriority;
  return settings;
}
