/**
 * Address strings: `<name> [/ <subject>] [; <options-map>]` (docs/qpid-reference.md §1.1, grammar §1.3).
 *
 * Behaviour follows [py] (`qpid/messaging/address.py`): whitespace tokens are dropped before parsing
 * (so `a b` names `ab`), the name is every token up to `/`, `;` or the end, the subject every token up
 * to `;` or the end, and only the options are parsed as a map literal.
 */
import { MalformedAddress } from '../errors.js';
import { lex, malformed, numberValue, quoteString, type Token, type TokenType, tokenText } from './lexer.js';
import {
  type AddressMap,
  type AddressOptions,
  type AddressValue,
  formatValue,
  type LinkRole,
  validateOptions,
} from './options.js';

/** A parsed address. `toString()` gives a canonical address string that parses back to an equal Address. */
export interface Address {
  readonly name: string;
  readonly subject?: string;
  readonly options: AddressOptions;
  /** The address text started with `#`: the client prepends a UUID to the name (§1.4). */
  readonly temporary: boolean;
  toString(): string;
}

/** An address before option validation ({@link parseRawAddress}). */
export interface RawAddress {
  readonly name: string;
  readonly subject?: string;
  readonly options: AddressMap;
  readonly temporary: boolean;
}

/** Fields to build an Address from without parsing. */
export interface AddressInit {
  readonly name: string;
  readonly subject?: string;
  readonly options?: AddressOptions;
  readonly temporary?: boolean;
}

// ------------------------------------------------------------------ parsing

/**
 * Parses and validates an address string. Throws MalformedAddress (grammar) or InvalidOption (options).
 * Pass `role: 'sender'` to reject receiver-only options such as `mode`.
 */
export function parseAddress(text: string, role?: LinkRole): Address {
  const raw = parseRawAddress(text, role);
  return createAddress({ ...raw, options: validateOptions(raw.options, text, role) });
}

/**
 * Parses the grammar only: options come back as the literal map, unvalidated. For tools that show or
 * transform addresses; the client always uses {@link parseAddress}.
 */
export function parseRawAddress(text: string, role?: LinkRole): RawAddress {
  if (typeof text !== 'string') {
    // [py] `MalformedAddress("target is None")`: JS callers can get here with null/undefined.
    throw new MalformedAddress(`${role === 'receiver' ? 'source' : 'target'} is ${String(text)}`);
  }
  const { name, subject, options } = new AddressParser(text).address();
  // [py] `_mangle` checks the raw string, so `'#x'` (quoted) or ` #x` is not temporary.
  const temporary = text.startsWith('#');
  return subject === undefined ? { name, options, temporary } : { name, subject, options, temporary };
}

const NAME_END: readonly TokenType[] = ['SLASH', 'SEMI', 'EOF'];
const SUBJECT_END: readonly TokenType[] = ['SEMI', 'EOF'];
const KEY_START: readonly TokenType[] = ['NUMBER', 'STRING', 'ID'];
const VALUE_START: readonly TokenType[] = ['NUMBER', 'STRING', 'ID', 'LBRACE', 'LBRACK'];
const CONSTANTS: ReadonlyMap<string, boolean | null> = new Map([
  ['True', true],
  ['true', true],
  ['False', false],
  ['false', false],
  ['None', null],
]);

class AddressParser {
  private readonly tokens: Token[];
  private pos = 0;

  constructor(private readonly text: string) {
    this.tokens = lex(text).filter((t) => t.type !== 'WSPACE');
  }

  address(): { name: string; subject: string | undefined; options: AddressMap } {
    const nameTokens = this.takeUntil(NAME_END);
    if (nameTokens.length === 0) throw this.expected('a name');
    const name = this.join(nameTokens);
    let subject: string | undefined;
    if (this.peek().type === 'SLASH') {
      this.pos++;
      const subjectTokens = this.takeUntil(SUBJECT_END);
      // [py] an empty subject (`foo/` or `foo/;...`) is no subject; `foo/''` is the empty subject.
      if (subjectTokens.length > 0) subject = this.join(subjectTokens);
    }
    let options: AddressMap = {};
    if (this.peek().type === 'SEMI') {
      this.pos++;
      options = this.map();
    }
    if (this.peek().type !== 'EOF') throw this.expected('end of address');
    return { name, subject, options };
  }

  private map(): Record<string, AddressValue> {
    this.expect('LBRACE', "'{'");
    const result: Record<string, AddressValue> = {};
    while (this.peek().type !== 'RBRACE') {
      if (!KEY_START.includes(this.peek().type)) throw this.expected("a key or '}'");
      const key = this.key();
      this.expect('COLON', "':'");
      // Last duplicate wins, as in [py]'s dict.
      Object.defineProperty(result, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      if (this.peek().type === 'COMMA') this.pos++;
      else if (this.peek().type !== 'RBRACE') throw this.expected("',' or '}'");
    }
    this.pos++;
    return result;
  }

  private list(): AddressValue[] {
    this.expect('LBRACK', "'['");
    const result: AddressValue[] = [];
    while (this.peek().type !== 'RBRACK') {
      if (!VALUE_START.includes(this.peek().type)) throw this.expected("a value or ']'");
      result.push(this.value());
      if (this.peek().type === 'COMMA') this.pos++;
      else if (this.peek().type !== 'RBRACK') throw this.expected("',' or ']'");
    }
    this.pos++;
    return result;
  }

  // Keys are strings: ID text verbatim (no True/None conversion), NUMBER as its value (`{1.50: x}` → '1.5').
  private key(): string {
    const token = this.next();
    if (token.type === 'STRING') return tokenText(token, this.text);
    if (token.type === 'NUMBER') return String(numberValue(token));
    return token.text;
  }

  private value(): AddressValue {
    const token = this.peek();
    switch (token.type) {
      case 'LBRACE':
        return this.map();
      case 'LBRACK':
        return this.list();
      case 'NUMBER':
        this.pos++;
        return numberValue(token);
      case 'STRING':
        this.pos++;
        return tokenText(token, this.text);
      case 'ID': {
        this.pos++;
        const constant = CONSTANTS.get(token.text);
        return constant === undefined ? token.text : constant;
      }
      default:
        throw this.expected('a value');
    }
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    return this.tokens[this.pos++]!;
  }

  private takeUntil(ends: readonly TokenType[]): Token[] {
    const start = this.pos;
    while (!ends.includes(this.peek().type)) this.pos++;
    return this.tokens.slice(start, this.pos);
  }

  private join(tokens: readonly Token[]): string {
    return tokens.map((t) => tokenText(t, this.text)).join('');
  }

  private expect(type: TokenType, description: string): void {
    if (this.peek().type !== type) throw this.expected(description);
    this.pos++;
  }

  private expected(description: string): MalformedAddress {
    return malformed(`expected ${description}`, this.text, this.peek().offset);
  }
}

// ------------------------------------------------------------------ building and writing

/**
 * Builds an Address from parts (no validation beyond the types); its toString() is canonical.
 * `temporary` is kept only for a name that starts with `#`.
 */
export function createAddress(init: AddressInit): Address {
  return new ParsedAddress(init);
}

class ParsedAddress implements Address {
  readonly name: string;
  declare readonly subject?: string;
  readonly options: AddressOptions;
  readonly temporary: boolean;

  constructor(init: AddressInit) {
    this.name = init.name;
    if (init.subject !== undefined) (this as { subject?: string }).subject = init.subject;
    this.options = init.options ?? {};
    // Only a leading `#` can be written so that it reads back as temporary.
    this.temporary = (init.temporary ?? false) && init.name.startsWith('#');
    Object.freeze(this);
  }

  toString(): string {
    return formatAddress(this);
  }
}

// Characters whose tokens contribute their raw text to a name ([py] tok2str): anything else must be quoted
// (whitespace would vanish, `;` `/` would end the name, quotes/backslash would start a STRING/ESC).
const RAW_NAME = /^[a-zA-Z0-9_\-.#*%@$^!+{}[\]:,]+$/;
const RAW_SUBJECT = /^[a-zA-Z0-9_\-.#*%@$^!+{}[\]:,/]+$/;

/** The canonical address string for an Address. */
export function formatAddress(address: Address): string {
  let out: string;
  if (address.temporary && address.name.startsWith('#')) {
    const rest = address.name.slice(1);
    out = `#${rest === '' || RAW_NAME.test(rest) ? rest : quoteString(rest)}`;
  } else if (RAW_NAME.test(address.name) && !address.name.startsWith('#')) {
    out = address.name;
  } else {
    // Quoted, so a leading `#` here does not make the address temporary on re-parse.
    out = quoteString(address.name);
  }
  if (address.subject !== undefined) {
    out += `/${RAW_SUBJECT.test(address.subject) ? address.subject : quoteString(address.subject)}`;
  }
  const options = formatValue(address.options);
  return options === '{}' ? out : `${out}; ${options}`;
}

/**
 * The name the client uses for a temporary (`#`) address: [py] and [cpp] prepend a fresh UUID to the
 * address (`#reply` → `<uuid>#reply`). Non-temporary addresses keep their name.
 */
export function resolveTemporaryName(address: Address, uuid: string): string {
  return address.temporary ? `${uuid}${address.name}` : address.name;
}

/**
 * A temporary address made concrete (§1.4): the UUID-prefixed name, `create: always` unless a create
 * policy was given ([cpp]; [py] forces `always`), and `node.x-declare` `auto-delete` and (for a queue)
 * `exclusive` defaulting to True. Returns the address unchanged when it is not temporary.
 */
export function resolveTemporaryAddress(address: Address, uuid: string): Address {
  if (!address.temporary) return address;
  const { options } = address;
  const node = options.node ?? {};
  const declare: AddressMap = node['x-declare'] ?? {};
  const isTopic = node.type === 'topic';
  // [py] only fills keys that are absent, so an explicit `auto-delete: None` stays None.
  const xDeclare: AddressMap = {
    'auto-delete': true,
    ...(isTopic ? {} : { exclusive: true }),
    ...declare,
  };
  return createAddress({
    name: resolveTemporaryName(address, uuid),
    subject: address.subject,
    options: { ...options, create: options.create ?? 'always', node: { ...node, 'x-declare': xDeclare } },
    temporary: false,
  });
}
