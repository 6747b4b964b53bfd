/**
 * Wire-level misbehaviour, sent over a raw socket to the bundled broker and to
 * RabbitMQ: both must close with the same reply code, class and method, and
 * the same channel-vs-connection choice.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMethodFrame, FrameType, PROTOCOL_HEADER } from '../../src/protocol/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { describeParity, parityTest as realParityTest } from '../helpers/parity.js';
import { RawAmqp } from '../helpers/raw-amqp.js';

const portOf = (url: string) => Number(new URL(url).port);

/** What a misbehaving client observed: the connection.close or channel.close it got, and whether the socket ended. */
async function observe(c: RawAmqp, channel?: number) {
  if (channel !== undefined) {
    const ch = await c.channelClose(channel);
    c.close();
    return {
      channelClose: { code: ch.code, classId: ch.classId, methodId: ch.methodId, text: ch.text.split(' - ')[0] },
    };
  }
  const close = await c.connectionClose();
  const ended = await c.waitEnded(5000);
  return {
    connectionClose: close && {
      code: close.code,
      classId: close.classId,
      methodId: close.methodId,
      text: close.text.split(' - ')[0],
    },
    ended,
  };
}

function publishFrames(channel: number, body: Buffer, bodySize = body.length): Buffer[] {
  const method = encodeMethodFrame(channel, 'basic.publish', { exchange: '', routingKey: 'nowhere' });
  const header = Buffer.alloc(14);
  header.writeUInt16BE(60, 0);
  header.writeUInt16BE(0, 2);
  header.writeUInt32BE(Math.floor(bodySize / 2 ** 32), 4);
  header.writeUInt32BE(bodySize >>> 0, 8);
  header.writeUInt16BE(0, 12);
  return [method, frame(FrameType.HEADER, channel, header), frame(FrameType.BODY, channel, body)];
}

function frame(type: number, channel: number, payload: Buffer, end = 0xce): Buffer {
  const b = Buffer.alloc(8 + payload.length);
  b[0] = type;
  b.writeUInt16BE(channel, 1);
  b.writeUInt32BE(payload.length, 3);
  payload.copy(b, 7);
  b[7 + payload.length] = end;
  return b;
}

const scenarios: [string, (url: string) => Promise<unknown>][] = [];
const parityTest = (name: string, fn: (url: string) => Promise<unknown>) => scenarios.push([name, fn]);
/**
 * Deliberate differences from RabbitMQ 3.10 (README, "Differences from RabbitMQ"): where RabbitMQ drops
 * the socket without a word (unknown method id, undecodable field table, a bad tune-ok) or says
 * nothing at all (a client sending basic.deliver, a body size over the limit before the body
 * arrives), the bundled broker answers with a close carrying the reply code.
 */
const differences: [string, (url: string) => Promise<unknown>][] = [];
const bundledOnly = (name: string, fn: (url: string) => Promise<unknown>) => differences.push([name, fn]);

function collect(): void {
  parityTest('a wrong protocol header is answered with our header and the socket closes', async (url) => {
    const c = await RawAmqp.connect(portOf(url));
    c.write(Buffer.from('AMQP\x00\x00\x08\x00', 'latin1'));
    const ended = await c.waitEnded();
    return { reply: c.raw.toString('hex'), ended };
  });

  parityTest('an HTTP request instead of AMQP gets the protocol header back', async (url) => {
    const c = await RawAmqp.connect(portOf(url));
    c.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    const ended = await c.waitEnded();
    return { reply: c.raw.toString('hex'), ended, expected: PROTOCOL_HEADER.toString('hex') };
  });

  parityTest('bad credentials with authentication_failure_close get 403', async (url) => {
    const c = await RawAmqp.connect(portOf(url));
    await c.handshake({ password: 'wrong' }).catch(() => undefined);
    return observe(c);
  });

  parityTest('an unknown virtual host gets 530', async (url) => {
    const c = await RawAmqp.connect(portOf(url));
    await c.handshake({ vhost: 'no-such-vhost' }).catch(() => undefined);
    return observe(c);
  });

  parityTest('a frame with a wrong frame-end octet closes the connection', async (url) => {
    const c = await RawAmqp.open(portOf(url));
    const f = encodeMethodFrame(1, 'channel.open', {});
    f[f.length - 1] = 0x00;
    c.write(f);
    return observe(c);
  });

  bundledOnly('an unknown class/method id closes the connection', async (url) => {
    const c = await RawAmqp.open(portOf(url));
    await c.openChannel(1);
    const payload = Buffer.alloc(4);
    payload.writeUInt16BE(60, 0);
    payload.writeUInt16BE(999, 2);
    c.write(frame(FrameType.METHOD, 1, payload));
    return observe(c);
  });

  parityTest('a frame larger than the negotiated frame_max closes the connection', async (url) => {
    const c = await RawAmqp.open(portOf(url), { frameMax: 4096 });
    await c.openChannel(1);
    for (const f of publishFrames(1, Buffer.alloc(5000), 5000)) c.write(f);
    return observe(c);
  });

  parityTest('a content header with no publish before it is an unexpected frame', async (url) => {
    const c = await RawAmqp.open(portOf(url));
    await c.openChannel(1);
    const [, header] = publishFrames(1, Buffer.from('x'));
    c.write(header as Buffer);
    return observe(c);
  });

  parityTest('a method frame where the content header was expected is an unexpected frame', async (url) => {
    const c = await RawAmqp.open(portOf(url));
    await c.openChannel(1);
    const [method] = publishFrames(1, Buffer.from('x'));
    c.write(method as Buffer);
    c.write(encodeMethodFrame(1, 'basic.qos', { prefetchCount: 1 }));
    return observe(c);
  });

  parityTest('a body longer than its header declared closes the connection', async (url) => {
    const c = await RawAmqp.open(portOf(url));
    await c.openChannel(1);
    for (const f of publishFrames(1, Buffer.from('too long body'), 3)) c.write(f);
    // RabbitMQ notices at the next frame; the bundled broker at once. Both answer 505 for basic.publish.
    c.write(encodeMethodFrame(1, 'basic.qos', { prefetchCount: 1 }));
    return observe(c);
  });

  parityTest('a method on channel 0 that belongs on a channel closes the connection', async (url) => {
    const c = await RawAmqp.open(portOf(url));
    c.write(encodeMethodFrame(0, 'basic.qos', { prefetchCount: 1 }));
    return observe(c);
  });

  parityTest('an unknown frame type closes the connection', async (url) => {
    const c = await RawAmqp.open(portOf(url));
    c.write(frame(9, 1, Buffer.alloc(0)));
    return observe(c);
  });

  parityTest(
    'channel.flow active=false, basic.qos prefetch_size, immediate and recover requeue=false are not implemented',
    async (url) => {
      const out: unknown[] = [];
      const attempts: Buffer[][] = [
        [encodeMethodFrame(1, 'channel.flow', { active: false })],
        [encodeMethodFrame(1, 'basic.qos', { prefetchSize: 10, prefetchCount: 1 })],
        publishFrames(1, Buffer.alloc(0))
          .map((f, i) =>
            i === 0 ? encodeMethodFrame(1, 'basic.publish', { exchange: '', routingKey: 'q', immediate: true }) : f,
          )
          .slice(0, 2),
        [encodeMethodFrame(1, 'basic.recover', { requeue: false })],
      ];
      for (const frames of attempts) {
        const c = await RawAmqp.open(portOf(url));
        await c.openChannel(1);
        for (const f of frames) c.write(f);
        out.push(await observe(c));
      }
      return out;
    },
  );

  parityTest('a heartbeat on a non-zero channel closes the connection', async (url) => {
    const c = await RawAmqp.open(portOf(url));
    await c.openChannel(1);
    c.write(frame(FrameType.HEARTBEAT, 1, Buffer.alloc(0)));
    return observe(c);
  });

  parityTest('a method on a channel that was never opened closes the connection', async (url) => {
    const c = await RawAmqp.open(portOf(url));
    c.write(encodeMethodFrame(7, 'basic.qos', { prefetchCount: 1 }));
    return observe(c);
  });

  parityTest('opening an open channel again closes the connection', async (url) => {
    const c = await RawAmqp.open(portOf(url));
    await c.openChannel(1);
    c.write(encodeMethodFrame(1, 'channel.open', {}));
    return observe(c);
  });

  // (Channel numbers above channel_max: bad-input-table.test.ts, where the bundled broker differs.)
  parityTest('channel_max limits how many channels are open', async (url) => {
    const c = await RawAmqp.open(portOf(url), { channelMax: 2 });
    await c.openChannel(1);
    await c.openChannel(2);
    c.write(encodeMethodFrame(3, 'channel.open', {}));
    return observe(c);
  });

  bundledOnly('a field table with an unknown type tag closes the connection', async (url) => {
    const c = await RawAmqp.open(portOf(url));
    await c.openChannel(1);
    const good = encodeMethodFrame(1, 'queue.declare', {
      queue: 'bad-table',
      arguments: { 'x-a': 1 },
      exclusive: true,
    });
    // Patch the single entry's type tag ('I') to an unknown one ('Z').
    const i = good.lastIndexOf(Buffer.from('x-a')) + 3;
    good[i] = 'Z'.charCodeAt(0);
    c.write(good);
    return observe(c);
  });

  parityTest('a truncated method payload closes the connection', async (url) => {
    const c = await RawAmqp.open(portOf(url));
    await c.openChannel(1);
    const payload = Buffer.alloc(6);
    payload.writeUInt16BE(50, 0);
    payload.writeUInt16BE(10, 2); // queue.declare with its arguments cut off
    c.write(frame(FrameType.METHOD, 1, payload));
    return observe(c);
  });

  parityTest('a content frame on channel 0 closes the connection', async (url) => {
    const c = await RawAmqp.open(portOf(url));
    const [, header] = publishFrames(0, Buffer.from('x'));
    c.write(header as Buffer);
    return observe(c);
  });

  bundledOnly('a declared body size above the max message size is refused on the channel', async (url) => {
    const c = await RawAmqp.open(portOf(url));
    await c.openChannel(1);
    const [method, header] = publishFrames(1, Buffer.alloc(0), 200 * 1024 * 1024);
    c.write(method as Buffer);
    c.write(header as Buffer);
    return observe(c, 1);
  });

  bundledOnly('tune-ok with frame_max below 4096 closes the connection', async (url) => {
    const c = await RawAmqp.connect(portOf(url));
    await c.handshake({ frameMax: 1024 }).catch(() => undefined);
    return observe(c);
  });

  bundledOnly('tune-ok with frame_max above the server maximum closes the connection', async (url) => {
    const c = await RawAmqp.connect(portOf(url));
    await c.handshake({ frameMax: 1 << 20 }).catch(() => undefined);
    return observe(c);
  });

  bundledOnly('a server-to-client method sent by the client closes the connection', async (url) => {
    const c = await RawAmqp.open(portOf(url));
    await c.openChannel(1);
    c.write(encodeMethodFrame(1, 'basic.deliver', { consumerTag: 'x', deliveryTag: 1, exchange: '', routingKey: 'q' }));
    return observe(c);
  });
}
collect();

describeParity('connection-level errors over a raw socket', () => {
  for (const [name, fn] of scenarios) realParityTest(name, fn);
});

describe('where the bundled broker says more than RabbitMQ', () => {
  let tb: TestBroker;
  beforeAll(async () => {
    tb = await startTestBroker();
  });
  afterAll(() => tb.stop());
  const expected: Record<string, unknown> = {
    'a declared body size above the max message size is refused on the channel': {
      channelClose: { code: 406, classId: 60, methodId: 40, text: 'PRECONDITION_FAILED' },
    },
    'a server-to-client method sent by the client closes the connection': {
      connectionClose: { code: 503, classId: 60, methodId: 60, text: 'COMMAND_INVALID' },
      ended: true,
    },
    'an unknown class/method id closes the connection': {
      connectionClose: { code: 540, classId: 60, methodId: 999, text: 'NOT_IMPLEMENTED' },
      ended: true,
    },
    'a field table with an unknown type tag closes the connection': {
      connectionClose: { code: 501, classId: 50, methodId: 10, text: 'FRAME_ERROR' },
      ended: true,
    },
    'tune-ok with frame_max below 4096 closes the connection': {
      connectionClose: { code: 530, classId: 10, methodId: 31, text: 'NOT_ALLOWED' },
      ended: true,
    },
    'tune-ok with frame_max above the server maximum closes the connection': {
      connectionClose: { code: 530, classId: 10, methodId: 31, text: 'NOT_ALLOWED' },
      ended: true,
    },
  };
  for (const [name, fn] of differences) {
    it(name, async () => {
      expect(await fn(tb.url)).toEqual(expected[name]);
    });
  }

  it('keeps serving other connections while one is closed for a protocol error', async () => {
    const bad = await RawAmqp.open(tb.port);
    const good = await RawAmqp.open(tb.port);
    await good.openChannel(1);
    const f = encodeMethodFrame(1, 'channel.open', {});
    f[f.length - 1] = 0;
    bad.write(f);
    expect((await bad.connectionClose())?.code).toBe(501);
    good.send(1, 'queue.declare', { queue: '', exclusive: true });
    const ok = await good.method('queue.declare-ok', 1);
    expect(ok.args.queue).toMatch(/^amq\.gen-/);
    good.close();
  });
});
