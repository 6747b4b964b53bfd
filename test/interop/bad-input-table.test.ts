/**
 * Table-driven bad input: one row per rule of AMQP 0-9-1 and of RabbitMQ
 * 3.10's rabbit_reader / rabbit_command_assembler / rabbit_channel checks,
 * each with the exact outcome — level (connection close, channel close,
 * socket dropped without a close, or accepted), reply code, class/method id
 * and reply text. Every row runs against the bundled broker and against
 * RabbitMQ; where RabbitMQ answers differently the row says how (its own
 * `rabbitmq` outcome) and why, so a difference is a checked fact, not a gap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMethodFrame, FrameType, PROTOCOL_HEADER } from '../../src/protocol/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { rabbitmqUrl } from '../helpers/rabbitmq.js';
import { RawAmqp } from '../helpers/raw-amqp.js';

type Outcome =
  | { level: 'connection' | 'channel'; code: number; classId: number; methodId: number; text: string | RegExp }
  | { level: 'dropped' }
  | { level: 'accepted' };

interface Row {
  rule: string;
  /** Performs the bad input; resolves to the channel whose close is expected (0: the connection). */
  act(port: number): Promise<{ c: RawAmqp; channel: number; okName?: string }>;
  expected: Outcome;
  /** RabbitMQ's own outcome where it differs, with the reason in `why`. */
  rabbitmq?: Outcome & { why: string };
  timeoutMs?: number;
}

/** A content header payload: class 60, the given weight and body size, no properties. */
function header(bodySize: number, weight = 0, classId = 60): Buffer {
  const b = Buffer.alloc(14);
  b.writeUInt16BE(classId, 0);
  b.writeUInt16BE(weight, 2);
  b.writeUInt32BE(0, 4);
  b.writeUInt32BE(bodySize, 8);
  b.writeUInt16BE(0, 12);
  return b;
}

async function opened(port: number, channel = 1, o: { channelMax?: number } = {}): Promise<RawAmqp> {
  const c = await RawAmqp.open(port, o);
  if (channel > 0) await c.openChannel(channel);
  return c;
}

const publish = (c: RawAmqp, ch: number) => c.send(ch, 'basic.publish', { exchange: '', routingKey: 'nowhere' });

/** Up to start: the protocol header sent and connection.start received. */
async function started(port: number): Promise<RawAmqp> {
  const c = await RawAmqp.connect(port);
  c.write(PROTOCOL_HEADER);
  await c.method('connection.start', 0);
  return c;
}

function startOk(c: RawAmqp, pad = 0): void {
  c.send(0, 'connection.start-ok', {
    clientProperties: { product: 'raw-test', pad: 'x'.repeat(pad) },
    mechanism: 'PLAIN',
    response: Buffer.from('\0guest\0guest'),
    locale: 'en_US',
  });
}

const conn = (code: number, classId: number, methodId: number, text: string | RegExp): Outcome => ({
  level: 'connection',
  code,
  classId,
  methodId,
  text,
});
const chan = (code: number, classId: number, methodId: number, text: string | RegExp): Outcome => ({
  level: 'channel',
  code,
  classId,
  methodId,
  text,
});

const rows: Row[] = [
  // ---- frames (AMQP 0-9-1 §4.2.3, rabbit_reader:handle_input) ----
  {
    rule: '§4.2.3: before tune-ok no frame may exceed 4096 octets (start-ok of 5000)',
    act: async (port) => {
      const c = await started(port);
      startOk(c, 5000);
      return { c, channel: 0 };
    },
    expected: conn(501, 0, 0, /^FRAME_ERROR - type 1, .*frame_too_large.*> 4096/),
    rabbitmq: { level: 'dropped', why: 'rabbit_reader drops a handshake-time frame_error after 3 s without a close' },
    timeoutMs: 8000,
  },
  {
    rule: '§4.2.3: before tune-ok no frame may exceed 4096 octets (while tuning)',
    act: async (port) => {
      const c = await started(port);
      startOk(c);
      await c.method('connection.tune', 0);
      c.sendFrame(FrameType.METHOD, 0, Buffer.alloc(4097));
      return { c, channel: 0 };
    },
    expected: conn(501, 0, 0, /^FRAME_ERROR - type 1, .*frame_too_large \(4097 > 4096\)/),
    rabbitmq: { level: 'dropped', why: 'rabbit_reader drops a handshake-time frame_error after 3 s without a close' },
    timeoutMs: 8000,
  },
  {
    rule: 'a frame of exactly 4096 octets before tune-ok is allowed (RabbitMQ FRAME_SIZE_FUDGE)',
    act: async (port) => {
      const c = await started(port);
      const empty = encodeMethodFrame(0, 'connection.start-ok', {
        clientProperties: { product: 'raw-test', pad: '' },
        mechanism: 'PLAIN',
        response: Buffer.from('\0guest\0guest'),
        locale: 'en_US',
      });
      // Each character of the padding property adds one octet to the payload (frame minus its 8 octets).
      startOk(c, 4096 - (empty.length - 8));
      return { c, channel: 0, okName: 'connection.tune' };
    },
    expected: { level: 'accepted' },
  },
  {
    rule: '§4.2.3: a frame larger than the negotiated frame_max',
    act: async (port) => {
      const c = await RawAmqp.open(port, { frameMax: 4096 });
      c.sendFrame(FrameType.METHOD, 0, Buffer.alloc(5000));
      return { c, channel: 0 };
    },
    expected: conn(501, 0, 0, /^FRAME_ERROR - type 1, /),
  },
  {
    rule: '§4.2.3: a frame-end octet other than 0xCE',
    act: async (port) => {
      const c = await opened(port, 0);
      const f = encodeMethodFrame(1, 'channel.open', {});
      f[f.length - 1] = 0;
      c.write(f);
      return { c, channel: 0 };
    },
    expected: conn(501, 0, 0, /^FRAME_ERROR - /),
  },
  {
    rule: '§4.2.3: an unknown frame type',
    act: async (port) => {
      const c = await opened(port, 0);
      c.sendFrame(9, 0, Buffer.alloc(0));
      return { c, channel: 0 };
    },
    expected: conn(501, 0, 0, /^FRAME_ERROR - /),
  },
  {
    rule: '§4.2.7: a heartbeat on a non-zero channel',
    act: async (port) => {
      const c = await opened(port, 1);
      c.sendFrame(FrameType.HEARTBEAT, 1, Buffer.alloc(0));
      return { c, channel: 0 };
    },
    expected: conn(505, 0, 0, /^UNEXPECTED_FRAME - /),
  },
  {
    rule: '§4.2.6: a content frame on channel 0',
    act: async (port) => {
      const c = await opened(port, 0);
      c.sendFrame(FrameType.HEADER, 0, header(1));
      return { c, channel: 0 };
    },
    expected: conn(505, 0, 0, /^UNEXPECTED_FRAME - /),
  },
  // ---- content (§4.2.6, rabbit_command_assembler:process) ----
  {
    rule: '§4.2.6.1: a content header whose weight is not zero',
    act: async (port) => {
      const c = await opened(port, 1);
      publish(c, 1);
      c.sendFrame(FrameType.HEADER, 1, header(1, 7));
      return { c, channel: 0 };
    },
    expected: conn(
      505,
      60,
      40,
      'UNEXPECTED_FRAME - expected content header for class 60, got non content header frame instead',
    ),
  },
  {
    rule: '§4.2.6: a content header with no content method before it',
    act: async (port) => {
      const c = await opened(port, 1);
      c.sendFrame(FrameType.HEADER, 1, header(1));
      return { c, channel: 0 };
    },
    expected: conn(505, 0, 0, 'UNEXPECTED_FRAME - expected method frame, got non method frame instead'),
  },
  {
    rule: '§4.2.6: a body frame where the content header was expected',
    act: async (port) => {
      const c = await opened(port, 1);
      publish(c, 1);
      c.sendFrame(FrameType.BODY, 1, Buffer.from('x'));
      return { c, channel: 0 };
    },
    expected: conn(
      505,
      60,
      40,
      'UNEXPECTED_FRAME - expected content header for class 60, got non content header frame instead',
    ),
  },
  {
    rule: '§4.2.6: a content header for another class than the method',
    act: async (port) => {
      const c = await opened(port, 1);
      publish(c, 1);
      c.sendFrame(FrameType.HEADER, 1, header(1, 0, 50));
      return { c, channel: 0 };
    },
    expected: conn(
      505,
      60,
      40,
      'UNEXPECTED_FRAME - expected content header for class 60, got one for class 50 instead',
    ),
  },
  {
    rule: '§4.2.6: a method frame in the middle of a body',
    act: async (port) => {
      const c = await opened(port, 1);
      publish(c, 1);
      c.sendFrame(FrameType.HEADER, 1, header(10));
      c.sendFrame(FrameType.BODY, 1, Buffer.from('x'));
      c.send(1, 'basic.qos', { prefetchCount: 1 });
      return { c, channel: 0 };
    },
    expected: conn(505, 60, 40, 'UNEXPECTED_FRAME - expected content body, got non content body frame instead'),
  },
  // ---- channels (§2.3.5, rabbit_reader:create_channel, rabbit_channel) ----
  {
    rule: 'connection.tune: channel numbers above the negotiated channel-max are unusable (65535 of 2047)',
    act: async (port) => {
      const c = await opened(port, 0);
      c.send(65535, 'channel.open', {});
      return { c, channel: 0, okName: 'channel.open-ok' };
    },
    expected: conn(504, 20, 10, 'CHANNEL_ERROR - channel number 65535 is above the negotiated channel_max (2047)'),
    rabbitmq: {
      level: 'accepted',
      why: 'rabbit_reader:create_channel limits the count of channels, not their numbers',
    },
  },
  {
    rule: 'connection.tune: a channel number above a channel-max the client lowered in tune-ok',
    act: async (port) => {
      const c = await opened(port, 0, { channelMax: 10 });
      c.send(11, 'channel.open', {});
      return { c, channel: 0, okName: 'channel.open-ok' };
    },
    expected: conn(504, 20, 10, 'CHANNEL_ERROR - channel number 11 is above the negotiated channel_max (10)'),
    rabbitmq: {
      level: 'accepted',
      why: 'rabbit_reader:create_channel limits the count of channels, not their numbers',
    },
  },
  {
    rule: 'the channel numbered channel-max itself is usable',
    act: async (port) => {
      const c = await opened(port, 0, { channelMax: 10 });
      c.send(10, 'channel.open', {});
      return { c, channel: 0, okName: 'channel.open-ok' };
    },
    expected: { level: 'accepted' },
  },
  {
    rule: 'rabbit_reader:create_channel: more open channels than channel_max',
    act: async (port) => {
      const c = await opened(port, 0, { channelMax: 2 });
      await c.openChannel(1);
      await c.openChannel(2);
      c.send(3, 'channel.open', {});
      return { c, channel: 0 };
    },
    expected: conn(530, 0, 0, 'NOT_ALLOWED - number of channels opened (2) has reached the negotiated channel_max (2)'),
  },
  {
    rule: '§2.3.5: a method on a channel that is not open',
    act: async (port) => {
      const c = await opened(port, 0);
      c.send(3, 'basic.qos', { prefetchCount: 1 });
      return { c, channel: 0 };
    },
    expected: conn(504, 60, 10, "CHANNEL_ERROR - expected 'channel.open'"),
  },
  {
    rule: 'rabbit_channel: a second channel.open on an open channel',
    act: async (port) => {
      const c = await opened(port, 1);
      c.send(1, 'channel.open', {});
      return { c, channel: 0 };
    },
    expected: conn(504, 20, 10, "CHANNEL_ERROR - second 'channel.open' seen"),
  },
  {
    rule: 'a method on channel 0 that belongs on a channel',
    act: async (port) => {
      const c = await opened(port, 0);
      c.send(0, 'basic.qos', { prefetchCount: 1 });
      return { c, channel: 0 };
    },
    expected: conn(504, 60, 10, /^CHANNEL_ERROR - /),
  },
  // ---- rabbit_channel method checks ----
  {
    rule: 'rabbit_channel: basic.qos with a prefetch-size (not implemented)',
    act: async (port) => {
      const c = await opened(port, 1);
      c.send(1, 'basic.qos', { prefetchSize: 1 });
      return { c, channel: 0 };
    },
    expected: conn(540, 60, 10, 'NOT_IMPLEMENTED - prefetch_size!=0 (1)'),
  },
  {
    rule: 'rabbit_channel: basic.ack of an unknown delivery tag',
    act: async (port) => {
      const c = await opened(port, 1);
      c.send(1, 'basic.ack', { deliveryTag: 99 });
      return { c, channel: 1 };
    },
    expected: chan(406, 60, 80, 'PRECONDITION_FAILED - unknown delivery tag 99'),
  },
  {
    rule: 'rabbit_channel: tx.commit on a channel that is not transactional',
    act: async (port) => {
      const c = await opened(port, 1);
      c.send(1, 'tx.commit', {});
      return { c, channel: 1 };
    },
    expected: chan(406, 90, 20, 'PRECONDITION_FAILED - channel is not transactional'),
  },
  {
    rule: 'rabbit_channel: confirm.select on a transactional channel',
    act: async (port) => {
      const c = await opened(port, 1);
      c.send(1, 'tx.select', {});
      await c.method('tx.select-ok', 1);
      c.send(1, 'confirm.select', {});
      return { c, channel: 1 };
    },
    expected: chan(406, 85, 10, 'PRECONDITION_FAILED - cannot switch from tx to confirm mode'),
  },
  {
    rule: 'rabbit_channel: tx.select on a channel in confirm mode',
    act: async (port) => {
      const c = await opened(port, 1);
      c.send(1, 'confirm.select', {});
      await c.method('confirm.select-ok', 1);
      c.send(1, 'tx.select', {});
      return { c, channel: 1 };
    },
    expected: chan(406, 90, 10, 'PRECONDITION_FAILED - cannot switch from confirm to tx mode'),
  },
  {
    rule: 'rabbit_channel: exchange.declare with an unknown type',
    act: async (port) => {
      const c = await opened(port, 1);
      c.send(1, 'exchange.declare', { exchange: 'bad-input-x', type: 'nonsense' });
      return { c, channel: 0 };
    },
    expected: conn(503, 40, 10, "COMMAND_INVALID - unknown exchange type 'nonsense'"),
  },
  {
    rule: 'rabbit_channel: exchange.declare of a reserved amq. name',
    act: async (port) => {
      const c = await opened(port, 1);
      c.send(1, 'exchange.declare', { exchange: 'amq.bad-input', type: 'direct' });
      return { c, channel: 1 };
    },
    expected: chan(403, 40, 10, "ACCESS_REFUSED - exchange name 'amq.bad-input' contains reserved prefix 'amq.*'"),
  },
  {
    rule: 'rabbit_channel: basic.consume on a queue that does not exist',
    act: async (port) => {
      const c = await opened(port, 1);
      c.send(1, 'basic.consume', { queue: 'bad-input-missing' });
      return { c, channel: 1 };
    },
    expected: chan(404, 60, 20, "NOT_FOUND - no queue 'bad-input-missing' in vhost '/'"),
  },
  {
    rule: 'rabbit_channel: publishing to an exchange that does not exist',
    act: async (port) => {
      const c = await opened(port, 1);
      c.send(1, 'basic.publish', { exchange: 'bad-input-none', routingKey: '' });
      c.sendFrame(FrameType.HEADER, 1, header(0));
      return { c, channel: 1 };
    },
    expected: chan(404, 60, 40, "NOT_FOUND - no exchange 'bad-input-none' in vhost '/'"),
  },
];

/** Waits for what the broker does about the bad input. */
async function outcome(c: RawAmqp, channel: number, okName: string | undefined, timeoutMs: number): Promise<Outcome> {
  const f = await c
    .next(
      (f) =>
        (f.channel === 0 && f.method?.name === 'connection.close') ||
        (channel !== 0 && f.channel === channel && f.method?.name === 'channel.close') ||
        (okName !== undefined && f.method?.name === okName),
      timeoutMs,
    )
    .catch(() => undefined);
  c.close();
  if (f === undefined) return c.ended ? { level: 'dropped' } : { level: 'accepted' };
  const m = f.method;
  if (m?.name === okName) return { level: 'accepted' };
  if (m?.name === 'connection.close' || m?.name === 'channel.close') {
    return {
      level: m.name === 'connection.close' ? 'connection' : 'channel',
      code: m.args.replyCode,
      classId: m.args.classId,
      methodId: m.args.methodId,
      text: m.args.replyText,
    };
  }
  throw new Error(`unexpected frame ${m?.name}`);
}

function check(got: Outcome, want: Outcome): void {
  if (want.level === 'connection' || want.level === 'channel') {
    const { text, ...rest } = want;
    expect(got).toMatchObject(rest);
    const gotText = (got as { text: string }).text;
    if (text instanceof RegExp) expect(gotText).toMatch(text);
    else expect(gotText).toBe(text);
  } else {
    expect(got).toEqual(want);
  }
}

const portOf = (url: string) => Number(new URL(url).port);

describe('bad input, one row per rule: the bundled broker', () => {
  let tb: TestBroker;
  beforeAll(async () => {
    tb = await startTestBroker();
  });
  afterAll(() => tb.stop());
  for (const row of rows) {
    it(row.rule, async () => {
      const { c, channel, okName } = await row.act(tb.port);
      check(await outcome(c, channel, okName, row.timeoutMs ?? 3000), row.expected);
    }, 15_000);
  }
});

describe.skipIf(rabbitmqUrl === undefined)('bad input, one row per rule: RabbitMQ 3.10', () => {
  for (const row of rows) {
    it(row.rule, async () => {
      const { c, channel, okName } = await row.act(portOf(rabbitmqUrl as string));
      const { why: _why, ...want } = row.rabbitmq ?? { ...row.expected, why: '' };
      check(await outcome(c, channel, okName, row.timeoutMs ?? 3000), want as Outcome);
    }, 15_000);
  }
});
