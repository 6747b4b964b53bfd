/**
 * JSON written the way Python's `json.dumps` writes it with its defaults (what oslo.messaging's
 * `jsonutils.dumps` produces): `", "` and `": "` separators, `ensure_ascii=True` (every non-ASCII
 * character as `\uXXXX`, astral ones as surrogate pairs), and Python's escapes. Bodies from a Node
 * service are then byte-for-byte the shape a Python service sends (docs/rpc.md "Wire format").
 *
 * Differences that cannot be avoided: JavaScript has one number type, so `1.0` is written `1`; values
 * JSON cannot hold (undefined, functions) become `null` as in JSON.stringify's array handling.
 */

/** `json.dumps(value)` as Python writes it. */
export function pyJsonDumps(value: unknown): string {
  return write(prepare(value));
}

// toJSON (Dates, Buffers, user classes) first, so the writer sees plain data only.
function prepare(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON(): unknown }).toJSON();
  }
  return value;
}

function write(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // Python writes NaN/Infinity as bare words (allow_nan=True); JSON.parse then refuses them, as
      // json.loads does not — callers should not send them.
      if (Number.isNaN(value)) return 'NaN';
      if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
      return String(value);
    case 'bigint':
      return value.toString();
    case 'string':
      return quote(value);
    case 'object':
      return Array.isArray(value) ? writeArray(value) : writeObject(value as Record<string, unknown>);
    default:
      return 'null';
  }
}

function writeArray(items: readonly unknown[]): string {
  return `[${items.map((v) => write(prepare(v))).join(', ')}]`;
}

function writeObject(obj: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    // JSON.stringify drops undefined members; so does Python's dict (it cannot hold them).
    if (v === undefined || typeof v === 'function') continue;
    parts.push(`${quote(k)}: ${write(prepare(v))}`);
  }
  return `{${parts.join(', ')}}`;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

// Python's py_encode_basestring_ascii: the named escapes above, other control characters and all
// non-ASCII UTF-16 code units as \uXXXX (lower-case hex).
function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    const code = s.charCodeAt(i);
    const named = ESCAPES[ch];
    if (named !== undefined) out += named;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
