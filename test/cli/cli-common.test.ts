/** The shared CLI plumbing (src/cli/common) and drain/spout run in-process through an injected io. */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectionSettings, parseConnectionOptions } from '../../src/cli/common/broker.js';
import { describeError, UsageError } from '../../src/cli/common/errors.js';
import type { CliIo } from '../../src/cli/common/io.js';
import { PyFormat } from '../../src/cli/common/pyformat.js';
import { typedValue } from '../../src/cli/common/values.js';
import { main as drain } from '../../src/cli/drain.js';
import { main as spout } from '../../src/cli/spout.js';
import { ConnectError, Message, Typed } from '../../src/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { nodeName } from '../helpers/messaging.js';

function memoryIo(opts: { tty?: boolean; env?: Record<string, string>; stdin?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (s) => void out.push(s),
    stderr: (s) => void err.push(s),
    stdin: Readable.from([opts.stdin ?? '']),
    isTTY: opts.tty ?? false,
    stderrIsTTY: opts.tty ?? false,
    env: opts.env ?? {},
  };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

describe('drain -p formats (safe evaluator)', () => {
  const m = new Message({
    content: { text: 'hi', n: 3 },
    subject: 'sub',
    properties: { 'spout-id': 'x:0', n: 5, q: "it's", big: new Typed('double', 2) },
  });
  test.each([
    ['%(M)s', m.toString()],
    ['%(M)r', m.toString()],
    ["%(P['spout-id'])s", 'x:0'],
    ['%(P["spout-id"])r', "'x:0'"],
    ["%(P['q'])r", '"it\'s"'],
    ['%(P)s', `{'spout-id': 'x:0', 'n': 5, 'q': "it's", 'big': 2}`],
    ["%(C['text'])s and %(C['n'])03d", 'hi and 003'],
    ['%(M.subject)s/%(M.reply_to)s/%(M.redelivered)s', 'sub/None/False'],
    ["%(P.get('nope', 'dflt'))s %(P.get('n'))s", 'dflt 5'],
    ["%(P['n'])-4d|%(P['n'])5.1f|%(P['n'])x|%%", '5   |  5.0|5|%'],
  ])('%s', (format, expected) => {
    expect(new PyFormat(format).apply(m)).toBe(expected);
  });

  test('a missing key is a KeyError at run time, as in Python', () => {
    expect(() => new PyFormat("%(P['absent'])s").apply(m)).toThrow(expect.objectContaining({ name: 'KeyError' }));
    expect(() => new PyFormat('%(M.nothing)s').apply(m)).toThrow(expect.objectContaining({ name: 'AttributeError' }));
  });

  test.each([
    '%s',
    '%(M',
    '%(M)',
    '%(M)y',
    '%(os.system("x"))s',
    '%(__import__)s',
    "%(P['a'] + 1)s",
    '%(M.subject())s',
  ])('rejects %s before connecting', (format) => {
    expect(() => new PyFormat(format)).toThrow(UsageError);
  });
});

describe('NAME=VALUE typing and connection options', () => {
  test.each([
    ['42', 42],
    ['-7', -7],
    ['2.5', 2.5],
    ['True', true],
    ['False', false],
    ['abc', 'abc'],
    ['', ''],
    ['1e3', new Typed('double', 1000)],
    ['12345678901234567890', '12345678901234567890'],
    ['9007199254740993', 9007199254740993n],
  ] as const)('%s', (text, value) => {
    expect(typedValue(text)).toEqual(value);
  });

  test('--connection-options in the Qpid map grammar, dash or underscore names', () => {
    expect(
      parseConnectionOptions(
        "{reconnect: True, reconnect-limit: 3, heartbeat: 10, reconnect_urls: ['h1:5672', 'h2'], username: bob}",
      ),
    ).toEqual({ reconnect: true, reconnectLimit: 3, heartbeat: 10, reconnectUrls: ['h1:5672', 'h2'], username: 'bob' });
    expect(() => parseConnectionOptions('{heartbeat: soon}')).toThrow(/heartbeat: expected a number/);
    expect(() => parseConnectionOptions('{nope: 1}')).toThrow(/Invalid option: nope not recognised/);
  });

  test('-r/-i/-l win over --connection-options; -i defaults to 3 s as in Qpid', () => {
    expect(connectionSettings({ broker: 'guest/guest@h:1234' }).options).toEqual({ reconnectInterval: 3 });
    expect(
      connectionSettings({ 'connection-options': '{reconnect_limit: 9, reconnect_interval: 1}', 'reconnect-limit': 2 })
        .options,
    ).toEqual({ reconnectLimit: 2, reconnectInterval: 1 });
    expect(() => connectionSettings({ broker: 'h:99999' })).toThrow(UsageError);
  });

  test('connect failures read "cannot connect to host:port (CODE)"', () => {
    const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5672'), { code: 'ECONNREFUSED' });
    const inner = new ConnectError('localhost:5672: ', { cause: new AggregateError([socket], '') });
    expect(
      describeError(new ConnectError(`Failed to connect (reconnect disabled): ${inner.message}`, { cause: inner })),
    ).toBe('ConnectError: cannot connect to localhost:5672 (ECONNREFUSED)');
    expect(describeError(new Error('plain'))).toBe('Error: plain');
  });
});

describe('in-process commands on the bundled broker', () => {
  let b: TestBroker;
  beforeAll(async () => {
    b = await startTestBroker();
  });
  afterAll(async () => {
    await b.stop();
  });

  test('on a terminal, drain -c shows progress and a rate summary on stderr; colour obeys NO_COLOR', async () => {
    const q = nodeName('cli-tty');
    const s = memoryIo();
    expect(await spout(['-b', b.url, '-c', '4', `${q}; {create: always, delete: receiver}`], s.io)).toBe(0);
    const d = memoryIo({ tty: true });
    expect(await drain(['-b', b.url, '-c', '3', '-p', '%(C)r', q], d.io)).toBe(0);
    expect(d.out()).toBe("''\n''\n''\n");
    expect(d.err()).toMatch(/drain: received 3 messages in \d+\.\d\ds \([\d.]+ msg\/s\)\n$/);
    expect(d.err()).toContain('\x1b[2m'); // dim progress line
    const plain = memoryIo({ tty: true, env: { NO_COLOR: '1' } });
    expect(await drain(['-b', b.url, '-c', '1', q], plain.io)).toBe(0);
    expect(plain.err()).not.toContain('\x1b[2m');
    expect(plain.err()).toContain('received 1 message in');
    // Not a terminal: no progress at all.
    const piped = memoryIo();
    expect(await drain(['-b', b.url, '-c', '1', '-t', '0', q], piped.io)).toBe(0);
    expect(piped.err()).toBe('');
  });

  test('errors are red on a terminal only', async () => {
    const tty = memoryIo({ tty: true });
    expect(await drain(['-b', b.url, nodeName('absent')], tty.io)).toBe(1);
    expect(tty.err().startsWith('\x1b[31mFailed:\x1b[39m NotFound: ')).toBe(true);
    const piped = memoryIo();
    expect(await drain(['-b', b.url, nodeName('absent')], piped.io)).toBe(1);
    expect(piped.err()).toMatch(/^Failed: NotFound: /);
  });

  test('spout - reads the injected stdin; --help goes to the injected stdout', async () => {
    const q = nodeName('cli-stdin');
    const s = memoryIo({ stdin: 'x\ny\n' });
    expect(await spout(['-b', b.url, '-I', 'i', `${q}; {create: always, delete: receiver}`, '-'], s.io)).toBe(0);
    expect(s.out().split('\n').filter(Boolean)).toEqual([
      "Message(properties={'spout-id': 'i:0'}, content='x')",
      "Message(properties={'spout-id': 'i:1'}, content='y')",
    ]);
    const h = memoryIo();
    expect(await spout(['--help'], h.io)).toBe(0);
    expect(h.out()).toContain('Send messages to the supplied address.');
  });
});
