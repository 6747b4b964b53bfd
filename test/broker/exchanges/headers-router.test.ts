import { describe, expect, it } from 'vitest';
import {
  HeadersRouter,
  termEquals,
  validateHeadersBindingArgs,
  xMatchOf,
} from '../../../src/broker/exchanges/headers-router.js';
import type { FieldTable } from '../../../src/protocol/field-types.js';
import { Typed } from '../../../src/protocol/field-types.js';

/** Does a headers exchange with this one binding route a message with these headers? */
function routes(bindingArgs: FieldTable, headers: FieldTable | undefined): boolean {
  const router = new HeadersRouter<string>();
  router.add('q', '', bindingArgs);
  const out = new Set<string>();
  router.route('ignored', headers, out);
  return out.has('q');
}

describe('HeadersRouter — x-match all (the default)', () => {
  const binding = { format: 'pdf', type: 'report' };

  it('routes when every binding header is present with an equal value', () => {
    expect(routes(binding, { format: 'pdf', type: 'report' })).toBe(true);
    expect(routes(binding, { format: 'pdf', type: 'report', extra: 1 })).toBe(true);
    expect(routes({ 'x-match': 'all', ...binding }, { format: 'pdf', type: 'report' })).toBe(true);
  });

  it('does not route when one is missing or differs', () => {
    expect(routes(binding, { format: 'pdf' })).toBe(false);
    expect(routes(binding, { format: 'pdf', type: 'log' })).toBe(false);
    expect(routes(binding, {})).toBe(false);
    expect(routes(binding, undefined)).toBe(false);
  });

  it('ignores binding keys starting with "x-"', () => {
    expect(routes({ 'x-match': 'all', 'x-trace': 'on', format: 'pdf' }, { format: 'pdf' })).toBe(true);
  });

  it('with no tests, routes every message, even one without headers', () => {
    expect(routes({}, undefined)).toBe(true);
    expect(routes({ 'x-match': 'all' }, { anything: 1 })).toBe(true);
    expect(routes({ 'x-match': 'all', 'x-only': 1 }, {})).toBe(true);
  });

  it('routes the routing key nowhere on its own: it is ignored', () => {
    const router = new HeadersRouter<string>();
    router.add('q', 'some.key', { a: 1 });
    const out = new Set<string>();
    router.route('some.key', {}, out);
    expect(out.size).toBe(0);
  });
});

describe('HeadersRouter — x-match any', () => {
  const binding = { 'x-match': 'any', format: 'pdf', type: 'report' };

  it('routes when at least one binding header matches', () => {
    expect(routes(binding, { format: 'pdf' })).toBe(true);
    expect(routes(binding, { type: 'report', format: 'zip' })).toBe(true);
  });

  it('does not route when none matches', () => {
    expect(routes(binding, { format: 'zip', type: 'log' })).toBe(false);
    expect(routes(binding, undefined)).toBe(false);
  });

  it('with no tests, routes nothing', () => {
    expect(routes({ 'x-match': 'any' }, { a: 1 })).toBe(false);
    expect(routes({ 'x-match': 'any', 'x-a': 1 }, { 'x-a': 1 })).toBe(false);
  });
});

describe('HeadersRouter — x-match all-with-x and any-with-x', () => {
  it('all-with-x also requires the "x-" headers', () => {
    const binding = { 'x-match': 'all-with-x', 'x-first-death-reason': 'expired', a: 1 };
    expect(routes(binding, { 'x-first-death-reason': 'expired', a: 1 })).toBe(true);
    expect(routes(binding, { a: 1 })).toBe(false);
    expect(routes(binding, { 'x-first-death-reason': 'rejected', a: 1 })).toBe(false);
  });

  it('any-with-x routes on an "x-" header alone', () => {
    const binding = { 'x-match': 'any-with-x', 'x-first-death-reason': 'expired', a: 1 };
    expect(routes(binding, { 'x-first-death-reason': 'expired' })).toBe(true);
    expect(routes(binding, { a: 1 })).toBe(true);
    expect(routes(binding, { 'x-first-death-reason': 'maxlen', a: 2 })).toBe(false);
  });

  it('never treats x-match itself as a test', () => {
    expect(routes({ 'x-match': 'all-with-x' }, {})).toBe(true);
    expect(routes({ 'x-match': 'any-with-x' }, { 'x-match': 'any-with-x' })).toBe(false);
  });
});

describe('HeadersRouter — x-match values RabbitMQ would refuse at bind time', () => {
  it('treats an unknown or non-string x-match on a stored binding as all', () => {
    expect(xMatchOf({ 'x-match': 'bogus' })).toBe('all');
    expect(xMatchOf({ 'x-match': Buffer.from('any') })).toBe('all');
    expect(xMatchOf({ 'x-match': 'ANY' })).toBe('all');
    expect(xMatchOf({})).toBe('all');
    expect(xMatchOf({ 'x-match': 'any-with-x' })).toBe('any-with-x');
    expect(routes({ 'x-match': Buffer.from('any'), a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(routes({ 'x-match': Buffer.from('any'), a: 1, b: 2 }, { a: 1, b: 2 })).toBe(true);
  });
});

describe('HeadersRouter — void binding values test presence', () => {
  it('routes when the header is present with any value, void included', () => {
    for (const value of ['x', 0, false, null, { nested: 1 }, Buffer.alloc(0)]) {
      expect(routes({ a: null }, { a: value })).toBe(true);
    }
    expect(routes({ a: undefined }, { a: 'x' })).toBe(true);
  });

  it('does not route when the header is absent', () => {
    expect(routes({ a: null }, { b: 1 })).toBe(false);
    expect(routes({ 'x-match': 'any', a: null, b: 'x' }, { c: 1 })).toBe(false);
    expect(routes({ 'x-match': 'any', a: null, b: 'x' }, { a: 1 })).toBe(true);
  });

  it('a void header does not equal a non-void binding value', () => {
    expect(routes({ a: 1 }, { a: null })).toBe(false);
    expect(routes({ a: '' }, { a: null })).toBe(false);
  });
});

describe('HeadersRouter — value comparison is Erlang == on decoded terms', () => {
  it('compares numbers by value whatever their wire type', () => {
    const one = [1, 1n, new Typed('int8', 1), new Typed('uint8', 1), new Typed('int64', 1), new Typed('double', 1)];
    for (const a of one) for (const b of one) expect(routes({ n: a }, { n: b })).toBe(true);
    expect(routes({ n: new Typed('float', 1.5) }, { n: 1.5 })).toBe(true);
    expect(routes({ n: 2 ** 40 }, { n: BigInt(2 ** 40) })).toBe(true);
    expect(routes({ n: 1 }, { n: 2 })).toBe(false);
    expect(routes({ n: 1.5 }, { n: 1n })).toBe(false);
  });

  it('treats timestamps as integers of seconds', () => {
    const when = new Date(1_700_000_000_000);
    expect(routes({ t: when }, { t: 1_700_000_000 })).toBe(true);
    expect(routes({ t: new Typed('timestamp', 1_700_000_000) }, { t: when })).toBe(true);
    expect(routes({ t: when }, { t: new Date(1_700_000_001_000) })).toBe(false);
  });

  it('compares long strings and byte arrays by their bytes', () => {
    expect(routes({ s: 'héllo' }, { s: 'héllo' })).toBe(true);
    expect(routes({ s: 'héllo' }, { s: Buffer.from('héllo') })).toBe(true);
    expect(routes({ s: Buffer.from([1, 2]) }, { s: new Uint8Array([1, 2]) })).toBe(true);
    expect(routes({ s: 'abc' }, { s: 'abd' })).toBe(false);
    expect(routes({ s: '1' }, { s: 1 })).toBe(false);
  });

  it('keeps booleans apart from numbers and strings', () => {
    expect(routes({ b: true }, { b: true })).toBe(true);
    expect(routes({ b: true }, { b: false })).toBe(false);
    expect(routes({ b: true }, { b: 1 })).toBe(false);
    expect(routes({ b: false }, { b: 'false' })).toBe(false);
  });

  it('compares decimals by scale and digits', () => {
    const d = (scale: number, value: number) => new Typed('decimal', { scale, value });
    expect(routes({ d: d(2, 314) }, { d: d(2, 314) })).toBe(true);
    expect(routes({ d: d(2, 314) }, { d: d(1, 314) })).toBe(false);
    // {Scale, Value} tuples are not numbers: 3.14 written as 314e-2 ≠ 3.14.
    expect(routes({ d: d(2, 314) }, { d: 3.14 })).toBe(false);
  });

  it('compares nested tables key by key, in order, with their types', () => {
    expect(routes({ t: { a: 1, b: 'x' } }, { t: { a: 1, b: 'x' } })).toBe(true);
    expect(routes({ t: { a: 1, b: 'x' } }, { t: { b: 'x', a: 1 } })).toBe(false);
    expect(routes({ t: { a: 1 } }, { t: { a: new Typed('int64', 1) } })).toBe(false);
    expect(routes({ t: { a: 'x' } }, { t: { a: Buffer.from('x') } })).toBe(false);
    expect(routes({ t: { a: 1 } }, { t: { a: 1, b: 2 } })).toBe(false);
    expect(routes({ t: { a: { b: [1, 'c'] } } }, { t: { a: { b: [1, 'c'] } } })).toBe(true);
  });

  it('compares arrays element by element with their types', () => {
    expect(routes({ a: [1, 'x', true, null] }, { a: [1, 'x', true, null] })).toBe(true);
    expect(routes({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(routes({ a: [1] }, { a: [new Typed('int16', 1)] })).toBe(false);
    expect(routes({ a: [1] }, { a: [1, 1] })).toBe(false);
    expect(routes({ a: [] }, { a: 'x' })).toBe(false);
  });

  it('holds an empty table equal to an empty array, as Erlang [] == []', () => {
    expect(termEquals({}, [])).toBe(true);
    expect(termEquals([], {})).toBe(true);
    expect(termEquals({ a: 1 }, [1])).toBe(false);
    expect(routes({ a: {} }, { a: [] })).toBe(true);
  });
});

describe('HeadersRouter — several bindings', () => {
  it('routes each destination once and keeps bindings with different arguments apart', () => {
    const router = new HeadersRouter<string>();
    expect(router.add('q1', '', { 'x-match': 'any', a: 1, b: 2 })).toBe(true);
    expect(router.add('q1', '', { c: 3 })).toBe(true);
    expect(router.add('q2', '', { a: 1 })).toBe(true);
    expect(router.add('q2', '', { a: 1 })).toBe(false);
    const out = new Set<string>();
    router.route('', { a: 1, b: 2, c: 3 }, out);
    expect([...out].sort()).toEqual(['q1', 'q2']);

    expect(router.remove('q1', '', { 'x-match': 'any', a: 1, b: 2 })).toBe(true);
    const after = new Set<string>();
    router.route('', { a: 1 }, after);
    expect([...after]).toEqual(['q2']);
    const withC = new Set<string>();
    router.route('', { c: 3 }, withC);
    expect([...withC]).toEqual(['q1']);
  });
});

describe('validateHeadersBindingArgs — rabbit_exchange_type_headers:validate_binding/2 texts', () => {
  it('accepts the four modes and an absent x-match', () => {
    for (const mode of ['all', 'any', 'all-with-x', 'any-with-x']) {
      expect(validateHeadersBindingArgs({ 'x-match': mode, a: 1 })).toBeUndefined();
    }
    expect(validateHeadersBindingArgs({ a: 1 })).toBeUndefined();
    expect(validateHeadersBindingArgs({})).toBeUndefined();
  });

  it.each([
    ['foo', '<<"foo">>'],
    ['ALL', '<<"ALL">>'],
    ['', '<<>>'],
    ['say "hi"\\', '<<"say \\"hi\\"\\\\">>'],
    ['a\nb', '<<"a\\nb">>'],
    ['\u0001', '<<1>>'],
    ['é', '<<"é">>'],
    ['—', '<<226,128,148>>'],
  ])('refuses the string %j, printing it as %s', (value, printed) => {
    expect(validateHeadersBindingArgs({ 'x-match': value })).toBe(
      `Invalid x-match field value ${printed}; expected all, any, all-with-x, or any-with-x`,
    );
  });

  it.each([
    [1, 'signedint', '1'],
    [2 ** 40, 'long', '1099511627776'],
    [-5n, 'long', '-5'],
    [new Typed('uint8', 7), 'unsignedbyte', '7'],
    [new Typed('int16', -3), 'short', '-3'],
    [true, 'bool', 'true'],
    [null, 'void', 'undefined'],
    [Buffer.from('any'), 'binary', '<<"any">>'],
    [1.5, 'double', '1.5'],
    [new Typed('double', 100), 'double', '100.0'],
    [new Typed('double', 1000), 'double', '1.0e3'],
    [new Typed('double', 0.001), 'double', '0.001'],
    [1e-4, 'double', '1.0e-4'],
    [123.456, 'double', '123.456'],
    [-0.5, 'double', '-0.5'],
    [1e21, 'double', '1.0e21'],
    [new Typed('float', 0.5), 'float', '0.5'],
    [new Typed('decimal', { scale: 2, value: 314 }), 'decimal', '{2,314}'],
    [new Typed('timestamp', 1_700_000_000), 'timestamp', '1700000000'],
    [new Date(1_700_000_000_000), 'timestamp', '1700000000'],
    [{ a: 'b', n: 1 }, 'table', '[{<<"a">>,longstr,<<"b">>},{<<"n">>,signedint,1}]'],
    [['all', true], 'array', '[{longstr,<<"all">>},{bool,true}]'],
  ])('refuses %o as type %s, printing the value as %s', (value, type, printed) => {
    expect(validateHeadersBindingArgs({ 'x-match': value })).toBe(
      `Invalid x-match field type ${type} (value ${printed}); expected longstr`,
    );
  });
});
