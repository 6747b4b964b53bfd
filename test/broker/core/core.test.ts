// Socket-free unit tests of the broker core: queue order and requeue position, prefetch
// accounting, publisher confirms, TTL, dead-lettering, content assembly and the one publish
// path (VHost.publish). Each drives the real classes and asserts on what they emitted.
import { describe, expect, test } from 'vitest';
import { ContentAssembler } from '../../../src/broker/content-assembler.js';
import { PUBLISH_REFUSED, PUBLISH_ROUTED } from '../../../src/broker/publish.js';
import { PublisherConfirms } from '../../../src/broker/publisher-confirms.js';
import { encodeContentHeaderPayload } from '../../../src/protocol/index.js';
import { call, declareQueue, message, newChannel, newVhost, publish } from './helpers.js';

const bodies = (entries: { message: { loadBody(): Buffer } }[]) => entries.map((e) => e.message.loadBody().toString());

describe('queue order and requeue position', () => {
  test('basic.get takes messages in publish order', () => {
    const v = newVhost();
    const q = declareQueue(v, 'q');
    for (const b of ['m1', 'm2', 'm3']) q.enqueue(message('q', b), Date.now(), undefined);
    const got = [q.get(true), q.get(true), q.get(true), q.get(true)];
    expect(got.map((e) => e?.message.loadBody().toString())).toEqual(['m1', 'm2', 'm3', undefined]);
  });

  test('a requeued message goes back to its own place, ahead of later ones, marked redelivered', () => {
    const v = newVhost();
    const q = declareQueue(v, 'q');
    for (const b of ['m1', 'm2', 'm3', 'm4']) q.enqueue(message('q', b), Date.now(), undefined);
    const e1 = q.get(false);
    const e2 = q.get(false);
    if (!e1 || !e2) throw new Error('expected two entries');
    // Requeued in reverse order: the queue still restores publish order.
    q.requeue(e2);
    q.requeue(e1);
    const rest = [q.get(true), q.get(true), q.get(true), q.get(true)].filter((e) => e !== undefined);
    expect(bodies(rest)).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(rest.map((e) => e.redelivered)).toEqual([true, true, false, false]);
  });

  test('basic.recover on a channel requeues every unacked delivery in order', () => {
    const { ch, host, vhost } = newChannel();
    declareQueue(vhost, 'q');
    for (const b of ['a', 'b', 'c']) publish(ch, '', 'q', b);
    call(ch, 'basic.consume', { queue: 'q', consumerTag: 'c1' });
    expect(host.of('basic.deliver').map((d) => d.body)).toEqual(['a', 'b', 'c']);
    call(ch, 'basic.recover', { requeue: true });
    const again = host.of('basic.deliver').slice(3);
    expect(again.map((d) => [d.body, d.args['redelivered']])).toEqual([
      ['a', true],
      ['b', true],
      ['c', true],
    ]);
  });
});

describe('prefetch accounting', () => {
  test('per-consumer prefetch holds deliveries until acks free credit', () => {
    const { ch, host, vhost } = newChannel();
    const q = declareQueue(vhost, 'q');
    for (let i = 0; i < 5; i++) publish(ch, '', 'q', `m${i}`);
    call(ch, 'basic.qos', { prefetchCount: 2 });
    call(ch, 'basic.consume', { queue: 'q', consumerTag: 'c1' });
    expect(host.of('basic.deliver').map((d) => d.body)).toEqual(['m0', 'm1']);
    expect(ch.unackedCount).toBe(2);
    expect(q.messageCount).toBe(3);
    call(ch, 'basic.ack', { deliveryTag: 1 });
    expect(host.of('basic.deliver').map((d) => d.body)).toEqual(['m0', 'm1', 'm2']);
    // One multiple-ack frees both remaining credits.
    call(ch, 'basic.ack', { deliveryTag: 3, multiple: true });
    expect(host.of('basic.deliver').map((d) => d.body)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(ch.unackedCount).toBe(2);
  });

  test('global prefetch is shared by the consumers of a channel; basic.get does not use it', () => {
    const { ch, host, vhost } = newChannel();
    declareQueue(vhost, 'q1');
    declareQueue(vhost, 'q2');
    for (let i = 0; i < 3; i++) {
      publish(ch, '', 'q1', `a${i}`);
      publish(ch, '', 'q2', `b${i}`);
    }
    call(ch, 'basic.qos', { prefetchCount: 3, global: true });
    call(ch, 'basic.consume', { queue: 'q1', consumerTag: 'c1' });
    call(ch, 'basic.consume', { queue: 'q2', consumerTag: 'c2' });
    expect(host.of('basic.deliver')).toHaveLength(3);
    expect(ch.globalUnacked()).toBe(3);
    call(ch, 'basic.get', { queue: 'q2' });
    expect(host.of('basic.get-ok')).toHaveLength(1);
    expect(ch.globalUnacked()).toBe(3);
  });

  test('a consumer whose connection cannot write takes nothing until it can', () => {
    const { ch, host, vhost } = newChannel();
    const q = declareQueue(vhost, 'q');
    call(ch, 'basic.consume', { queue: 'q', consumerTag: 'c1', noAck: true });
    host.writable = false;
    publish(ch, '', 'q', 'held');
    expect(host.of('basic.deliver')).toHaveLength(0);
    expect(q.messageCount).toBe(1);
    // The refusal is reported to the connection as starvation, not by canWrite() itself.
    const starved = host.starved;
    expect(starved).toBeGreaterThan(0);
    host.writable = true;
    ch.kickConsumers();
    expect(host.of('basic.deliver').map((d) => d.body)).toEqual(['held']);
    expect(host.starved).toBe(starved);
  });
});

describe('publisher confirms', () => {
  test('acks coalesce into one multiple-ack at flush; a nack goes out at once after the acks before it', () => {
    const sent: [boolean, number, boolean][] = [];
    const hooks: (() => void)[] = [];
    const pc = new PublisherConfirms({
      send: (ok, tag, multiple) => sent.push([ok, tag, multiple]),
      beforeFlush: (fn) => hooks.push(fn),
      isClosing: () => false,
    });
    pc.enabled = true;
    const [s1, s2, s3] = [pc.next(), pc.next(), pc.next()];
    pc.decide(s1, true, undefined);
    pc.decide(s2, true, undefined);
    expect(sent).toEqual([]);
    pc.decide(s3, false, undefined);
    expect(sent).toEqual([
      [true, 2, true],
      [false, 3, false],
    ]);
    for (const h of hooks.splice(0)) h();
    expect(sent).toHaveLength(2);
  });

  test('a channel in confirm mode nacks a publish a reject-publish queue refused and acks the others', () => {
    const { ch, host, vhost } = newChannel();
    declareQueue(vhost, 'full', { 'x-max-length': 1, 'x-overflow': 'reject-publish' });
    call(ch, 'confirm.select');
    publish(ch, '', 'full', 'fits');
    host.flush();
    publish(ch, '', 'full', 'refused');
    publish(ch, '', 'nowhere', 'unroutable');
    host.flush();
    expect([...host.of('basic.ack'), ...host.of('basic.nack')].map((s) => [s.name, s.args['deliveryTag']])).toEqual([
      ['basic.ack', 1],
      ['basic.ack', 3],
      ['basic.nack', 2],
    ]);
  });

  test('an unroutable mandatory publish is returned 312 NO_ROUTE before its confirm', () => {
    const { ch, host } = newChannel();
    call(ch, 'confirm.select');
    publish(ch, '', 'nowhere', 'lost', {}, true);
    host.flush();
    const names = host.sent.map((s) => s.name).filter((n) => n === 'basic.return' || n === 'basic.ack');
    expect(names).toEqual(['basic.return', 'basic.ack']);
    expect(host.of('basic.return')[0]).toMatchObject({ args: { replyCode: 312, replyText: 'NO_ROUTE' }, body: 'lost' });
  });
});

describe('TTL and dead-lettering', () => {
  test('a message past its queue TTL is not delivered and is dead-lettered as expired', () => {
    const v = newVhost();
    const q = declareQueue(v, 'q', {
      'x-message-ttl': 1000,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'dlq',
    });
    const dlq = declareQueue(v, 'dlq');
    // Published 5 s ago: already past the 1 s TTL.
    q.enqueue(message('q', 'old'), Date.now() - 5000, undefined);
    expect(q.get(true)).toBeUndefined();
    const dead = dlq.get(true);
    expect(dead?.message.loadBody().toString()).toBe('old');
    expect(dead?.message.properties.headers?.['x-first-death-reason']).toBe('expired');
    expect(dead?.message.routingKey).toBe('dlq');
  });

  test('a rejected message reaches the dead-letter queue with an x-death entry', () => {
    const { ch, host, vhost } = newChannel();
    declareQueue(vhost, 'work', { 'x-dead-letter-exchange': 'dlx' });
    call(ch, 'exchange.declare', { exchange: 'dlx', type: 'fanout' });
    const dlq = declareQueue(vhost, 'dlq');
    call(ch, 'queue.bind', { queue: 'dlq', exchange: 'dlx', routingKey: '' });
    publish(ch, '', 'work', 'bad');
    call(ch, 'basic.get', { queue: 'work' });
    expect(host.of('basic.get-ok')).toHaveLength(1);
    call(ch, 'basic.reject', { deliveryTag: 1, requeue: false });
    const dead = dlq.get(true);
    const deaths = dead?.message.properties.headers?.['x-death'] as Record<string, unknown>[];
    expect(dead?.message.loadBody().toString()).toBe('bad');
    expect(deaths).toHaveLength(1);
    expect(deaths[0]).toMatchObject({ reason: 'rejected', queue: 'work', exchange: '', 'routing-keys': ['work'] });
  });

  test('an automatic dead-letter cycle drops the message instead of looping', () => {
    const v = newVhost();
    // a expires into b, b expires back into a: the second trip into a would close a cycle.
    const a = declareQueue(v, 'a', {
      'x-message-ttl': 1,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'b',
    });
    // b's TTL is long so the copy cannot expire on its own before the test looks at it (a loaded machine).
    const b = declareQueue(v, 'b', {
      'x-message-ttl': 3_600_000,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'a',
    });
    a.enqueue(message('a', 'loop'), Date.now() - 10, undefined);
    expect(a.get(true)).toBeUndefined();
    expect(b.messageCount).toBe(1);
    const entry = b.get(false);
    if (!entry) throw new Error('expected the dead-lettered copy in b');
    // Expire it in b by hand: back into a would be a fully automatic cycle (rabbit_dead_letter:is_cycle).
    v.deadLetter(b, entry.message, 'expired');
    expect(a.messageCount).toBe(0);
  });
});

describe('content assembly', () => {
  test('a header then body frames make one message; an empty body completes at the header', () => {
    const ca = new ContentAssembler();
    ca.start('x', 'rk', true);
    expect(ca.busy).toBe(true);
    expect(ca.header(encodeContentHeaderPayload(60, 6, { contentType: 'text/plain' }), 1 << 20)).toBeUndefined();
    expect(ca.body(Buffer.from('abc'))).toBeUndefined();
    const done = ca.body(Buffer.from('def'));
    expect(done).toMatchObject({ exchange: 'x', routingKey: 'rk', mandatory: true, bodySize: 6 });
    expect(done?.body.toString()).toBe('abcdef');
    expect(done?.properties.contentType).toBe('text/plain');
    expect(ca.busy).toBe(false);
    ca.start('', 'q', false);
    expect(ca.header(encodeContentHeaderPayload(60, 0, {}), 1 << 20)?.bodySize).toBe(0);
  });

  test('a method arriving mid-content is an error, and an oversized body is refused at the header', () => {
    const ca = new ContentAssembler();
    ca.start('', 'q', false);
    expect(ca.interrupted()).toBeInstanceOf(Error);
    expect(() => ca.header(encodeContentHeaderPayload(60, 2048, {}), 1024)).toThrow(/larger than configured max size/);
  });
});

describe('VHost.publish, the one publish path', () => {
  test('routes the key and CC/BCC keys once each, follows e2e bindings and the alternate exchange', () => {
    const { ch, vhost } = newChannel();
    for (const q of ['q1', 'q2', 'q3', 'q4']) declareQueue(vhost, q);
    call(ch, 'exchange.declare', { exchange: 'ae', type: 'fanout' });
    call(ch, 'exchange.declare', { exchange: 'x', type: 'direct', arguments: { 'alternate-exchange': 'ae' } });
    call(ch, 'queue.bind', { queue: 'q1', exchange: 'x', routingKey: 'k1' });
    call(ch, 'queue.bind', { queue: 'q2', exchange: 'x', routingKey: 'k2' });
    call(ch, 'queue.bind', { queue: 'q4', exchange: 'ae', routingKey: '' });
    const x = vhost.exchange('x');
    const m = message('k1', 'hello', { headers: { CC: ['k2', 'k1'] } }, 'x');
    expect(vhost.publish(x, m, ['k2', 'k1'], undefined)).toBe(PUBLISH_ROUTED);
    expect([...['q1', 'q2', 'q3', 'q4']].map((n) => vhost.queues.get(n)?.messageCount)).toEqual([1, 1, 0, 0]);
    // Nothing matches: the alternate exchange takes it.
    expect(vhost.publish(x, message('none', 'alt', {}, 'x'), undefined, undefined)).toBe(PUBLISH_ROUTED);
    expect(vhost.queues.get('q4')?.messageCount).toBe(1);
    expect(x.stats).toEqual({ publishIn: 2, publishOut: 2 });
  });

  test('reports unroutable as 0 and a refusing queue with PUBLISH_REFUSED', () => {
    const v = newVhost();
    declareQueue(v, 'one', { 'x-max-length': 1, 'x-overflow': 'reject-publish' });
    const dflt = v.exchange('');
    expect(v.publish(dflt, message('nowhere', 'x'), undefined, undefined)).toBe(0);
    expect(v.publish(dflt, message('one', 'a'), undefined, undefined)).toBe(PUBLISH_ROUTED);
    expect(v.publish(dflt, message('one', 'b'), undefined, undefined)).toBe(PUBLISH_REFUSED);
  });

  test('BCC is stripped before the message reaches any queue; CC stays', () => {
    const { ch, vhost } = newChannel();
    for (const q of ['to', 'cc', 'bcc']) declareQueue(vhost, q);
    publish(ch, '', 'to', 'sel', { headers: { CC: ['cc'], BCC: ['bcc'] } });
    for (const q of ['to', 'cc', 'bcc']) {
      const e = vhost.queues.get(q)?.get(true);
      expect(e?.message.properties.headers).toEqual({ CC: ['cc'] });
    }
  });

  test('a transaction routes at publish time and enqueues only at commit', () => {
    const { ch, host, vhost } = newChannel();
    const q = declareQueue(vhost, 'q');
    call(ch, 'tx.select');
    publish(ch, '', 'q', 'in-tx');
    publish(ch, '', 'nowhere', 'returned', {}, true);
    expect(q.messageCount).toBe(0);
    expect(host.of('basic.return')).toHaveLength(0);
    call(ch, 'tx.commit');
    expect(q.messageCount).toBe(1);
    expect(host.of('basic.return').map((s) => s.body)).toEqual(['returned']);
    expect(host.of('tx.commit-ok')).toHaveLength(1);
  });
});
