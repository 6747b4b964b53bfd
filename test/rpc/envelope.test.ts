/**
 * The pure parts of qpid-messaging/rpc, checked against oslo.messaging itself where it can answer:
 * Python's json.dumps output, oslo's version_is_compatible, the envelope, the dispatcher's rules and
 * notification filters.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { Message } from '../../src/index.js';
import { fromAmqpMessage, parseFailure, serializeFailure, toAmqpMessage } from '../../src/rpc/envelope.js';
import {
  NoSuchMethod,
  NotificationFilter,
  pyJsonDumps,
  RpcDispatcher,
  Target,
  UnsupportedRpcEnvelopeVersion,
  UnsupportedVersion,
  versionIsCompatible,
} from '../../src/rpc/index.js';
import { pythonUtcNow } from '../../src/rpc/notifier.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const python = existsSync(PYTHON);

const VALUES: unknown[] = [
  { a: 'é\u007f\u2028😀', b: [1, null, true, false], c: {}, d: [] },
  'tab\there "quoted" back\\slash\nnew\r\b\f\u0001',
  [1.5, -2, 0, 1e21, 123456789],
  { nested: { deeper: [{ x: 'y' }] } },
];

const VERSION_CASES: [string | null, string | null][] = [
  ['1.0', '1.0'],
  ['1.3', '1.2'],
  ['1.2', '1.3'],
  ['2.0', '1.0'],
  ['1.2.1', '1.2.2'],
  ['1.2.3', '1.2'],
  ['1.2', '1.2.1'],
  [null, '9.9'],
  ['1.0', null],
];

(python ? describe : describe.skip)('against Python', () => {
  test('pyJsonDumps writes what json.dumps writes', async () => {
    const { stdout } = await run(PYTHON, [
      '-c',
      'import json,sys\nfor v in json.loads(sys.argv[1]): print(json.dumps(v))',
      JSON.stringify(VALUES),
    ]);
    expect(VALUES.map(pyJsonDumps)).toEqual(stdout.trimEnd().split('\n'));
  });

  test("versionIsCompatible is oslo's version_is_compatible", async () => {
    const { stdout } = await run(PYTHON, [
      '-c',
      'import json,sys\nfrom oslo_messaging import _utils as u\n' +
        'print(json.dumps([u.version_is_compatible(a, b) for a, b in json.loads(sys.argv[1])]))',
      JSON.stringify(VERSION_CASES),
    ]).catch(() => ({ stdout: 'null' }));
    const expected = JSON.parse(stdout) as boolean[] | null;
    const ours = VERSION_CASES.map(([a, b]) => versionIsCompatible(a ?? undefined, b ?? undefined));
    if (expected === null && process.env['CI']) throw new Error('CI needs python3-oslo.messaging');
    expect(ours).toEqual(expected ?? [true, true, false, false, false, true, false, true, false]);
  });
});

describe('envelope', () => {
  test('round trip, 1.0 bodies as they are, unknown envelope versions refused', () => {
    const m = toAmqpMessage({ method: 'm', args: { x: 'é' } }, { envelope: true, ttl: 2 });
    expect(m.ttl).toBe(2);
    const received = new Message({
      content: JSON.parse((m.content as Buffer).toString()),
      contentType: 'application/json',
    });
    expect(fromAmqpMessage(received)).toEqual({ method: 'm', args: { x: 'é' } });
    expect(fromAmqpMessage(new Message({ content: Buffer.from('{"event_type": "x"}') }))).toEqual({ event_type: 'x' });
    const v3 = new Message({ content: { 'oslo.version': '3.0', 'oslo.message': '{}' } });
    expect(() => fromAmqpMessage(v3)).toThrow(UnsupportedRpcEnvelopeVersion);
    expect(() => fromAmqpMessage(new Message('not json'))).toThrow(/not a JSON object/);
  });

  test('failures: a JS error in oslo’s shape, and tolerant parsing of other peers’', () => {
    const f = JSON.parse(serializeFailure(new RangeError('too big')));
    expect(f).toMatchObject({ class: 'RangeError', module: 'node', message: 'too big', args: ['too big'], kwargs: {} });
    expect(f.tb[0]).toBe('RangeError: too big\n');
    expect(parseFailure('{"class": "X"}')).toMatchObject({ class: 'X', module: '', tb: [], message: '' });
  });

  test("timestamps are Python's str(datetime)", () => {
    expect(pythonUtcNow(new Date('2026-12-04T01:35:22.347Z'))).toBe('2026-12-04 01:35:22.347000');
    expect(pythonUtcNow(new Date('2026-12-04T01:35:22.000Z'))).toBe('2026-12-04 01:35:22');
  });
});

describe('dispatcher (oslo rules)', () => {
  const d = new RpcDispatcher([
    { target: new Target({ namespace: 'a', version: '1.3' }), f: () => 'a', _hidden: () => 'no' },
    { target: { version: '2.1' }, g: () => 'g2' },
    { f: () => 'default' },
  ]);
  test.each([
    [{ method: 'f', namespace: 'a', version: '1.1' }, 'a'],
    [{ method: 'f' }, 'default'],
    [{ method: 'g', version: '2.0' }, 'g2'],
  ])('%j → %s', async (msg, result) => {
    expect(await d.dispatch({}, msg)).toBe(result);
  });
  test.each([
    [{ method: 'g' }, NoSuchMethod, 'Endpoint does not support RPC method g'],
    [{ method: '_hidden', namespace: 'a' }, NoSuchMethod, 'Endpoint does not support RPC method _hidden'],
    [{ method: 'toString' }, NoSuchMethod, 'Endpoint does not support RPC method toString'],
    [
      { method: 'f', namespace: 'a', version: '1.4' },
      UnsupportedVersion,
      'Endpoint does not support RPC version 1.4. Attempted method: f',
    ],
    [
      { method: 'f', namespace: 'zz' },
      UnsupportedVersion,
      'Endpoint does not support RPC version 1.0. Attempted method: f',
    ],
  ])('%j throws', async (msg, type, text) => {
    const err = await d.dispatch({}, msg).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toBe(text);
  });
});

describe('NotificationFilter (re.match semantics)', () => {
  test('anchored at the start, dict rules need the key, non-strings never match', () => {
    const f = new NotificationFilter({ publisherId: 'compute', eventType: 'x\\.', payload: { state: 'act' } });
    expect(f.match({}, 'compute.host', 'x.y', {}, { state: 'active' })).toBe(true);
    expect(f.match({}, 'my.compute', 'x.y', {}, { state: 'active' })).toBe(false);
    expect(f.match({}, 'compute', 'x.y', {}, {})).toBe(false);
    expect(f.match({}, 'compute', 'x.y', {}, { state: 1 })).toBe(false);
  });
});
