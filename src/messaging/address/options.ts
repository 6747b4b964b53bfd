/**
 * Address options: their types, their validation (docs/qpid-reference.md §1.5) and how to write them back.
 *
 * Keys keep Qpid's wire spelling (`x-declare`, `auto-delete`) because users type them in address
 * strings. Like [py]'s validator every map is restricted to its known keys (an unknown key is an
 * InvalidOption, never silently ignored) except the pass-through maps `x-declare`, `x-subscribe` and
 * binding `arguments`, and a `None` value counts as "not given".
 */
import { InvalidOption, type OptionIssue } from '../errors.js';
import { formatNumber, formatString, isIdentifier } from './lexer.js';

/** Any value an address string can spell: ID/STRING → string, NUMBER → number, True/False, None. */
export type AddressValue = string | number | boolean | null | readonly AddressValue[] | AddressMap;

/** A `{key: value}` literal. Keys are always strings (`{1: x}` has key `'1'`). */
export interface AddressMap {
  readonly [key: string]: AddressValue;
}

/** create / delete / assert policy: which kind of link the action applies to. */
export type Policy = 'always' | 'sender' | 'receiver' | 'never';
export type ReceiveMode = 'browse' | 'consume';
/** queue = AMQP queue; topic = AMQP exchange. */
export type NodeType = 'queue' | 'topic';
export type Reliability = 'unreliable' | 'at-most-once' | 'at-least-once' | 'exactly-once';
/** Which end of a link an address is used for; a sender has no `mode`. */
export type LinkRole = 'sender' | 'receiver';

/** An entry of `node.x-bindings` / `link.x-bindings`. */
export interface XBinding {
  readonly exchange?: string;
  readonly queue?: string;
  readonly key?: string;
  readonly arguments?: AddressMap;
}

/** RabbitMQ queue types (x-queue-type); quorum and stream are the replicated ones of a cluster. */
export type QueueType = 'classic' | 'quorum' | 'stream';

export interface NodeOptions {
  readonly type?: NodeType;
  readonly durable?: boolean;
  /** Our shorthand for `x-declare: {arguments: {x-queue-type: …}}` (README "Running on a cluster"). */
  readonly 'x-queue-type'?: QueueType;
  readonly 'x-declare'?: AddressMap;
  readonly 'x-bindings'?: readonly XBinding[];
}

/** [cpp] AMQP 1.0 path only; accepted so such addresses still parse. */
export interface LinkFilter {
  readonly name?: string;
  readonly descriptor?: string | number;
  readonly value?: AddressValue;
}

export interface LinkOptions {
  readonly name?: string;
  readonly durable?: boolean;
  readonly reliability?: Reliability;
  readonly 'x-declare'?: AddressMap;
  readonly 'x-subscribe'?: AddressMap;
  readonly 'x-bindings'?: readonly XBinding[];
  /** [cpp] only: seconds before an unused subscription queue is deleted (0 = never). */
  readonly timeout?: number;
  /** [cpp] only: SQL-like message selector. */
  readonly selector?: string;
  /** [cpp] AMQP 1.0 only. */
  readonly filter?: LinkFilter | readonly LinkFilter[];
  /** [java] only. */
  readonly capacity?: number | { readonly source?: number; readonly target?: number };
}

export interface AddressOptions {
  readonly create?: Policy;
  readonly delete?: Policy;
  readonly assert?: Policy;
  /** Receivers only. */
  readonly mode?: ReceiveMode;
  readonly node?: NodeOptions;
  readonly link?: LinkOptions;
}

// ------------------------------------------------------------------ schema

type Check = (value: unknown, path: string, issues: OptionIssue[]) => unknown;

const POLICIES = ['always', 'sender', 'receiver', 'never'] as const;
const RELIABILITIES = ['unreliable', 'at-most-once', 'at-least-once', 'exactly-once'] as const;

const oneOf =
  (values: readonly string[]): Check =>
  (value, path, issues) => {
    if (typeof value === 'string' && values.includes(value)) return value;
    issues.push({ path, problem: `${formatValue(value)} not in (${values.join(', ')})`, allowed: values });
    return undefined;
  };

// [py] wants a real bool; [cpp] reads True/TRUE/true as bool. We accept what cpp does, in quotes too, and
// 0/1, so `durable: 'True'` or `durable: 1` from a shell script means what it says.
const bool: Check = (value, path, issues) => {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  if (value === 0 || value === 1) return value === 1;
  issues.push({ path, problem: `${formatValue(value)} is not a bool`, allowed: ['True', 'False'] });
  return undefined;
};

// [cpp] types an unquoted `123` as a number but reads it back as a string where one is needed.
const str: Check = (value, path, issues) => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value);
  issues.push({ path, problem: `${formatValue(value)} is not a string` });
  return undefined;
};

const count: Check = (value, path, issues) => {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  issues.push({ path, problem: `${formatValue(value)} is not a non-negative integer` });
  return undefined;
};

/** A pass-through map: any keys, any address values. */
const freeMap: Check = (value, path, issues) => {
  if (!isMap(value)) {
    issues.push({ path, problem: `${formatValue(value)} is not a map` });
    return undefined;
  }
  return addressValue(value, path, issues);
};

const listOf =
  (item: Check): Check =>
  (value, path, issues) => {
    if (!Array.isArray(value)) {
      issues.push({ path, problem: `${formatValue(value)} is not a list` });
      return undefined;
    }
    return value.map((v, i) => item(v, `${path}[${i}]`, issues));
  };

const either =
  (test: (value: unknown) => boolean, then: Check, otherwise: Check): Check =>
  (value, path, issues) =>
    test(value) ? then(value, path, issues) : otherwise(value, path, issues);

/** A restricted map: only `fields` are allowed, each checked; null/undefined values mean "absent". */
const struct =
  (fields: Readonly<Record<string, Check>>): Check =>
  (value, path, issues) => {
    if (!isMap(value)) {
      issues.push({ path, problem: `${formatValue(value)} is not a map` });
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const keyPath = path === '' ? key : `${path}.${key}`;
      const check = Object.hasOwn(fields, key) ? fields[key] : undefined;
      if (check === undefined) {
        issues.push({ path: keyPath, problem: 'illegal key', allowed: Object.keys(fields) });
      } else if (v !== null && v !== undefined) {
        const checked = check(v, keyPath, issues);
        if (checked !== undefined) defineKey(out, key, checked);
      }
    }
    return out;
  };

const BINDING = struct({ exchange: str, queue: str, key: str, arguments: freeMap });
const BINDINGS = listOf(BINDING);
const FILTER = struct({ name: str, descriptor: either((v) => typeof v === 'number', count, str), value: anyValue });

const NODE = struct({
  type: oneOf(['queue', 'topic']),
  durable: bool,
  'x-queue-type': oneOf(['classic', 'quorum', 'stream']),
  'x-declare': freeMap,
  'x-bindings': BINDINGS,
});

const LINK = struct({
  name: str,
  durable: bool,
  reliability: oneOf(RELIABILITIES),
  'x-declare': freeMap,
  'x-subscribe': freeMap,
  'x-bindings': BINDINGS,
  timeout: count,
  selector: str,
  filter: either(Array.isArray, listOf(FILTER), FILTER),
  capacity: either(isMap, struct({ source: count, target: count }), count),
});

const COMMON_FIELDS = {
  create: oneOf(POLICIES),
  delete: oneOf(POLICIES),
  assert: oneOf(POLICIES),
  node: NODE,
  link: LINK,
};
const RECEIVER_OPTIONS = struct({ ...COMMON_FIELDS, mode: oneOf(['browse', 'consume']) });
// [py] TARGET_OPTS has no `mode`, so a sender address with `mode` is rejected.
const SENDER_OPTIONS = struct(COMMON_FIELDS);

// ------------------------------------------------------------------ validation

/**
 * Checks raw options (as parsed from an address) and returns them typed and normalised.
 * Without a role, `mode` is allowed (the receiver superset); pass `'sender'` to reject it.
 * Throws InvalidOption listing every problem; its `path` is the first bad key path.
 */
export function validateOptions(raw: Record<string, unknown>, address: string, role?: LinkRole): AddressOptions {
  const issues: OptionIssue[] = [];
  const schema = role === 'sender' ? SENDER_OPTIONS : RECEIVER_OPTIONS;
  const options = schema(raw, '', issues) as AddressOptions | undefined;
  if (issues.length > 0 || options === undefined) {
    const text = issues.map(formatIssue).join(', ');
    throw new InvalidOption(`error in options: ${text} in "${address}"`, { address, issues });
  }
  return options;
}

/** Rejects options a link of this role may not carry (a sender with `mode`). */
export function checkRole(options: AddressOptions, role: LinkRole, address: string): void {
  validateOptions(options as Record<string, unknown>, address, role);
}

function formatIssue(issue: OptionIssue): string {
  if (issue.problem === 'illegal key' && issue.allowed !== undefined) {
    return `${issue.path}: illegal key (allowed: ${issue.allowed.join(', ')})`;
  }
  return `${issue.path}: ${issue.problem}`;
}

function anyValue(value: unknown, path: string, issues: OptionIssue[]): unknown {
  return addressValue(value, path, issues);
}

/** Checks that `value` is made only of address values; returns a copy without undefined map entries. */
function addressValue(value: unknown, path: string, issues: OptionIssue[]): AddressValue | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (Array.isArray(value)) return value.map((v, i) => addressValue(v, `${path}[${i}]`, issues) ?? null);
  if (isMap(value)) {
    const out: Record<string, AddressValue> = {};
    for (const [key, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const checked = addressValue(v, `${path}.${key}`, issues);
      if (checked !== undefined) defineKey(out, key, checked);
    }
    return out;
  }
  issues.push({ path, problem: `${typeName(value)} cannot be written in an address` });
  return undefined;
}

function typeName(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

function isMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// defineProperty rather than `out[key] =`, so a key spelled `__proto__` is data, not a prototype swap.
function defineKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

// ------------------------------------------------------------------ writing values back

/**
 * Writes a value in address syntax so that parsing it gives the same value back: booleans as
 * True/False, null as None, strings bare when they are plain IDs, maps without undefined entries.
 */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return formatString(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${formatKey(k)}: ${formatValue(v)}`).join(', ')}}`;
  }
  throw new TypeError(`cannot write a ${typeof value} in an address`);
}

// Keys keep ID text verbatim (no True/None conversion), so any ID, even `True`, can stay bare.
function formatKey(key: string): string {
  return isIdentifier(key) ? key : formatString(key);
}
