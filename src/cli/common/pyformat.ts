/**
 * drain's `-p FORMAT`: Python `%`-formatting against a mapping whose keys are expressions over
 * M (the message), P (its properties) and C (its content), as Qpid's drain evaluates them — but
 * through a small evaluator, never `eval`. Supported in keys: names, 'string' and number literals,
 * True/False/None, `x.attr`, `x['key']`, `x[0]`, and `x.get('key'[, default])`.
 * Conversions: s, r, d, i, f, e, g, x, o, c, and `%%`, with Python's flags, width and precision.
 */
import { Message, pyRepr, Typed } from '../../index.js';
import { UsageError } from './errors.js';

type Expr =
  | { kind: 'name'; name: string }
  | { kind: 'literal'; value: unknown }
  | { kind: 'attr'; target: Expr; name: string }
  | { kind: 'index'; target: Expr; key: Expr }
  | { kind: 'call'; target: Expr; name: string; args: Expr[] };

type Piece = string | { expr: Expr; source: string; flags: string; width?: number; precision?: number; conv: string };

/** A compiled format: check it once at start-up, apply it to every message. */
export class PyFormat {
  private readonly pieces: Piece[];

  /** Throws UsageError for a format or key Python would reject. */
  constructor(readonly format: string) {
    this.pieces = compile(format);
  }

  /** Formats one message. Errors (KeyError, AttributeError...) are thrown as Python names them. */
  apply(message: Message): string {
    const env: Record<string, unknown> = { M: message, P: message.properties, C: message.content };
    let out = '';
    for (const p of this.pieces) out += typeof p === 'string' ? p : convert(evaluate(p.expr, env), p);
    return out;
  }
}

/** An evaluation error, named as Python would name it (KeyError, AttributeError, ...). */
export class FormatError extends Error {
  constructor(pyName: string, message: string) {
    super(message);
    this.name = pyName;
  }
}

// ------------------------------------------------------------------ parsing the format

function compile(format: string): Piece[] {
  const pieces: Piece[] = [];
  let text = '';
  let i = 0;
  while (i < format.length) {
    const ch = format[i] as string;
    if (ch !== '%') {
      text += ch;
      i++;
      continue;
    }
    if (format[i + 1] === '%') {
      text += '%';
      i += 2;
      continue;
    }
    if (format[i + 1] !== '(')
      throw new UsageError(`format requires a mapping: use %(M)s, not ${format.slice(i, i + 2)}`);
    // The key runs to the matching ')', counting nested parentheses, as Python's % does.
    let depth = 1;
    let j = i + 2;
    while (j < format.length && depth > 0) {
      if (format[j] === '(') depth++;
      else if (format[j] === ')') depth--;
      j++;
    }
    if (depth > 0) throw new UsageError(`incomplete format key in ${format}`);
    const source = format.slice(i + 2, j - 1);
    const spec = /^([-+ #0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/.exec(format.slice(j));
    if (!spec) throw new UsageError(`incomplete format in ${format}`);
    const conv = spec[4] as string;
    if (!'srdifFeEgGxXoca'.includes(conv)) {
      throw new UsageError(`unsupported format character '${conv}' in ${format}`);
    }
    if (text) pieces.push(text);
    text = '';
    pieces.push({
      expr: parseExpr(source),
      source,
      flags: spec[1] ?? '',
      width: spec[2] === undefined ? undefined : Number(spec[2]),
      precision: spec[3] === undefined ? undefined : Number(spec[3]),
      conv,
    });
    i = j + spec[0].length;
  }
  if (text) pieces.push(text);
  return pieces;
}

// ------------------------------------------------------------------ parsing keys

const TOKEN =
  /\s*(?:(?<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(?<num>-?\d+(?:\.\d+)?)|(?<name>[A-Za-z_][A-Za-z0-9_]*)|(?<punct>[.[\](),]))/y;

interface Tok {
  type: 'str' | 'num' | 'name' | 'punct' | 'end';
  text: string;
}

function tokenize(source: string): Tok[] {
  const toks: Tok[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < source.length) {
    if (/^\s*$/.test(source.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(source);
    if (!m?.groups) throw new UsageError(`unsupported expression in format key (${source}) at ${source.slice(pos)}`);
    const g = m.groups;
    const type = g['str'] ? 'str' : g['num'] ? 'num' : g['name'] ? 'name' : 'punct';
    toks.push({ type, text: (g['str'] ?? g['num'] ?? g['name'] ?? g['punct']) as string });
    pos = TOKEN.lastIndex;
  }
  toks.push({ type: 'end', text: '' });
  return toks;
}

function parseExpr(source: string): Expr {
  return new ExprParser(source).parse();
}

/** A recursive-descent parser over the tokens of one key: a primary, then `.name`, `.get(...)` and `[...]`. */
class ExprParser {
  private readonly toks: Tok[];
  private k = 0;

  constructor(private readonly source: string) {
    this.toks = tokenize(source);
  }

  parse(): Expr {
    const e = this.postfix();
    if (this.peek().type !== 'end') this.fail('end of key');
    return e;
  }

  private peek(): Tok {
    return this.toks[this.k] as Tok;
  }

  private at(text: string): boolean {
    return this.peek().type === 'punct' && this.peek().text === text;
  }

  private fail(what: string): never {
    const t = this.peek().text;
    throw new UsageError(`invalid format key (${this.source}): expected ${what}${t ? ` at '${t}'` : ''}`);
  }

  private expect(text: string): void {
    if (this.peek().text !== text || this.peek().type !== 'punct') this.fail(`'${text}'`);
    this.k++;
  }

  private primary(): Expr {
    const t = this.peek();
    this.k++;
    if (t.type === 'str') return { kind: 'literal', value: unquote(t.text) };
    if (t.type === 'num') return { kind: 'literal', value: Number(t.text) };
    if (t.type === 'name') {
      if (t.text === 'True') return { kind: 'literal', value: true };
      if (t.text === 'False') return { kind: 'literal', value: false };
      if (t.text === 'None') return { kind: 'literal', value: null };
      if (!['M', 'P', 'C'].includes(t.text))
        throw new UsageError(`format key (${this.source}): name '${t.text}' is not defined (use M, P or C)`);
      return { kind: 'name', name: t.text };
    }
    this.k--;
    return this.fail('M, P, C or a literal');
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.at('.')) {
        this.k++;
        e = this.member(e);
      } else if (this.at('[')) {
        this.k++;
        const key = this.postfix();
        this.expect(']');
        e = { kind: 'index', target: e, key };
      } else {
        return e;
      }
    }
  }

  /** After `target.`: an attribute, or a `.get(key[, default])` call. */
  private member(target: Expr): Expr {
    const n = this.peek();
    if (n.type !== 'name') this.fail('an attribute name');
    this.k++;
    if (!this.at('(')) return { kind: 'attr', target, name: n.text };
    this.k++;
    const args: Expr[] = [];
    while (!this.at(')')) {
      args.push(this.postfix());
      if (this.at(',')) this.k++;
      else break;
    }
    this.expect(')');
    if (n.text !== 'get' || args.length < 1 || args.length > 2) {
      throw new UsageError(`format key (${this.source}): only .get(key[, default]) calls are supported`);
    }
    return { kind: 'call', target, name: n.text, args };
  }
}

function unquote(text: string): string {
  const body = text.slice(1, -1);
  return body.replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r', '0': '\0' })[c] ?? c);
}

// ------------------------------------------------------------------ evaluation

// Python attribute names of qpid.messaging.Message → our fields.
const MESSAGE_ATTRS: Record<string, (m: Message) => unknown> = {
  id: (m) => m.id,
  subject: (m) => m.subject,
  user_id: (m) => m.userId,
  reply_to: (m) => m.replyTo,
  correlation_id: (m) => m.correlationId,
  durable: (m) => m.durable,
  priority: (m) => m.priority,
  ttl: (m) => m.ttl,
  redelivered: (m) => m.redelivered,
  properties: (m) => m.properties,
  content_type: (m) => m.contentType,
  content: (m) => m.content,
};

function evaluate(e: Expr, env: Record<string, unknown>): unknown {
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'name':
      return env[e.name];
    case 'attr': {
      const target = evaluate(e.target, env);
      if (target instanceof Message) {
        const get = MESSAGE_ATTRS[e.name];
        if (get) return get(target) ?? null;
      }
      throw new FormatError('AttributeError', `${typeName(target)} object has no attribute ${pyRepr(e.name)}`);
    }
    case 'index': {
      const target = evaluate(e.target, env);
      const key = evaluate(e.key, env);
      return indexValue(target, key);
    }
    case 'call': {
      const target = evaluate(e.target, env);
      if (!isMap(target)) throw new FormatError('AttributeError', `${typeName(target)} object has no attribute 'get'`);
      const key = evaluate(e.args[0] as Expr, env);
      const fallback = e.args[1] ? evaluate(e.args[1], env) : null;
      return typeof key === 'string' && Object.hasOwn(target, key) ? target[key] : fallback;
    }
  }
}

function indexValue(target: unknown, key: unknown): unknown {
  if (isMap(target)) {
    if (typeof key === 'string' && Object.hasOwn(target, key)) return target[key];
    throw new FormatError('KeyError', pyRepr(key));
  }
  if (Array.isArray(target) || typeof target === 'string' || Buffer.isBuffer(target)) {
    if (typeof key !== 'number' || !Number.isInteger(key)) {
      throw new FormatError('TypeError', `${typeName(target)} indices must be integers`);
    }
    const len = target.length;
    const i = key < 0 ? len + key : key;
    if (i < 0 || i >= len) throw new FormatError('IndexError', `${typeName(target)} index out of range`);
    return Buffer.isBuffer(target) ? target[i] : target[i];
  }
  throw new FormatError('TypeError', `${typeName(target)} object is not subscriptable`);
}

function isMap(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Buffer.isBuffer(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return "'NoneType'";
  if (v instanceof Message) return "'Message'";
  if (typeof v === 'string') return "'str'";
  if (typeof v === 'boolean') return "'bool'";
  if (typeof v === 'number') return Number.isInteger(v) ? "'int'" : "'float'";
  if (Buffer.isBuffer(v)) return "'bytes'";
  if (Array.isArray(v)) return "'list'";
  return "'dict'";
}

// ------------------------------------------------------------------ conversions

/** Python str(): strings as they are, everything else as repr (bytes as their text). */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Message) return v.toString();
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return pyRepr(v);
}

function numeric(v: unknown, conv: string): number {
  const n = v instanceof Typed ? Number(v.value) : typeof v === 'bigint' ? Number(v) : v;
  if (typeof n === 'boolean') return n ? 1 : 0;
  if (typeof n === 'number') return n;
  if (typeof n === 'string' && conv === 'c' && n.length === 1) return n.codePointAt(0) as number;
  throw new FormatError('TypeError', `%${conv} format: a number is required, not ${typeName(v).slice(1, -1)}`);
}

function convert(v: unknown, p: Exclude<Piece, string>): string {
  let body: string;
  switch (p.conv) {
    case 's':
      body = pyStr(v);
      if (p.precision !== undefined) body = body.slice(0, p.precision);
      break;
    case 'r':
    case 'a':
      body = v instanceof Message ? v.toString() : pyRepr(v);
      if (p.precision !== undefined) body = body.slice(0, p.precision);
      break;
    case 'c':
      body = String.fromCodePoint(numeric(v, 'c'));
      break;
    default: {
      const n = numeric(v, p.conv);
      const abs = Math.abs(n);
      switch (p.conv) {
        case 'd':
        case 'i':
          body = String(Math.trunc(abs));
          break;
        case 'x':
        case 'X':
          body = Math.trunc(abs).toString(16);
          if (p.flags.includes('#')) body = `0x${body}`;
          if (p.conv === 'X') body = body.toUpperCase();
          break;
        case 'o':
          body = Math.trunc(abs).toString(8);
          if (p.flags.includes('#')) body = `0o${body}`;
          break;
        case 'e':
        case 'E':
          body = abs.toExponential(p.precision ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
          if (p.conv === 'E') body = body.toUpperCase();
          break;
        case 'g':
        case 'G':
          body = String(Number(abs.toPrecision(p.precision || 6)));
          break;
        default:
          body = abs.toFixed(p.precision ?? 6);
      }
      const sign = n < 0 || Object.is(n, -0) ? '-' : p.flags.includes('+') ? '+' : p.flags.includes(' ') ? ' ' : '';
      if (p.width !== undefined && p.flags.includes('0') && !p.flags.includes('-')) {
        body = body.padStart(p.width - sign.length, '0');
      }
      body = sign + body;
    }
  }
  if (p.width !== undefined && body.length < p.width) {
    body = p.flags.includes('-') ? body.padEnd(p.width) : body.padStart(p.width);
  }
  return body;
}
