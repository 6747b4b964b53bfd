import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Address,
  type AddressMap,
  type AddressOptions,
  type AddressValue,
  checkRole,
  createAddress,
  formatValue,
  lex,
  parseAddress,
  parseRawAddress,
  resolveTemporaryAddress,
  resolveTemporaryName,
  validateOptions,
} from '../../src/messaging/address/index.js';
import { InvalidOption, MalformedAddress } from '../../src/messaging/errors.js';

/** Token types without whitespace and EOF, as qpid-python's lexer tests compare them. */
function types(text: string): string[] {
  return lex(text)
    .filter((t) => t.type !== 'WSPACE' && t.type !== 'EOF')
    .map((t) => t.type);
}

function raw(text: string): { name: string; subject?: string; options: AddressMap } {
  const { name, subject, options } = parseRawAddress(text);
  return subject === undefined ? { name, options } : { name, subject, options };
}

function malformedError(text: string): MalformedAddress {
  try {
    parseRawAddress(text);
  } catch (err) {
    if (err instanceof MalformedAddress) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be malformed`);
}

function invalidOption(text: string, role?: 'sender' | 'receiver'): InvalidOption {
  try {
    parseAddress(text, role);
  } catch (err) {
    if (err instanceof InvalidOption) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(text)} to have invalid options`);
}

describe('lexer (docs/qpid-reference.md §1.2)', () => {
  it.each([
    ['foo-bar', ['ID']],
    ['foo-3', ['ID']],
    ['foo - bar', ['ID', 'SYM', 'ID']],
    ['foo - 3', ['ID', 'SYM', 'NUMBER']],
    ['-foo', ['SYM', 'ID']],
    ['foo-', ['ID', 'SYM']],
    ['-3', ['NUMBER']],
    ['id1', ['ID']],
    ['id 1', ['ID', 'NUMBER']],
    ['1.', ['NUMBER', 'SYM']],
    ['+.5', ['NUMBER']],
    ['amq.topic', ['ID', 'SYM', 'ID']],
    ['{}[]:;/,', ['LBRACE', 'RBRACE', 'LBRACK', 'RBRACK', 'COLON', 'SEMI', 'SLASH', 'COMMA']],
    [`"a\\"b" 'c\\'d'`, ['STRING', 'STRING']],
    ['\\/\\x41\\u00e9', ['ESC', 'ESC', 'ESC']],
    ['.#*%@$^!+-', ['SYM', 'SYM', 'SYM', 'SYM', 'SYM', 'SYM', 'SYM', 'SYM', 'SYM', 'SYM']],
  ])('%s lexes as %j', (text, expected) => {
    expect(types(text)).toEqual(expected);
  });

  it('records 0-based offsets and ends with EOF at the input length', () => {
    expect(lex('ab /c')).toEqual([
      { type: 'ID', text: 'ab', offset: 0 },
      { type: 'WSPACE', text: ' ', offset: 2 },
      { type: 'SLASH', text: '/', offset: 3 },
      { type: 'ID', text: 'c', offset: 4 },
      { type: 'EOF', text: '', offset: 5 },
    ]);
  });

  it.each([
    ['foo&bar', 'unexpected character "&" at column 4 in "foo&bar"', 4],
    ["q; {a: 'open}", 'unterminated string at column 8 in "q; {a: \'open}"', 8],
    ['q\\x4', 'invalid escape sequence at column 2 in "q\\x4"', 2],
    ['q=1', 'unexpected character "=" at column 2 in "q=1"', 2],
  ])('rejects %s', (text, message, column) => {
    const err = malformedError(text);
    expect(err.message).toBe(message);
    expect(err.column).toBe(column);
    expect(err.address).toBe(text);
  });
});

describe('grammar (docs/qpid-reference.md §1.1, §1.3): qpid-python parser cases', () => {
  it.each<[string, { name: string; subject?: string; options: AddressMap }]>([
    ['foo/bar.#', { name: 'foo', subject: 'bar.#', options: {} }],
    ['foo/bar.*', { name: 'foo', subject: 'bar.*', options: {} }],
    ['foo.bar/baz.qux:moo:arf', { name: 'foo.bar', subject: 'baz.qux:moo:arf', options: {} }],
    [
      'foo.bar/baz.qux:moo:arf; {key: value}',
      { name: 'foo.bar', subject: 'baz.qux:moo:arf', options: { key: 'value' } },
    ],
    ['name/subject; {key: value,}', { name: 'name', subject: 'subject', options: { key: 'value' } }],
    ['name/subject; {key: None}', { name: 'name', subject: 'subject', options: { key: null } }],
    [
      "foo.bar/'baz.qux;moo:arf'; {key: value}",
      { name: 'foo.bar', subject: 'baz.qux;moo:arf', options: { key: 'value' } },
    ],
    ['foo.bar/baz.qux.{moo,arf}', { name: 'foo.bar', subject: 'baz.qux.{moo,arf}', options: {} }],
    [
      'foo.bar/baz.qux.{moo,arf}; {key: value}',
      { name: 'foo.bar', subject: 'baz.qux.{moo,arf}', options: { key: 'value' } },
    ],
    [
      'foo.bar/baz.qux.{moo,arf; {key: value}',
      { name: 'foo.bar', subject: 'baz.qux.{moo,arf', options: { key: 'value' } },
    ],
    ['foo.bar\\/baz.qux.{moo,arf; {key: value}', { name: 'foo.bar/baz.qux.{moo,arf', options: { key: 'value' } }],
    ['foo.bar\\x00baz.qux.{moo,arf; {key: value}', { name: 'foo.bar\x00baz.qux.{moo,arf', options: { key: 'value' } }],
    ['foo.bar\\xffbaz; {key: value}', { name: 'foo.bar\xffbaz', options: { key: 'value' } }],
    ['foo.bar\\xFFbaz; {key: value}', { name: 'foo.bar\xffbaz', options: { key: 'value' } }],
    ['foo.bar\\u1234baz; {key: value}', { name: 'foo.bar\u1234baz', options: { key: 'value' } }],
    ['foo.bar\\u0000baz', { name: 'foo.bar\u0000baz', options: {} }],
    ['foo.bar\\uFFFFbaz', { name: 'foo.bar\uffffbaz', options: {} }],
    ['name/subject; { key: [] }', { name: 'name', subject: 'subject', options: { key: [] } }],
    ["name/subject; { key: ['one'] }", { name: 'name', subject: 'subject', options: { key: ['one'] } }],
    ['name/subject; { key: [1, 2, 3] }', { name: 'name', subject: 'subject', options: { key: [1, 2, 3] } }],
    ['name/subject; { key: [1, [2, 3], 4] }', { name: 'name', subject: 'subject', options: { key: [1, [2, 3], 4] } }],
    ["name/subject; { 'key': value }", { name: 'name', subject: 'subject', options: { key: 'value' } }],
    ['name/subject; { 1: value }', { name: 'name', subject: 'subject', options: { '1': 'value' } }],
    ['name/subject; { "foo.bar": value }', { name: 'name', subject: 'subject', options: { 'foo.bar': 'value' } }],
    [
      'name/subject; { true1: True, true2: true, false1: False, false2: false }',
      { name: 'name', subject: 'subject', options: { true1: true, true2: true, false1: false, false2: false } },
    ],
  ])('%s', (text, expected) => {
    expect(raw(text)).toEqual(expected);
  });

  it.each([
    ['; {key: value}', 'expected a name at column 1 in "; {key: value}"', 1],
    ['', 'expected a name at column 1 in ""', 1],
    ['/asdf; {key: value}', 'expected a name at column 1 in "/asdf; {key: value}"', 1],
    ['name/subject; {', 'expected a key or \'}\' at column 16 in "name/subject; {"', 16],
    ['name/subject; { 3', 'expected \':\' at column 18 in "name/subject; { 3"', 18],
    ['name/subject; { key:', 'expected a value at column 21 in "name/subject; { key:"', 21],
    ['name/subject; { key: value', "expected ',' or '}' at column 27 in \"name/subject; { key: value\"", 27],
    ['name/subject; { key: value asdf', "expected ',' or '}' at column 28 in \"name/subject; { key: value asdf\"", 28],
    ['name/subject; { key: value,', 'expected a key or \'}\' at column 28 in "name/subject; { key: value,"', 28],
    [
      'name/subject; { key: value } asdf',
      'expected end of address at column 30 in "name/subject; { key: value } asdf"',
      30,
    ],
    ['name/subject; { key: [ }', 'expected a value or \']\' at column 24 in "name/subject; { key: [ }"', 24],
    ['name/subject; { key: [ 1 }', "expected ',' or ']' at column 26 in \"name/subject; { key: [ 1 }\"", 26],
    ['name/subject; { key: [ 1 2 }', "expected ',' or ']' at column 26 in \"name/subject; { key: [ 1 2 }\"", 26],
    ['name/subject; { key: [ 1 2 ] }', "expected ',' or ']' at column 26 in \"name/subject; { key: [ 1 2 ] }\"", 26],
    ['orders; {create always}', 'expected \':\' at column 17 in "orders; {create always}"', 17],
    ['orders;', 'expected \'{\' at column 8 in "orders;"', 8],
    ['orders; create: always', 'expected \'{\' at column 9 in "orders; create: always"', 9],
    ['q; {[1]: x}', 'expected a key or \'}\' at column 5 in "q; {[1]: x}"', 5],
    [
      'q; {alternate-exchange: amq.topic}',
      "expected ',' or '}' at column 28 in \"q; {alternate-exchange: amq.topic}\"",
      28,
    ],
    ['q; {a: 1.}', "expected ',' or '}' at column 9 in \"q; {a: 1.}\"", 9],
    ['q; {a: \\x41}', 'expected a value at column 8 in "q; {a: \\x41}"', 8],
    ['q; {a: b}}', 'expected end of address at column 10 in "q; {a: b}}"', 10],
    ["q; {v: 'it''s'}", "expected ',' or '}' at column 12 in \"q; {v: 'it''s'}\"", 12],
  ])('%j is malformed', (text, message, column) => {
    const err = malformedError(text);
    expect(err.message).toBe(message);
    expect(err.column).toBe(column);
    expect(err.address).toBe(text);
  });

  it('drops whitespace between tokens, as qpid-python does', () => {
    expect(raw('  my queue / a b ; { k : v }  ')).toEqual({ name: 'myqueue', subject: 'ab', options: { k: 'v' } });
  });

  it('treats an empty subject as no subject, but a quoted empty one as the empty string', () => {
    expect(raw('foo/')).toEqual({ name: 'foo', options: {} });
    expect(raw("foo/''")).toEqual({ name: 'foo', subject: '', options: {} });
    expect(raw("''")).toEqual({ name: '', options: {} });
  });

  it('keeps further slashes in the subject', () => {
    expect(raw('amq.topic/a/b/c')).toEqual({ name: 'amq.topic', subject: 'a/b/c', options: {} });
  });

  it('lets quoted text carry ; / and spaces in names and subjects', () => {
    expect(raw(`"my queue;1"/'a/b c'`)).toEqual({ name: 'my queue;1', subject: 'a/b c', options: {} });
  });
});

describe('values', () => {
  it.each<[string, AddressValue]>([
    ['3', 3],
    ['-3', -3],
    ['+3', 3],
    ['007', 7],
    ['-0', 0],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['-0.25', -0.25],
    ['True', true],
    ['true', true],
    ['False', false],
    ['false', false],
    ['None', null],
    ['TRUE', 'TRUE'],
    ['none', 'none'],
    ['word', 'word'],
    ["'True'", 'True'],
    ['"None"', 'None'],
  ])('%s → %j', (text, expected) => {
    expect(parseRawAddress(`q; {v: ${text}}`).options['v']).toEqual(expected);
  });

  it.each<[string, string]>([
    [`'single "quotes" inside'`, 'single "quotes" inside'],
    [`"double 'quotes' inside"`, "double 'quotes' inside"],
    [`'it\\'s'`, "it's"],
    [`"say \\"hi\\""`, 'say "hi"'],
    [`'back\\\\slash'`, 'back\\slash'],
    [`'tab\\there\\nnewline\\r'`, 'tab\there\nnewline\r'],
    [`'\\a\\b\\f\\v'`, '\x07\b\f\v'],
    [`'\\x41\\x7a'`, 'Az'],
    [`'\\u00e9\\u4e2d'`, 'é中'],
    [`'\\U0001F600'`, '😀'],
    [`'\\101\\0'`, 'A\0'],
    [`'keep \\q unknown'`, 'keep \\q unknown'],
    [`'中文 ok'`, '中文 ok'],
  ])('string %s', (text, expected) => {
    expect(parseRawAddress(`q; {v: ${text}}`).options['v']).toBe(expected);
  });

  it('reports a bad escape inside a string at its column', () => {
    const err = malformedError("q; {v: 'ab\\xZZ'}");
    expect(err.message).toBe('invalid escape sequence at column 11 in "q; {v: \'ab\\xZZ\'}"');
  });

  it('parses nested maps and lists with trailing commas and empty containers', () => {
    expect(parseRawAddress('q; {a: {b: [1, {c: [], d: {},}, [x, y,],], e: -2.5,},}').options).toEqual({
      a: { b: [1, { c: [], d: {} }, ['x', 'y']], e: -2.5 },
    });
  });

  it('lets the last of duplicate keys win', () => {
    expect(parseRawAddress('q; {a: 1, a: 2}').options).toEqual({ a: 2 });
  });

  it('treats a __proto__ key as plain data', () => {
    const options = parseRawAddress("q; {'__proto__': {polluted: True}}").options;
    expect(Object.keys(options)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(options)).toBe(Object.prototype);
  });
});

describe('reference examples (docs/qpid-reference.md §1.10)', () => {
  it.each<[string, string, string | undefined, AddressOptions]>([
    ['my-queue', 'my-queue', undefined, {}],
    ['my-queue-or-topic/my-subject', 'my-queue-or-topic', 'my-subject', {}],
    ['amq.topic/usa.#', 'amq.topic', 'usa.#', {}],
    ['my-queue; {create: always}', 'my-queue', undefined, { create: 'always' }],
    [
      'my-queue; {create: always, node: {durable: True}}',
      'my-queue',
      undefined,
      { create: 'always', node: { durable: true } },
    ],
    [
      'my-queue; {create: always, node: {type: topic}}',
      'my-queue',
      undefined,
      { create: 'always', node: { type: 'topic' } },
    ],
    ['my-queue; {mode: browse}', 'my-queue', undefined, { mode: 'browse' }],
    [
      'my-topic; {assert: always, node: {type: topic, durable: False}}',
      'my-topic',
      undefined,
      { assert: 'always', node: { type: 'topic', durable: false } },
    ],
    [
      "q; {create: always, node: {x-declare: {auto-delete: True, arguments: {'qpid.max_count': 100}}}}",
      'q',
      undefined,
      { create: 'always', node: { 'x-declare': { 'auto-delete': true, arguments: { 'qpid.max_count': 100 } } } },
    ],
    [
      'amq.topic; {link: {name: sub1, durable: True, reliability: at-least-once}}',
      'amq.topic',
      undefined,
      { link: { name: 'sub1', durable: true, reliability: 'at-least-once' } },
    ],
    [
      'xml; {link: {x-bindings: [{exchange: xml, key: weather, arguments: {xquery: "./weather"}}]}}',
      'xml',
      undefined,
      { link: { 'x-bindings': [{ exchange: 'xml', key: 'weather', arguments: { xquery: './weather' } }] } },
    ],
    [
      'test-node-bindings-queue; {create: always, node: {x-bindings: [{exchange: "amq.topic", key: "a.#"}]}}',
      'test-node-bindings-queue',
      undefined,
      { create: 'always', node: { 'x-bindings': [{ exchange: 'amq.topic', key: 'a.#' }] } },
    ],
    ['#reply; {create: always, delete: always}', '#reply', undefined, { create: 'always', delete: 'always' }],
  ])('%s', (text, name, subject, options) => {
    const address = parseAddress(text);
    expect(address.name).toBe(name);
    expect(address.subject).toBe(subject);
    expect(address.options).toEqual(options);
    expect(address.temporary).toBe(text.startsWith('#'));
    expect(parseAddress(address.toString())).toEqual(address);
  });

  it('writes the canonical form', () => {
    expect(String(parseAddress('my-queue ;{ create:always , node:{ durable:True, } }'))).toBe(
      'my-queue; {create: always, node: {durable: True}}',
    );
    expect(String(parseAddress("q; {node: {x-declare: {arguments: {'qpid.max_count': 100, x: 'a b'}}}}"))).toBe(
      "q; {node: {x-declare: {arguments: {'qpid.max_count': 100, x: 'a b'}}}}",
    );
    expect(String(parseAddress('amq.topic/usa.#'))).toBe('amq.topic/usa.#');
    expect(String(parseAddress('#reply; {create: always}'))).toBe('#reply; {create: always}');
    expect(String(parseAddress("'#not-temp'"))).toBe("'#not-temp'");
    expect(String(parseAddress("'a b'/'c;d'"))).toBe("'a b'/'c;d'");
    expect(String(parseAddress("q/''"))).toBe("q/''");
  });
});

describe('seed documents (/work/shared/seeds)', () => {
  it.each<[string, string, string | undefined]>([
    ['news-service/news', 'news-service', 'news'],
    ['news-service/#.news', 'news-service', '#.news'],
    ['tmp.testing', 'tmp.testing', undefined],
  ])('%s', (text, name, subject) => {
    const address = parseAddress(text);
    expect([address.name, address.subject, address.options, address.temporary]).toEqual([name, subject, {}, false]);
    expect(address.toString()).toBe(text);
  });
});

describe('option validation (docs/qpid-reference.md §1.5)', () => {
  it.each<[string, string, string]>([
    [
      'q; {this-property-does-not-exist: 1}',
      'this-property-does-not-exist',
      'error in options: this-property-does-not-exist: illegal key (allowed: create, delete, assert, node, link, mode) in "q; {this-property-does-not-exist: 1}"',
    ],
    [
      'q; {node: {this-property-does-not-exist: 1}}',
      'node.this-property-does-not-exist',
      'error in options: node.this-property-does-not-exist: illegal key (allowed: type, durable, x-queue-type, x-declare, x-bindings) in "q; {node: {this-property-does-not-exist: 1}}"',
    ],
    [
      'q; {create: asdf}',
      'create',
      'error in options: create: asdf not in (always, sender, receiver, never) in "q; {create: asdf}"',
    ],
    ['q; {mode: x}', 'mode', 'error in options: mode: x not in (browse, consume) in "q; {mode: x}"'],
    ['q; {node: asdf}', 'node', 'error in options: node: asdf is not a map in "q; {node: asdf}"'],
    [
      'q; {node: {durable: []}}',
      'node.durable',
      'error in options: node.durable: [] is not a bool in "q; {node: {durable: []}}"',
    ],
    [
      "q; {node: {type: 'my queue'}}",
      'node.type',
      "error in options: node.type: 'my queue' not in (queue, topic) in \"q; {node: {type: 'my queue'}}\"",
    ],
    [
      'q; {link: {reliability: sometimes}}',
      'link.reliability',
      'error in options: link.reliability: sometimes not in (unreliable, at-most-once, at-least-once, exactly-once) in "q; {link: {reliability: sometimes}}"',
    ],
    [
      'q; {node: {x-bindings: {exchange: x}}}',
      'node.x-bindings',
      'error in options: node.x-bindings: {exchange: x} is not a list in "q; {node: {x-bindings: {exchange: x}}}"',
    ],
    [
      'q; {node: {x-bindings: [{exchange: x, routing-key: k}]}}',
      'node.x-bindings[0].routing-key',
      'error in options: node.x-bindings[0].routing-key: illegal key (allowed: exchange, queue, key, arguments) in "q; {node: {x-bindings: [{exchange: x, routing-key: k}]}}"',
    ],
    [
      'q; {link: {x-declare: 5}}',
      'link.x-declare',
      'error in options: link.x-declare: 5 is not a map in "q; {link: {x-declare: 5}}"',
    ],
    [
      'q; {link: {timeout: -1}}',
      'link.timeout',
      'error in options: link.timeout: -1 is not a non-negative integer in "q; {link: {timeout: -1}}"',
    ],
    [
      'q; {link: {name: [a]}}',
      'link.name',
      'error in options: link.name: [a] is not a string in "q; {link: {name: [a]}}"',
    ],
    [
      'q; {create: sometimes, node: {durable: maybe}}',
      'create',
      'error in options: create: sometimes not in (always, sender, receiver, never), node.durable: maybe is not a bool in "q; {create: sometimes, node: {durable: maybe}}"',
    ],
  ])('%s', (text, path, message) => {
    const err = invalidOption(text);
    expect(err.path).toBe(path);
    expect(err.message).toBe(message);
    expect(err.address).toBe(text);
  });

  it('lists every issue with its allowed values', () => {
    const err = invalidOption('q; {create: x, mode: y}');
    expect(err.issues).toEqual([
      {
        path: 'create',
        problem: 'x not in (always, sender, receiver, never)',
        allowed: ['always', 'sender', 'receiver', 'never'],
      },
      { path: 'mode', problem: 'y not in (browse, consume)', allowed: ['browse', 'consume'] },
    ]);
  });

  it('rejects mode on a sender, as qpid-python does', () => {
    const err = invalidOption('q; {mode: browse}', 'sender');
    expect(err.path).toBe('mode');
    expect(err.message).toContain('mode: illegal key (allowed: create, delete, assert, node, link)');
    expect(parseAddress('q; {mode: browse}', 'receiver').options.mode).toBe('browse');
    expect(() => checkRole(parseAddress('q; {mode: browse}').options, 'sender', 'q; {mode: browse}')).toThrow(
      InvalidOption,
    );
    expect(() => checkRole(parseAddress('q; {create: always}').options, 'sender', 'q')).not.toThrow();
  });

  it.each<[string, boolean]>([
    ['True', true],
    ['true', true],
    ['TRUE', true],
    ["'True'", true],
    ['"false"', false],
    ['1', true],
    ['0', false],
    ['False', false],
  ])('accepts durable: %s leniently', (text, expected) => {
    expect(parseAddress(`q; {node: {durable: ${text}}, link: {durable: ${text}}}`).options).toEqual({
      node: { durable: expected },
      link: { durable: expected },
    });
  });

  it('rejects durable: 2 and durable: yes', () => {
    expect(invalidOption('q; {node: {durable: 2}}').path).toBe('node.durable');
    expect(invalidOption('q; {node: {durable: yes}}').path).toBe('node.durable');
  });

  it('treats None as not given', () => {
    expect(parseAddress('q; {create: None, node: {type: None}}').options).toEqual({ node: {} });
  });

  it('passes x-declare, x-subscribe and binding arguments through unchecked', () => {
    const options = parseAddress(
      "q; {node: {x-declare: {anything: [1, {deep: None}], 'x-queue-type': stream}}, link: {x-subscribe: {exclusive: True, arguments: {x-priority: 5}}, x-bindings: [{exchange: 'amq.match', queue: q, key: k, arguments: {x-match: any, colour: red}}]}}",
    ).options;
    expect(options).toEqual({
      node: { 'x-declare': { anything: [1, { deep: null }], 'x-queue-type': 'stream' } },
      link: {
        'x-subscribe': { exclusive: true, arguments: { 'x-priority': 5 } },
        'x-bindings': [{ exchange: 'amq.match', queue: 'q', key: 'k', arguments: { 'x-match': 'any', colour: 'red' } }],
      },
    });
  });

  it('accepts the C++/Java-only link keys with their types', () => {
    expect(
      parseAddress(
        't; {link: {timeout: 30, selector: "colour = \'red\'", filter: [{name: f, descriptor: 7, value: x}], capacity: {source: 5, target: 10}}}',
      ).options.link,
    ).toEqual({
      timeout: 30,
      selector: "colour = 'red'",
      filter: [{ name: 'f', descriptor: 7, value: 'x' }],
      capacity: { source: 5, target: 10 },
    });
    expect(parseAddress('t; {link: {capacity: 3, filter: {name: f}}}').options.link).toEqual({
      capacity: 3,
      filter: { name: 'f' },
    });
  });

  it('reads an unquoted number as a string where a string is wanted', () => {
    expect(parseAddress('q; {link: {name: 42}}').options.link?.name).toBe('42');
  });

  it('validates programmatic options and rejects values an address cannot spell', () => {
    expect(validateOptions({ create: 'always', node: { durable: true } }, 'q')).toEqual({
      create: 'always',
      node: { durable: true },
    });
    const err = (() => {
      try {
        validateOptions({ node: { 'x-declare': { when: new Date(0), n: Number.NaN } } }, 'q');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(InvalidOption);
    expect((err as InvalidOption).issues.map((i) => i.path)).toEqual(['node.x-declare.when', 'node.x-declare.n']);
  });
});

describe('temporary names (docs/qpid-reference.md §1.4)', () => {
  const uuid = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';

  it('marks only addresses whose text starts with #', () => {
    expect(parseAddress('#').temporary).toBe(true);
    expect(parseAddress('#reply').temporary).toBe(true);
    expect(parseAddress("'#reply'").temporary).toBe(false);
    expect(parseAddress(' #reply').temporary).toBe(false);
    expect(parseAddress('news-service/#.news').temporary).toBe(false);
  });

  it('prepends the uuid to the name', () => {
    expect(resolveTemporaryName(parseAddress('#reply; {create: always}'), uuid)).toBe(`${uuid}#reply`);
    expect(resolveTemporaryName(parseAddress('#'), uuid)).toBe(`${uuid}#`);
    expect(resolveTemporaryName(parseAddress('reply'), uuid)).toBe('reply');
  });

  it('defaults a temporary queue to create always, auto-delete and exclusive', () => {
    const resolved = resolveTemporaryAddress(parseAddress('#response-queue/s'), uuid);
    expect(resolved).toEqual(
      createAddress({
        name: `${uuid}#response-queue`,
        subject: 's',
        options: { create: 'always', node: { 'x-declare': { 'auto-delete': true, exclusive: true } } },
      }),
    );
    expect(parseAddress(resolved.toString())).toEqual(resolved);
  });

  it('keeps what the user set, and makes a temporary topic auto-delete only', () => {
    const resolved = resolveTemporaryAddress(
      parseAddress('#t; {create: receiver, node: {type: topic, x-declare: {auto-delete: False, type: fanout}}}'),
      uuid,
    );
    expect(resolved.options).toEqual({
      create: 'receiver',
      node: { type: 'topic', 'x-declare': { 'auto-delete': false, type: 'fanout' } },
    });
  });

  it('fills only absent x-declare keys, so an explicit None stays', () => {
    const resolved = resolveTemporaryAddress(parseAddress('#q; {node: {x-declare: {auto-delete: None}}}'), uuid);
    expect(resolved.options.node?.['x-declare']).toEqual({ 'auto-delete': null, exclusive: true });
  });

  it('leaves a non-temporary address alone', () => {
    const address = parseAddress('q');
    expect(resolveTemporaryAddress(address, uuid)).toBe(address);
  });
});

describe('null input', () => {
  it('says which end had no address, like qpid-python', () => {
    expect(() => parseAddress(null as unknown as string, 'sender')).toThrow(new MalformedAddress('target is null'));
    expect(() => parseAddress(undefined as unknown as string, 'receiver')).toThrow('source is undefined');
  });
});

describe('round trip: parse(render(x)) equals x', () => {
  const text = fc.string({ unit: 'binary', maxLength: 12 });
  const word = fc.constantFrom(
    'a',
    'x-y',
    'amq.topic',
    '#',
    '*',
    'True',
    'None',
    '1',
    'a b',
    ';',
    '/',
    "'",
    '\\',
    '中',
  );
  const str = fc.oneof(text, word);
  const num = fc.oneof(
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (n === 0 ? 0 : n)),
  );
  const { value } = fc.letrec<{ value: AddressValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      str,
      num,
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(str, tie('value'), { maxKeys: 3 }),
    ),
  }));
  const map = fc.dictionary(str, value, { maxKeys: 3 });
  const policy = fc.constantFrom('always', 'sender', 'receiver', 'never' as const);
  const binding = fc.record({ exchange: str, queue: str, key: str, arguments: map }, { requiredKeys: [] });
  const options: fc.Arbitrary<AddressOptions> = fc.record(
    {
      create: policy,
      delete: policy,
      assert: policy,
      mode: fc.constantFrom('browse', 'consume' as const),
      node: fc.record(
        {
          type: fc.constantFrom('queue', 'topic' as const),
          durable: fc.boolean(),
          'x-declare': map,
          'x-bindings': fc.array(binding, { maxLength: 2 }),
        },
        { requiredKeys: [] },
      ),
      link: fc.record(
        {
          name: str,
          durable: fc.boolean(),
          reliability: fc.constantFrom('unreliable', 'at-most-once', 'at-least-once', 'exactly-once' as const),
          'x-declare': map,
          'x-subscribe': map,
          'x-bindings': fc.array(binding, { maxLength: 2 }),
          timeout: fc.nat(),
          selector: str,
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  );
  const address: fc.Arbitrary<Address> = fc
    .record({ name: str, subject: fc.option(str, { nil: undefined }), options, temporary: fc.boolean() })
    .map(({ name, subject, options, temporary }) =>
      createAddress({ name, subject, options, temporary: temporary && name.startsWith('#') }),
    );

  it('holds for random names, subjects and options', () => {
    fc.assert(
      fc.property(address, (x) => {
        expect(parseAddress(x.toString())).toEqual(x);
      }),
      { numRuns: 1000 },
    );
  });

  it('holds for random values, via formatValue', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(parseRawAddress(`q; {v: ${formatValue(v)}}`).options['v']).toEqual(v);
      }),
      { numRuns: 1000 },
    );
  });

  it('writes numbers without exponents', () => {
    expect(formatValue(1e21)).toBe('1000000000000000000000');
    expect(formatValue(1.5e-7)).toBe('0.00000015');
    expect(formatValue(-2.5e-300)).toMatch(/^-0\.0+25$/);
    expect(() => formatValue(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
