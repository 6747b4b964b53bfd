// The broker core without sockets: a real VHost (in-memory store) and real Channels, driven by
// calling their methods. The only stand-in is the connection under a channel (ChannelHost), which
// records what the channel would have written to the socket.

import { AccessControl } from '../../../src/broker/auth/access-control.js';
import { ResourceGuard } from '../../../src/broker/auth/resource-guard.js';
import { Channel } from '../../../src/broker/channel.js';
import type { ChannelHost } from '../../../src/broker/channel-host.js';
import { DirectReplyRegistry } from '../../../src/broker/direct-reply-to.js';
import { DEFAULT_OPTIONS } from '../../../src/broker/options.js';
import { MemoryStore } from '../../../src/broker/store/memory-store.js';
import { StoredMessage } from '../../../src/broker/stored-message.js';
import { VHost } from '../../../src/broker/vhost.js';
import type { BasicProperties, FieldTable, Method, MethodArgs } from '../../../src/protocol/index.js';
import { encodeContentHeaderPayload } from '../../../src/protocol/index.js';

export interface Sent {
  name: string;
  args: Record<string, unknown>;
  /** Body of the message for basic.deliver, basic.get-ok and basic.return. */
  body?: string;
}

export function newVhost(): VHost {
  return new VHost('/', { store: new MemoryStore(), stats: { publish: 0 }, accountBytes: () => {} });
}

/** A connection stand-in that records what a channel sends; flush hooks run on flush(). */
export class RecordingHost implements ChannelHost {
  readonly name = 'test-connection';
  readonly broker = {
    options: DEFAULT_OPTIONS,
    stats: { publish: 0, confirm: 0 },
    directReply: new DirectReplyRegistry(),
    access: new AccessControl(),
  };
  /** Authorization off: these tests exercise the channel, not the access model (test/broker/auth). */
  readonly guard = new ResourceGuard(undefined, 'guest', '/');
  readonly capabilities = { consumerCancelNotify: true };
  readonly sent: Sent[] = [];
  writable = true;
  /** markStarved() calls: consumers refused because the connection could not write. */
  starved = 0;
  private hooks: (() => void)[] = [];
  private lastContent: Sent | undefined;

  constructor(readonly vhost: VHost) {}

  canWrite(): boolean {
    return this.writable;
  }
  markStarved(): void {
    this.starved++;
  }
  sendMethod<N extends keyof MethodArgs>(_channel: number, name: N, args: Partial<MethodArgs[N]>): void {
    const s: Sent = { name, args: { ...(args as Record<string, unknown>) } };
    this.sent.push(s);
    if (name === 'basic.get-ok' || name === 'basic.return') this.lastContent = s;
  }
  sendDelivery(
    _channel: number,
    consumerTag: string,
    deliveryTag: number,
    redelivered: boolean,
    m: StoredMessage,
  ): void {
    this.sent.push({
      name: 'basic.deliver',
      args: { consumerTag, deliveryTag, redelivered, routingKey: m.routingKey },
      body: m.loadBody().toString(),
    });
  }
  sendContent(_channel: number, m: StoredMessage): void {
    if (this.lastContent) this.lastContent.body = m.loadBody().toString();
  }
  beforeFlush(fn: () => void): void {
    this.hooks.push(fn);
  }
  published(): void {}
  closeChannelWith(): void {
    throw new Error('channel closed by the broker');
  }
  /** What the connection's flush would run before writing. */
  flush(): void {
    const hooks = this.hooks.splice(0);
    for (const h of hooks) h();
  }
  /** Sent methods of that name, in order. */
  of(name: string): Sent[] {
    return this.sent.filter((s) => s.name === name);
  }
}

export function newChannel(vhost = newVhost()): { ch: Channel; host: RecordingHost; vhost: VHost } {
  const host = new RecordingHost(vhost);
  return { ch: new Channel(host, 1), host, vhost };
}

const METHOD_IDS: Record<string, [number, number]> = {
  'queue.declare': [50, 10],
  'queue.bind': [50, 20],
  'exchange.declare': [40, 10],
  'basic.qos': [60, 10],
  'basic.consume': [60, 20],
  'basic.publish': [60, 40],
  'basic.get': [60, 70],
  'basic.ack': [60, 80],
  'basic.reject': [60, 90],
  'basic.nack': [60, 120],
  'basic.recover': [60, 110],
  'confirm.select': [85, 10],
  'tx.select': [90, 10],
  'tx.commit': [90, 20],
};

/** Calls channel.handleMethod the way the connection does, with the spec defaults filled in. */
export function call<N extends keyof MethodArgs>(ch: Channel, name: N, args: Partial<MethodArgs[N]> = {}): void {
  const ids = METHOD_IDS[name];
  if (ids === undefined) throw new Error(`add ${name} to METHOD_IDS`);
  const defaults: Record<string, unknown> = {
    queue: '',
    exchange: '',
    routingKey: '',
    consumerTag: '',
    arguments: {},
    nowait: false,
    noAck: false,
    exclusive: false,
    durable: false,
    autoDelete: false,
    passive: false,
    internal: false,
    mandatory: false,
    immediate: false,
    multiple: false,
    requeue: true,
    global: false,
    prefetchSize: 0,
    prefetchCount: 0,
    noLocal: false,
    type: 'direct',
  };
  const m = { name, classId: ids[0], methodId: ids[1], args: { ...defaults, ...args } } as unknown as Method;
  ch.handleMethod(m);
}

/** basic.publish + content header + one body frame through the channel. */
export function publish(
  ch: Channel,
  exchange: string,
  routingKey: string,
  body: string,
  properties: BasicProperties = {},
  mandatory = false,
): void {
  call(ch, 'basic.publish', { exchange, routingKey, mandatory });
  const bytes = Buffer.from(body);
  ch.handleHeader(encodeContentHeaderPayload(60, bytes.length, properties));
  if (bytes.length > 0) ch.handleBody(bytes);
}

/** A message as a channel would build it. */
export function message(
  routingKey: string,
  body: string,
  properties: BasicProperties = {},
  exchange = '',
): StoredMessage {
  const bytes = Buffer.from(body);
  return new StoredMessage(
    exchange,
    routingKey,
    properties,
    encodeContentHeaderPayload(60, bytes.length, properties),
    bytes,
    Date.now(),
  );
}

export function declareQueue(vhost: VHost, name: string, args: FieldTable = {}) {
  return vhost.declareQueue({ name, passive: false, durable: false, exclusive: false, autoDelete: false, args }, {});
}
