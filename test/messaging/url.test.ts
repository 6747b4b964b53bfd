import { describe, expect, test } from 'vitest';
import { ConnectionError, formatUrl, parseUrl } from '../../src/index.js';
import { attempts, reconnectPolicy } from '../../src/messaging/reconnect.js';

describe('parseUrl', () => {
  test.each([
    ['localhost', [{ protocol: 'amqp', hostname: 'localhost', port: 5672 }]],
    ['broker:5800', [{ protocol: 'amqp', hostname: 'broker', port: 5800 }]],
    ['[::1]:5673', [{ protocol: 'amqp', hostname: '::1', port: 5673 }]],
    [
      'amqp://u%40x:p%3Aw@h:1234/v%2Fh',
      [{ protocol: 'amqp', hostname: 'h', port: 1234, username: 'u@x', password: 'p:w', vhost: 'v/h' }],
    ],
    ['amqps://h', [{ protocol: 'amqps', hostname: 'h', port: 5671 }]],
    ['guest/secret@h:5672', [{ protocol: 'amqp', hostname: 'h', port: 5672, username: 'guest', password: 'secret' }]],
    [
      'amqp://guest/guest@10.66.93.193:5672',
      [{ protocol: 'amqp', hostname: '10.66.93.193', port: 5672, username: 'guest', password: 'guest' }],
    ],
    [
      'amqp:tcp:h1:5672,tcp:h2:5800',
      [
        { protocol: 'amqp', hostname: 'h1', port: 5672 },
        { protocol: 'amqp', hostname: 'h2', port: 5800 },
      ],
    ],
    ['ssl:h:5671', [{ protocol: 'amqps', hostname: 'h', port: 5671 }]],
    [
      'amqp://u:p@h1:5672,h2:5673/vh',
      [
        { protocol: 'amqp', hostname: 'h1', port: 5672, username: 'u', password: 'p', vhost: 'vh' },
        { protocol: 'amqp', hostname: 'h2', port: 5673, username: 'u', password: 'p', vhost: 'vh' },
      ],
    ],
    [
      'amqp://a:b@h1,c:d@h2/',
      [
        { protocol: 'amqp', hostname: 'h1', port: 5672, username: 'a', password: 'b' },
        { protocol: 'amqp', hostname: 'h2', port: 5672, username: 'c', password: 'd' },
      ],
    ],
    ['amqp://h?heartbeat=5', [{ protocol: 'amqp', hostname: 'h', port: 5672 }]],
    // oslo.messaging transport URLs (seed 004): per-host credentials, the vhost after the last host.
    [
      'rabbit://u1:p1@h1:5672,u2:p2@h2:5673/vh',
      [
        { protocol: 'amqp', hostname: 'h1', port: 5672, username: 'u1', password: 'p1', vhost: 'vh' },
        { protocol: 'amqp', hostname: 'h2', port: 5673, username: 'u2', password: 'p2', vhost: 'vh' },
      ],
    ],
    ['rabbit://127.0.0.1:5672/', [{ protocol: 'amqp', hostname: '127.0.0.1', port: 5672 }]],
    ['kombu://guest:guest@h', [{ protocol: 'amqp', hostname: 'h', port: 5672, username: 'guest', password: 'guest' }]],
    ['rabbit:5673', [{ protocol: 'amqp', hostname: 'rabbit', port: 5673 }]],
  ])('%s', (text, expected) => {
    expect(parseUrl(text)).toEqual(expected);
  });

  test('rejects bad input', () => {
    expect(() => parseUrl('')).toThrow(ConnectionError);
    expect(() => parseUrl('h:port')).toThrow(/bad port/);
    expect(() => parseUrl('[::1')).toThrow(/unclosed/);
  });

  test('formatUrl masks the password', () => {
    expect(formatUrl(parseUrl('amqp://u:p@h:1/v')[0]!)).toBe('amqp://u:***@h:1/v');
  });
});

describe('reconnect policy', () => {
  test('hosts in order, no delay within a pass, doubling delay between passes, limited passes', () => {
    const policy = reconnectPolicy({
      reconnect: true,
      reconnectIntervalMin: 1,
      reconnectIntervalMax: 3,
      reconnectLimit: 4,
    });
    const seq = [...attempts(['a', 'b'], policy)].map((a) => `${a.target}${a.delay}`);
    expect(seq).toEqual(['a0', 'b0', 'a1', 'b0', 'a2', 'b0', 'a3', 'b0']);
  });

  test('reconnectInterval sets min and max; limit <= 0 is unlimited', () => {
    const p = reconnectPolicy({ reconnectInterval: 2, reconnectLimit: 0 });
    expect(p).toMatchObject({ enabled: false, intervalMin: 2, intervalMax: 2, limit: undefined });
  });
});
