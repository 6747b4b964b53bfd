/**
 * Argument checks for the public API. A caller of a dynamically typed API
 * (Qpid's Python `qpid.messaging` is what users come from) gets a TypeError
 * naming the parameter for a value of the wrong type, never a silent
 * misreading — `connection.session({ transactional: true })` must not become
 * a session *named* "[object Object]".
 */
/** session() options as checked here (session.ts's SessionOptions has this shape). */
export interface CheckedSessionOptions {
  transactional?: boolean;
}

/** A short rendering of a bad value for the message. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/** Capacity (sender or receiver): a non-negative integer. */
export function checkCapacity(n: unknown, what: string): asserts n is number {
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new TypeError(`${what}: capacity must be a non-negative integer, got ${describeValue(n)}`);
  }
  if (n < 0) throw new RangeError(`${what}: capacity must be a non-negative integer, got ${n}`);
}

/** Checks session options: an object whose `transactional`, if given, is a boolean. */
export function checkSessionOptions(o: unknown): CheckedSessionOptions {
  if (o === undefined) return {};
  if (o === null || typeof o !== 'object' || Array.isArray(o)) {
    throw new TypeError(`connection.session(): options must be an object, got ${describeValue(o)}`);
  }
  const t = (o as { transactional?: unknown }).transactional;
  if (t !== undefined && typeof t !== 'boolean') {
    throw new TypeError(`connection.session(): transactional must be a boolean, got ${describeValue(t)}`);
  }
  return o as CheckedSessionOptions;
}

/**
 * The Qpid forms of `session()`: `session()`, `session(name)`,
 * `session(options)` and `session(name, options)`.
 */
export function sessionArguments(a: unknown, b: unknown): { name: string | undefined; options: CheckedSessionOptions } {
  if (a !== undefined && a !== null && typeof a === 'object' && !Array.isArray(a)) {
    if (b !== undefined) {
      throw new TypeError('connection.session(options): a second argument is only taken after a name');
    }
    return { name: undefined, options: checkSessionOptions(a) };
  }
  // null is "no name", as Qpid's session(name=None).
  if (a !== undefined && a !== null && typeof a !== 'string') {
    throw new TypeError(`connection.session(): name must be a string, got ${describeValue(a)}`);
  }
  return { name: a ?? undefined, options: checkSessionOptions(b) };
}
