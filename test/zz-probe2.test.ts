import { test } from 'vitest';
import { encodeMethodFrame, FrameType } from '../src/protocol/index.js';
import { RawAmqp } from './helpers/raw-amqp.js';

function frame(type: number, channel: number, payload: Buffer, end = 0xce): Buffer {
  const b = Buffer.alloc(8 + payload.length);
  b[0] = type;
  b.writeUInt16BE(channel, 1);
  b.writeUInt32BE(payload.length, 3);
  payload.copy(b, 7);
  b[7 + payload.length] = end;
  return b;
}
function hdr(channel: number, size: number) {
  const h = Buffer.alloc(14);
  h.writeUInt16BE(60, 0);
  h.writeUInt32BE(Math.floor(size / 2 ** 32), 4);
  h.writeUInt32BE(size >>> 0, 8);
  return frame(FrameType.HEADER, channel, h);
}
async function dump(name: string, c: RawAmqp) {
  await new Promise((r) => setTimeout(r, 2500));
  console.log(
    name,
    JSON.stringify(
      c.frames.map((f) =>
        f.method ? { ch: f.channel, m: f.method.name, a: f.method.args } : { t: f.type, ch: f.channel },
      ),
    ),
    'ended',
    c.ended,
  );
  c.close();
}
test('probe2', async () => {
  const port = 5674;
  let c = await RawAmqp.open(port);
  await c.openChannel(1);
  c.write(encodeMethodFrame(1, 'basic.publish', { exchange: '', routingKey: 'nowhere' }));
  c.write(hdr(1, 3));
  c.write(frame(FrameType.BODY, 1, Buffer.from('too long body')));
  c.write(encodeMethodFrame(1, 'basic.qos', { prefetchCount: 1 }));
  await dump('body-too-long', c);
  c = await RawAmqp.open(port, { channelMax: 10 });
  c.write(encodeMethodFrame(11, 'channel.open', {}));
  await dump('chan>max', c);
  c = await RawAmqp.open(port);
  await c.openChannel(1);
  c.write(encodeMethodFrame(1, 'basic.publish', { exchange: '', routingKey: 'nowhere' }));
  c.write(hdr(1, 200 * 1024 * 1024));
  await dump('too-big', c);
  c = await RawAmqp.open(port);
  await c.openChannel(1);
  c.write(encodeMethodFrame(1, 'basic.deliver', { consumerTag: 'x', deliveryTag: 1, exchange: '', routingKey: 'q' }));
  await dump('deliver-from-client', c);
  c = await RawAmqp.open(port);
  await c.openChannel(1);
  c.write(encodeMethodFrame(1, 'channel.flow', { active: false }));
  await dump('flow-false', c);
  c = await RawAmqp.open(port);
  await c.openChannel(1);
  c.write(encodeMethodFrame(1, 'basic.qos', { prefetchSize: 10, prefetchCount: 1 }));
  await dump('qos-size', c);
  c = await RawAmqp.open(port);
  await c.openChannel(1);
  c.write(encodeMethodFrame(1, 'basic.publish', { exchange: '', routingKey: 'q', immediate: true }));
  c.write(hdr(1, 0));
  await dump('immediate', c);
  c = await RawAmqp.open(port);
  await c.openChannel(1);
  c.write(encodeMethodFrame(0, 'basic.qos', { prefetchCount: 1 }));
  await dump('chan0-method', c);
  c = await RawAmqp.open(port);
  await c.openChannel(1);
  c.write(encodeMethodFrame(1, 'basic.recover', { requeue: false }));
  await dump('recover-false', c);
  c = await RawAmqp.open(port);
  await c.openChannel(1);
  c.write(encodeMethodFrame(1, 'exchange.declare', { exchange: 'x-unk', type: 'bogus' }));
  await dump('bad-type', c);
  c = await RawAmqp.open(port);
  await c.openChannel(1);
  c.write(encodeMethodFrame(1, 'basic.consume', { queue: 'amq.nope', consumerTag: 't' }));
  await dump('consume-missing', c);
  c = await RawAmqp.open(port);
  await c.openChannel(1);
  c.write(frame(9, 1, Buffer.alloc(0)));
  await dump('frame-type-9', c);
}, 120000);
