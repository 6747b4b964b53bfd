import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MethodInput, MethodName } from '../../src/protocol/index.js';
import { decodeMethod, encodeMethodFrame, METHODS, methodInfo, ProtocolError } from '../../src/protocol/index.js';
import { anyMethod, METHOD_NAMES } from './arbitraries.js';

/** Bytes from a hex string with spaces and comments-free layout, e.g. '01 0001'. */
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ascii = (s: string) => Buffer.from(s, 'latin1').toString('hex');

/** Wraps an argument payload (after class/method ids) into the expected method frame. */
function frame(channel: number, classMethod: string, args: string): Buffer {
  const payload = Buffer.concat([hex(classMethod), hex(args)]);
  const head = Buffer.alloc(7);
  head[0] = 1;
  head.writeUInt16BE(channel, 1);
  head.writeUInt32BE(payload.length, 3);
  return Buffer.concat([head, payload, Buffer.from([0xce])]);
}

const payloadOf = (f: Buffer) => f.subarray(7, f.length - 1);

describe('golden method frames', () => {
  it('connection.start-ok with client properties and defaults', () => {
    const bytes = encodeMethodFrame(0, 'connection.start-ok', {
      clientProperties: { product: 'x' },
      response: Buffer.from('\0guest\0guest'),
    });
    const expected = frame(
      0,
      '000a 000b',
      // table: 14 octets = key 'product' (1+7), tag S, length 1, 'x'
      `0000000e 07 ${ascii('product')} 53 00000001 ${ascii('x')}` +
        ` 05 ${ascii('PLAIN')}` +
        ` 0000000c ${ascii('\0guest\0guest')}` +
        ` 05 ${ascii('en_US')}`,
    );
    expect(bytes.toString('hex')).toBe(expected.toString('hex'));
  });

  it('basic.publish packs mandatory and immediate into one octet', () => {
    const bytes = encodeMethodFrame(1, 'basic.publish', { exchange: 'amq.direct', routingKey: 'rk', mandatory: true });
    expect(bytes.toString('hex')).toBe(
      frame(1, '003c 0028', `0000 0a ${ascii('amq.direct')} 02 ${ascii('rk')} 01`).toString('hex'),
    );
    const both = encodeMethodFrame(1, 'basic.publish', { mandatory: true, immediate: true });
    expect(both.toString('hex')).toBe(frame(1, '003c 0028', '0000 00 00 03').toString('hex'));
  });

  it('queue.declare with an arguments table', () => {
    const bytes = encodeMethodFrame(2, 'queue.declare', {
      queue: 'q1',
      durable: true,
      autoDelete: true,
      arguments: { 'x-message-ttl': 60000 },
    });
    // bits: passive 1, durable 2, exclusive 4, auto-delete 8, nowait 16 → 2|8
    const table = `00000013 0d ${ascii('x-message-ttl')} 49 0000ea60`;
    expect(bytes.toString('hex')).toBe(frame(2, '0032 000a', `0000 02 ${ascii('q1')} 0a ${table}`).toString('hex'));
  });

  it('basic.deliver with a delivery tag above 2^32', () => {
    const bytes = encodeMethodFrame(3, 'basic.deliver', {
      consumerTag: 'ctag',
      deliveryTag: 2 ** 32 + 5,
      redelivered: true,
      exchange: '',
      routingKey: 'q',
    });
    expect(bytes.toString('hex')).toBe(
      frame(3, '003c 003c', `04 ${ascii('ctag')} 00000001 00000005 01 00 01 ${ascii('q')}`).toString('hex'),
    );
    expect(decodeMethod(payloadOf(bytes))).toEqual({
      name: 'basic.deliver',
      classId: 60,
      methodId: 60,
      args: { consumerTag: 'ctag', deliveryTag: 2 ** 32 + 5, redelivered: true, exchange: '', routingKey: 'q' },
    });
  });

  it('connection.tune-ok and argument-less methods', () => {
    expect(encodeMethodFrame(0, 'connection.tune-ok', { channelMax: 2047, frameMax: 131072, heartbeat: 60 })).toEqual(
      frame(0, '000a 001f', '07ff 00020000 003c'),
    );
    expect(encodeMethodFrame(5, 'tx.select', {})).toEqual(frame(5, '005a 000a', ''));
    expect(decodeMethod(hex('005a 000b'))).toEqual({ name: 'tx.select-ok', classId: 90, methodId: 11, args: {} });
  });

  it('decodes channel.close so a switch on name narrows args', () => {
    const m = decodeMethod(payloadOf(frame(1, '0014 0028', `0194 09 ${ascii('NOT_FOUND')} 0032 000a`)));
    if (m.name !== 'channel.close') throw new Error(`decoded ${m.name}`);
    expect(m.args.replyCode).toBe(404);
    expect(m.args.replyText).toBe('NOT_FOUND');
    expect([m.args.classId, m.args.methodId]).toEqual([50, 10]);
  });
});

describe('method table', () => {
  it('knows every method by id and name', () => {
    expect(METHOD_NAMES).toHaveLength(66);
    for (const name of METHOD_NAMES) {
      const info = METHODS[name];
      expect(info.name).toBe(name);
      expect(methodInfo(info.classId, info.methodId)).toBe(info);
    }
    expect(methodInfo(60, 40)).toMatchObject({ name: 'basic.publish', content: true, synchronous: false });
    expect(methodInfo(50, 10)).toMatchObject({ name: 'queue.declare', synchronous: true, content: false });
    expect(methodInfo(60, 41)).toBeUndefined();
  });
});

describe('round trip', () => {
  it('decode(encode(args)) gives the args back, for every method', () => {
    fc.assert(
      fc.property(anyMethod, fc.integer({ min: 0, max: 0xffff }), ({ name, args }, channel) => {
        const bytes = encodeMethodFrame(channel, name, args as MethodInput<MethodName>);
        expect(bytes[0]).toBe(1);
        expect(bytes.readUInt16BE(1)).toBe(channel);
        expect(bytes.readUInt32BE(3)).toBe(bytes.length - 8);
        expect(bytes[bytes.length - 1]).toBe(0xce);
        const m = decodeMethod(payloadOf(bytes));
        expect(m.name).toBe(name);
        expect(m.args).toEqual(args);
      }),
      { numRuns: 2000 },
    );
  });

  it('fills spec defaults for omitted arguments', () => {
    const m = decodeMethod(payloadOf(encodeMethodFrame(0, 'connection.start', { serverProperties: {} })));
    expect(m).toMatchObject({
      name: 'connection.start',
      args: { versionMajor: 0, versionMinor: 9, mechanisms: Buffer.from('PLAIN'), locales: Buffer.from('en_US') },
    });
    const n = decodeMethod(payloadOf(encodeMethodFrame(1, 'basic.nack', {})));
    expect(n.args).toEqual({ deliveryTag: 0, multiple: false, requeue: true });
  });
});

describe('malformed input', () => {
  it('every truncation of every method frame is a 501 ProtocolError, never a RangeError', () => {
    fc.assert(
      fc.property(anyMethod, ({ name, args }) => {
        const payload = payloadOf(encodeMethodFrame(0, name, args as MethodInput<MethodName>));
        for (let n = 4; n < payload.length; n++) {
          const cut = Buffer.from(payload.subarray(0, n));
          let err: unknown;
          try {
            decodeMethod(cut);
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(ProtocolError);
          expect((err as ProtocolError).code).toBe(501);
          expect((err as ProtocolError).classId).toBe(METHODS[name].classId);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('trailing octets after the arguments are 501', () => {
    fc.assert(
      fc.property(anyMethod, fc.uint8Array({ minLength: 1, maxLength: 8 }), ({ name, args }, extra) => {
        const payload = payloadOf(encodeMethodFrame(0, name, args as MethodInput<MethodName>));
        expect(() => decodeMethod(Buffer.concat([payload, extra]))).toThrow(
          expect.objectContaining({ name: 'ProtocolError', code: 501 }),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('random payloads either decode or throw ProtocolError', () => {
    const ids = METHOD_NAMES.map((n) => METHODS[n].classId * 0x10000 + METHODS[n].methodId);
    fc.assert(
      fc.property(fc.constantFrom(...ids), fc.uint8Array({ maxLength: 64 }), (id, rest) => {
        const p = Buffer.alloc(4 + rest.length);
        p.writeUInt32BE(id, 0);
        p.set(rest, 4);
        try {
          decodeMethod(p);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('an unknown method id is 540 carrying the ids; a payload under 4 octets is 501', () => {
    expect(() => decodeMethod(hex('003c 0029'))).toThrow(
      expect.objectContaining({ code: 540, classId: 60, methodId: 41 }),
    );
    expect(() => decodeMethod(hex('1234 0001 00'))).toThrow(expect.objectContaining({ code: 540, classId: 0x1234 }));
    expect(() => decodeMethod(hex('003c'))).toThrow(expect.objectContaining({ code: 501 }));
  });

  it('rejects malformed UTF-8 in short strings of methods without content, like RabbitMQ', () => {
    // queue.declare, queue name = 0xff 0xfe
    const bad = hex('0032 000a 0000 02 fffe 00 00000000');
    expect(() => decodeMethod(bad)).toThrow(expect.objectContaining({ code: 501, classId: 50, methodId: 10 }));
    // basic.publish carries content and is not checked (rabbit_framing skips it for speed)
    const publish = hex('003c 0028 0000 00 02 fffe 00');
    expect(decodeMethod(publish).name).toBe('basic.publish');
  });

  it('encoding a value that does not fit its wire type is a 541 ProtocolError', () => {
    expect(() => encodeMethodFrame(1, 'basic.publish', { routingKey: 'x'.repeat(256) })).toThrow(
      expect.objectContaining({ name: 'ProtocolError', code: 541 }),
    );
    expect(() => encodeMethodFrame(0, 'connection.tune', { channelMax: 70000 })).toThrow(
      expect.objectContaining({ code: 541, classId: 10, methodId: 30 }),
    );
    expect(() => encodeMethodFrame(1, 'basic.ack', { deliveryTag: -1 })).toThrow(
      expect.objectContaining({ code: 541 }),
    );
  });
});
