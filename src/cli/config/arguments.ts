/**
 * qpid-config's options as the management API's declare arguments (docs/qpid-reference.md §6.4): Qpid's
 * queue limits onto RabbitMQ's arguments (--max-queue-size → x-max-length-bytes, --max-queue-count →
 * x-max-length, --limit-policy reject|ring → x-overflow reject-publish|drop-head, --alternate-exchange
 * → x-dead-letter-exchange), the replicated queue types, --argument NAME=VALUE, and the `all|any k=v`
 * of a headers binding.
 */
import { typedArgument, typedJsonValue } from '../common/admin.js';
import { repeated } from '../common/args.js';
import { UsageError } from '../common/errors.js';

/** The parsed options the verbs read. */
export interface ConfigArgs {
  recursive?: boolean;
  'ignore-default'?: boolean;
  json?: boolean;
  'alternate-exchange'?: string;
  durable?: boolean;
  quorum?: boolean;
  stream?: boolean;
  'quorum-initial-group-size'?: number;
  'delivery-limit'?: number;
  'max-queue-size'?: number;
  'max-queue-count'?: number;
  'limit-policy'?: string;
  /** Repeatable: one value or several. */
  argument?: string | string[];
  force?: boolean;
  'force-if-not-empty'?: boolean;
  'force-if-used'?: boolean;
}

/** --argument NAME=VALUE ..., typed as Qpid types them. */
function extraArguments(args: ConfigArgs): Record<string, unknown> {
  return Object.fromEntries(repeated(args.argument).map((a) => typedArgument(a, '--argument')));
}

/** The arguments of `add exchange`. */
export function exchangeArguments(args: ConfigArgs): Record<string, unknown> {
  const declArgs = extraArguments(args);
  if (args['alternate-exchange']) declArgs['alternate-exchange'] = args['alternate-exchange'];
  return declArgs;
}

/** The replicated queue type asked for (README "Running on a cluster"); RabbitMQ requires them durable. */
export function queueType(args: ConfigArgs): 'quorum' | 'stream' | undefined {
  return args.quorum ? 'quorum' : args.stream ? 'stream' : undefined;
}

/** The arguments of `add queue`. */
export function queueArguments(args: ConfigArgs): Record<string, unknown> {
  const declArgs = extraArguments(args);
  if (args['max-queue-size'] !== undefined) declArgs['x-max-length-bytes'] = args['max-queue-size'];
  if (args['max-queue-count'] !== undefined) declArgs['x-max-length'] = args['max-queue-count'];
  if (args['limit-policy'] === 'reject') declArgs['x-overflow'] = 'reject-publish';
  else if (args['limit-policy'] === 'ring') declArgs['x-overflow'] = 'drop-head';
  if (args['alternate-exchange']) declArgs['x-dead-letter-exchange'] = args['alternate-exchange'];
  const type = queueType(args);
  if (type) declArgs['x-queue-type'] = type;
  if (args['quorum-initial-group-size'] !== undefined) {
    declArgs['x-quorum-initial-group-size'] = args['quorum-initial-group-size'];
  }
  if (args['delivery-limit'] !== undefined) declArgs['x-delivery-limit'] = args['delivery-limit'];
  return declArgs;
}

/** `all|any k=v ...` after the key of a headers binding → {x-match, k: v, ...}. */
export function headerArguments(words: string[]): Record<string, unknown> {
  if (words.length < 2) throw new UsageError("Invalid args to bind headers: need 'any'/'all' plus conditions");
  const [op, ...conditions] = words as [string, ...string[]];
  if (op !== 'all' && op !== 'any') {
    throw new UsageError(`Invalid condition arg to bind headers, need 'any' or 'all', not '${op}'`);
  }
  const out: Record<string, unknown> = {};
  for (const c of conditions) {
    const i = c.indexOf('=');
    if (i <= 0) throw new UsageError(`Invalid condition arg to bind headers: expected k=v, not '${c}'`);
    out[c.slice(0, i)] = typedJsonValue(c.slice(i + 1));
  }
  out['x-match'] = op;
  return out;
}
