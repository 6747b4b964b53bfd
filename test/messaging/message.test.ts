import { describe, expect, test } from 'vitest';
import {
  DecodeError,
  decodeContent,
  EncodeError,
  encodeContent,
  inferContentType,
  Message,
  Typed,
} from '../../src/index.js';
import { decodeFieldArray, decodeFieldTable } from '../../src/protocol/field-table.js';

describe('content codec', () => {
  test('infers content types as qpid-python does', () => {
    expect(inferContentType('x')).toBe('text/plain');
    expect(inferContentType({ a: 1 })).toBe('amqp/map');
    expect(inferContentType([1])).toBe('amqp/list');
    expect(inferContentType(Buffer.from('x'))).toBeUndefined();
    expect(inferContentType(null)).toBeUndefined();
  });

  test('amqp/map is a plain AMQP 0-9-1 field table any client can decode', () => {
    const map = { s: 'text', i: 42, f: 1.5, b: true, n: null, nested: { x: [1, 'two'] } };
    const body = encodeContent(map, 'amqp/map');
    expect(decodeFieldTable(body, 0).value).toEqual(map);
    expect(decodeContent(body, 'amqp/map')).toEqual(map);
  });

  test('amqp/list is a field array', () => {
    const list = [1, 'a', false, { k: 'v' }];
    const body = encodeContent(list, 'amqp/list');
    expect(decodeFieldArray(body, 0).value).toEqual(list);
    expect(decodeContent(body, 'amqp/list')).toEqual(list);
  });

  test('typed values keep their wire type through a round trip', () => {
    const map = { u8: new Typed('uint8', 7), i64: new Typed('int64', 1n << 40n) };
    const back = decodeContent(encodeContent(map, 'amqp/map'), 'amqp/map') as Record<string, Typed>;
    expect(back['u8']).toEqual(new Typed('uint8', 7));
    expect(back['i64']?.type).toBe('int64');
  });

  test('text, JSON and bytes', () => {
    expect(decodeContent(encodeContent('héllo', 'text/plain'), 'text/plain; charset=utf8')).toBe('héllo');
    expect(decodeContent(encodeContent({ a: [1] }, 'application/json'), 'application/json')).toEqual({ a: [1] });
    // Bytes with a JSON content type are already JSON: sent as they are.
    expect(encodeContent(Buffer.from('{"a": 1}'), 'application/json').toString()).toBe('{"a": 1}');
    const bytes = Buffer.from([0, 255, 1]);
    expect(decodeContent(encodeContent(bytes, undefined), undefined)).toEqual(bytes);
    expect(decodeContent(Buffer.from('x'), 'application/octet-stream')).toEqual(Buffer.from('x'));
  });

  test('mismatches raise EncodeError / DecodeError', () => {
    expect(() => encodeContent('text', 'amqp/map')).not.toThrow(); // strings are always bytes of text
    expect(() => encodeContent(42 as unknown, 'amqp/map')).toThrow(EncodeError);
    expect(() => encodeContent({ a: 1 }, 'amqp/list')).toThrow(EncodeError);
    expect(() => decodeContent(Buffer.from([0, 0, 0, 9, 1]), 'amqp/map')).toThrow(DecodeError);
    expect(() => decodeContent(Buffer.from('{'), 'application/json')).toThrow(DecodeError);
  });
});

describe('Message', () => {
  test('constructor takes an init object or bare content', () => {
    expect(new Message('hi').content).toBe('hi');
    expect(new Message('hi').contentType).toBe('text/plain');
    expect(new Message([1, 2]).contentType).toBe('amqp/list');
    const m = new Message({ content: { a: 1 }, subject: 's', ttl: 1.5, durable: true });
    expect(m.contentType).toBe('amqp/map');
    expect(m.properties).toEqual({});
    expect(m.redelivered).toBe(false);
  });

  test('toString matches qpid-python repr', () => {
    expect(String(new Message('hello'))).toBe("Message('hello')");
    expect(String(new Message({ content: 'hello', properties: { 'spout-id': 'abc:0' } }))).toBe(
      "Message(properties={'spout-id': 'abc:0'}, content='hello')",
    );
    const m = new Message({
      id: 'i1',
      subject: 'news',
      replyTo: 'r',
      correlationId: 'c',
      priority: 4,
      ttl: 2.5,
      durable: true,
      content: { k: [1, true, null] },
    });
    m.redelivered = true;
    expect(String(m)).toBe(
      "Message(id='i1', subject='news', reply_to='r', correlation_id='c', priority=4, ttl=2.5, durable=True, " +
        "redelivered=True, content={'k': [1, True, None]})",
    );
    expect(String(new Message({ content: "it's", contentType: 'text/x' }))).toBe(
      `Message(content_type='text/x', content="it's")`,
    );
    expect(String(new Message())).toBe('Message()');
  });
});
