/**
 * `NAME=VALUE` arguments (spout -P/-M), with values typed as Qpid's Variant::parse does:
 * integers, then floating point, then True/False, else the string as given.
 */

import type { FieldValue } from '../../index.js';
import { Typed } from '../../index.js';

/** `"n=5"` → `['n', 5]`; `"flag"` (no `=`) → `['flag', null]` as Qpid's spout does (None). */
export function nameValue(text: string): [string, FieldValue] {
  const i = text.indexOf('=');
  if (i < 0) return [text, null];
  return [text.slice(0, i), typedValue(text.slice(i + 1))];
}

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?$/;

/** `"42"` → 42, `"2.5"` → 2.5, `"2.0"` → a double 2.0, `"True"` → true, anything else → the string. */
export function typedValue(text: string): FieldValue {
  if (INT.test(text)) {
    const big = BigInt(text);
    if (big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(big);
    if (big >= -(2n ** 63n) && big < 2n ** 63n) return big;
    return text;
  }
  if (FLOAT.test(text)) {
    const n = Number(text);
    // Keep "2.0" a double on the wire (a whole JS number would go as an integer).
    return Number.isInteger(n) ? new Typed('double', n) : n;
  }
  if (text === 'True' || text === 'true') return true;
  if (text === 'False' || text === 'false') return false;
  return text;
}
