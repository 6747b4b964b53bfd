/**
 * Address-string tokens (docs/qpid-reference.md §1.2), plus the inverse: writing a scalar so it lexes back.
 *
 * The token table and its order are [py]'s (`qpid/messaging/address.py`): alternatives are tried in
 * order and the first that matches wins, which is why `foo-3` is one ID but `-3` is a NUMBER.
 */
import { MalformedAddress } from '../errors.js';

export type TokenType =
  | 'LBRACE'
  | 'RBRACE'
  | 'LBRACK'
  | 'RBRACK'
  | 'COLON'
  | 'SEMI'
  | 'SLASH'
  | 'COMMA'
  | 'NUMBER'
  | 'ID'
  | 'STRING'
  | 'ESC'
  | 'SYM'
  | 'WSPACE'
  | 'EOF';

export interface Token {
  readonly type: TokenType;
  /** The raw source text of the token ('' for EOF). */
  readonly text: string;
  /** 0-based UTF-16 offset of the token in the address. */
  readonly offset: number;
}

const ID_PATTERN = '[a-zA-Z_](?:[a-zA-Z0-9_-]*[a-zA-Z0-9_])?';

// Order matters (first match wins), exactly as §1.2 lists it. In [py] `.` excludes only `\n`, so the
// string escape is written `\\[^\n]` rather than `\\.` (which in JS would also exclude `\r`, U+2028…).
const TOKEN_PATTERNS: ReadonlyArray<readonly [TokenType, string]> = [
  ['LBRACE', '\\{'],
  ['RBRACE', '\\}'],
  ['LBRACK', '\\['],
  ['RBRACK', '\\]'],
  ['COLON', ':'],
  ['SEMI', ';'],
  ['SLASH', '/'],
  ['COMMA', ','],
  ['NUMBER', '[+-]?[0-9]*\\.?[0-9]+'],
  ['ID', ID_PATTERN],
  ['STRING', `"(?:[^\\\\"]|\\\\[^\\n])*"|'(?:[^\\\\']|\\\\[^\\n])*'`],
  ['ESC', '\\\\[^ux]|\\\\x[0-9a-fA-F]{2}|\\\\u[0-9a-fA-F]{4}'],
  ['SYM', '[.#*%@$^!+-]'],
  ['WSPACE', '[ \\n\\r\\t]+'],
];

const TOKEN_RE = new RegExp(TOKEN_PATTERNS.map(([, pattern]) => `(${pattern})`).join('|'), 'y');
const ID_RE = new RegExp(`^(?:${ID_PATTERN})$`);

/** 1-based column used in every address error message. */
export function columnOf(offset: number): number {
  return offset + 1;
}

/** Builds the MalformedAddress every address error uses: `<what> at column N in "<address>"`. */
export function malformed(what: string, address: string, offset: number): MalformedAddress {
  const column = columnOf(offset);
  return new MalformedAddress(`${what} at column ${column} in "${address}"`, { address, column });
}

/** Splits an address into tokens, ending with one EOF token. Throws MalformedAddress. */
export function lex(address: string): Token[] {
  const tokens: Token[] = [];
  let offset = 0;
  while (offset < address.length) {
    TOKEN_RE.lastIndex = offset;
    const match = TOKEN_RE.exec(address);
    if (match === null) throw unrecognized(address, offset);
    const group = match.findIndex((text, i) => i > 0 && text !== undefined);
    tokens.push({ type: TOKEN_PATTERNS[group - 1]![0], text: match[0], offset });
    offset += match[0].length;
  }
  tokens.push({ type: 'EOF', text: '', offset });
  return tokens;
}

// [py] only says "unrecognized characters"; naming the likely mistake is kinder.
function unrecognized(address: string, offset: number): MalformedAddress {
  const ch = address[offset]!;
  if (ch === '"' || ch === "'") return malformed('unterminated string', address, offset);
  if (ch === '\\') return malformed('invalid escape sequence', address, offset);
  return malformed(`unexpected character ${JSON.stringify(ch)}`, address, offset);
}

// ------------------------------------------------------------------ token → value

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/**
 * The content of a STRING token. Escapes follow Python string literals, since [py] evaluates the
 * token: \\ \' \" \a \b \f \n \r \t \v, octal \ooo, \xHH, \uHHHH, \UHHHHHHHH; an unknown escape keeps
 * its backslash. A bad \x/\u/\U escape is a MalformedAddress (Python raises for it too).
 */
export function unquote(token: Token, address: string): string {
  const body = token.text.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[i + 1]!;
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i += 1;
    } else if (next >= '0' && next <= '7') {
      const digits = /^[0-7]{1,3}/.exec(body.slice(i + 1))![0];
      out += String.fromCharCode(Number.parseInt(digits, 8));
      i += digits.length;
    } else if (next === 'x' || next === 'u' || next === 'U') {
      const width = next === 'x' ? 2 : next === 'u' ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + width);
      const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === width ? Number.parseInt(hex, 16) : -1;
      if (code < 0 || code > 0x10ffff) {
        throw malformed('invalid escape sequence', address, token.offset + 1 + i);
      }
      out += String.fromCodePoint(code);
      i += 1 + width;
    } else {
      out += `\\${next}`;
      i += 1;
    }
  }
  return out;
}

/** The character an ESC token stands for (`\/` → `/`, `\x41` → `A`, `\u00e9` → `é`). */
export function unescapeEsc(token: Token): string {
  const kind = token.text[1]!;
  // The ESC pattern only lets x and u through with their hex digits.
  if (kind === 'x' || kind === 'u') {
    return String.fromCharCode(Number.parseInt(token.text.slice(2), 16));
  }
  return kind;
}

/** Text a token contributes to a name or subject ([py] `tok2str`). */
export function tokenText(token: Token, address: string): string {
  if (token.type === 'STRING') return unquote(token, address);
  if (token.type === 'ESC') return unescapeEsc(token);
  return token.text;
}

/** NUMBER → number. `-0` becomes 0: [py] `int("-0")` is 0, and JS equality treats -0 specially. */
export function numberValue(token: Token): number {
  const n = Number(token.text);
  return n === 0 ? 0 : n;
}

// ------------------------------------------------------------------ value → token text

/** True when `text` is one whole ID token, so it can be written without quotes. */
export function isIdentifier(text: string): boolean {
  return ID_RE.test(text);
}

/** Words that an unquoted ID turns into constants ([py] `CONSTANTS`), so strings spelled so need quotes. */
export const CONSTANT_WORDS: ReadonlySet<string> = new Set(['True', 'true', 'False', 'false', 'None']);

/** A single-quoted STRING token whose unquote() is exactly `text`. */
export function quoteString(text: string): string {
  let out = "'";
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (ch === '\\' || ch === "'") out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

/** A string value as an ID when that reads back as the same string, else quoted. */
export function formatString(text: string): string {
  return isIdentifier(text) && !CONSTANT_WORDS.has(text) ? text : quoteString(text);
}

/**
 * A finite number as NUMBER token text. The grammar has no exponent (`1e5` is not a NUMBER), so
 * JS's shortest round-trip digits are written out positionally.
 */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`cannot write ${n} in an address`);
  const shortest = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(shortest);
  if (m === null) return shortest;
  const [, sign, lead, frac = '', exp] = m;
  const digits = lead! + frac;
  const point = 1 + Number(exp);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
