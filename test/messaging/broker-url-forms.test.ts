/**
 * Every broker-URL form either entry point accepts, through both: `parseUrl` (the messaging API's
 * Connection, spout/drain) and `parseBrokerUrl` (the admin tools' `-b`), which is the same parser with
 * the admin defaults (guest/guest, vhost "/", the first broker of a list). Each row: the input, what
 * parseUrl returns, what parseBrokerUrl returns; `error` names the error class and its message.
 */
import { describe, expect, test } from 'vitest';
import { parseBrokerUrl } from '../../src/admin/index.js';
import { parseUrl } from '../../src/index.js';

type Outcome = unknown;
const FORMS: [string, Outcome, Outcome][] = [
  [
    // A later entry with its own scheme and credentials: the scheme is not a user name.
    '127.0.0.1:1,amqp://u:p@h2:5673',
    [
      { protocol: 'amqp', hostname: '127.0.0.1', port: 1 },
      { protocol: 'amqp', hostname: 'h2', port: 5673, username: 'u', password: 'p' },
    ],
    { host: '127.0.0.1', port: 1, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    'h1,amqps://h2',
    [
      { protocol: 'amqp', hostname: 'h1', port: 5672 },
      { protocol: 'amqps', hostname: 'h2', port: 5671 },
    ],
    { host: 'h1', port: 5672, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    'localhost',
    [{ protocol: 'amqp', hostname: 'localhost', port: 5672 }],
    { host: 'localhost', port: 5672, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    'broker.example',
    [{ protocol: 'amqp', hostname: 'broker.example', port: 5672 }],
    { host: 'broker.example', port: 5672, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    'broker:5800',
    [{ protocol: 'amqp', hostname: 'broker', port: 5800 }],
    { host: 'broker', port: 5800, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    '10.0.0.1:5673',
    [{ protocol: 'amqp', hostname: '10.0.0.1', port: 5673 }],
    { host: '10.0.0.1', port: 5673, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    ':5999',
    [{ protocol: 'amqp', hostname: 'localhost', port: 5999 }],
    { host: 'localhost', port: 5999, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    'bob/secret@host:1234',
    [{ protocol: 'amqp', hostname: 'host', port: 1234, username: 'bob', password: 'secret' }],
    { host: 'host', port: 1234, username: 'bob', password: 'secret', vhost: '/', tls: false },
  ],
  [
    'bob:secret@host:1234',
    [{ protocol: 'amqp', hostname: 'host', port: 1234, username: 'bob', password: 'secret' }],
    { host: 'host', port: 1234, username: 'bob', password: 'secret', vhost: '/', tls: false },
  ],
  [
    'bob:sec/ret@host',
    [{ protocol: 'amqp', hostname: 'host', port: 5672, username: 'bob', password: 'sec/ret' }],
    { host: 'host', port: 5672, username: 'bob', password: 'sec/ret', vhost: '/', tls: false },
  ],
  [
    'bob/p@ss@host',
    [{ protocol: 'amqp', hostname: 'host', port: 5672, username: 'bob', password: 'p@ss' }],
    { host: 'host', port: 5672, username: 'bob', password: 'p@ss', vhost: '/', tls: false },
  ],
  [
    'bob@host',
    [{ protocol: 'amqp', hostname: 'host', port: 5672, username: 'bob' }],
    { host: 'host', port: 5672, username: 'bob', password: '', vhost: '/', tls: false },
  ],
  [
    '[::1]:5999',
    [{ protocol: 'amqp', hostname: '::1', port: 5999 }],
    { host: '::1', port: 5999, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    '[::1]',
    [{ protocol: 'amqp', hostname: '::1', port: 5672 }],
    { host: '::1', port: 5672, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    '::1',
    [{ protocol: 'amqp', hostname: '::1', port: 5672 }],
    { host: '::1', port: 5672, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    'amqp://h',
    [{ protocol: 'amqp', hostname: 'h', port: 5672 }],
    { host: 'h', port: 5672, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    'amqp://u:p@h:1/',
    [{ protocol: 'amqp', hostname: 'h', port: 1, username: 'u', password: 'p' }],
    { host: 'h', port: 1, username: 'u', password: 'p', vhost: '/', tls: false },
  ],
  [
    'amqp://u:p%40x@h/%2F',
    [{ protocol: 'amqp', hostname: 'h', port: 5672, username: 'u', password: 'p@x', vhost: '/' }],
    { host: 'h', port: 5672, username: 'u', password: 'p@x', vhost: '/', tls: false },
  ],
  [
    'amqp://h/staging',
    [{ protocol: 'amqp', hostname: 'h', port: 5672, vhost: 'staging' }],
    { host: 'h', port: 5672, username: 'guest', password: 'guest', vhost: 'staging', tls: false },
  ],
  [
    'amqps://h',
    [{ protocol: 'amqps', hostname: 'h', port: 5671 }],
    { host: 'h', port: 5671, username: 'guest', password: 'guest', vhost: '/', tls: true },
  ],
  [
    'amqps://u:p@h:5999/v',
    [{ protocol: 'amqps', hostname: 'h', port: 5999, username: 'u', password: 'p', vhost: 'v' }],
    { host: 'h', port: 5999, username: 'u', password: 'p', vhost: 'v', tls: true },
  ],
  [
    'AMQP://u@h',
    [{ protocol: 'amqp', hostname: 'h', port: 5672, username: 'u' }],
    { host: 'h', port: 5672, username: 'u', password: '', vhost: '/', tls: false },
  ],
  [
    'amqp://[::1]:7000',
    [{ protocol: 'amqp', hostname: '::1', port: 7000 }],
    { host: '::1', port: 7000, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    'amqp://u%40x:p%3Aw@h:1234/v%2Fh',
    [{ protocol: 'amqp', hostname: 'h', port: 1234, username: 'u@x', password: 'p:w', vhost: 'v/h' }],
    { host: 'h', port: 1234, username: 'u@x', password: 'p:w', vhost: 'v/h', tls: false },
  ],
  [
    'amqp://guest/guest@10.66.93.193:5672',
    [{ protocol: 'amqp', hostname: '10.66.93.193', port: 5672, username: 'guest', password: 'guest' }],
    { host: '10.66.93.193', port: 5672, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    'amqp://h?heartbeat=5',
    [{ protocol: 'amqp', hostname: 'h', port: 5672 }],
    { host: 'h', port: 5672, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    'amqp://u@h:5/',
    [{ protocol: 'amqp', hostname: 'h', port: 5, username: 'u' }],
    { host: 'h', port: 5, username: 'u', password: '', vhost: '/', tls: false },
  ],
  [
    'amqp://:p@h',
    { error: 'ConnectionError', message: 'invalid broker URL amqp://:p@h: empty user name' },
    { error: 'BrokerUrlError', message: 'invalid broker URL amqp://:p@h: empty user name' },
  ],
  [
    'amqp:tcp:h1:5672,tcp:h2:5800',
    [
      { protocol: 'amqp', hostname: 'h1', port: 5672 },
      { protocol: 'amqp', hostname: 'h2', port: 5800 },
    ],
    { host: 'h1', port: 5672, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    'ssl:h:5671',
    [{ protocol: 'amqps', hostname: 'h', port: 5671 }],
    { host: 'h', port: 5671, username: 'guest', password: 'guest', vhost: '/', tls: true },
  ],
  [
    'tcp:h:5800',
    [{ protocol: 'amqp', hostname: 'h', port: 5800 }],
    { host: 'h', port: 5800, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    'amqp:ssl:h',
    [{ protocol: 'amqps', hostname: 'h', port: 5671 }],
    { host: 'h', port: 5671, username: 'guest', password: 'guest', vhost: '/', tls: true },
  ],
  [
    'amqp://u:p@h1:5672,h2:5673/vh',
    [
      { protocol: 'amqp', hostname: 'h1', port: 5672, username: 'u', password: 'p', vhost: 'vh' },
      { protocol: 'amqp', hostname: 'h2', port: 5673, username: 'u', password: 'p', vhost: 'vh' },
    ],
    { host: 'h1', port: 5672, username: 'u', password: 'p', vhost: 'vh', tls: false },
  ],
  [
    'amqp://a:b@h1,c:d@h2/',
    [
      { protocol: 'amqp', hostname: 'h1', port: 5672, username: 'a', password: 'b' },
      { protocol: 'amqp', hostname: 'h2', port: 5672, username: 'c', password: 'd' },
    ],
    { host: 'h1', port: 5672, username: 'a', password: 'b', vhost: '/', tls: false },
  ],
  [
    'h1,h2:5673',
    [
      { protocol: 'amqp', hostname: 'h1', port: 5672 },
      { protocol: 'amqp', hostname: 'h2', port: 5673 },
    ],
    { host: 'h1', port: 5672, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    'rabbit://u1:p1@h1:5672,u2:p2@h2:5673/vh',
    [
      { protocol: 'amqp', hostname: 'h1', port: 5672, username: 'u1', password: 'p1', vhost: 'vh' },
      { protocol: 'amqp', hostname: 'h2', port: 5673, username: 'u2', password: 'p2', vhost: 'vh' },
    ],
    { host: 'h1', port: 5672, username: 'u1', password: 'p1', vhost: 'vh', tls: false },
  ],
  [
    'rabbit://127.0.0.1:5672/',
    [{ protocol: 'amqp', hostname: '127.0.0.1', port: 5672 }],
    { host: '127.0.0.1', port: 5672, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    'rabbit://u:p@h:5673/',
    [{ protocol: 'amqp', hostname: 'h', port: 5673, username: 'u', password: 'p' }],
    { host: 'h', port: 5673, username: 'u', password: 'p', vhost: '/', tls: false },
  ],
  [
    'kombu://guest:guest@h',
    [{ protocol: 'amqp', hostname: 'h', port: 5672, username: 'guest', password: 'guest' }],
    { host: 'h', port: 5672, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    'rabbit:5673',
    [{ protocol: 'amqp', hostname: 'rabbit', port: 5673 }],
    { host: 'rabbit', port: 5673, username: 'guest', password: 'guest', vhost: '/', tls: false },
  ],
  [
    '',
    { error: 'ConnectionError', message: 'empty broker URL' },
    { error: 'BrokerUrlError', message: 'empty broker URL' },
  ],
  [
    '  ',
    { error: 'ConnectionError', message: 'empty broker URL' },
    { error: 'BrokerUrlError', message: 'empty broker URL' },
  ],
  [
    'http://h',
    {
      error: 'ConnectionError',
      message: "unsupported scheme 'http' in broker URL http://h (amqp://, amqps:// or rabbit://)",
    },
    {
      error: 'BrokerUrlError',
      message: "unsupported scheme 'http' in broker URL http://h (amqp://, amqps:// or rabbit://)",
    },
  ],
  [
    'h:port',
    { error: 'ConnectionError', message: 'invalid broker URL h:port: bad port port' },
    { error: 'BrokerUrlError', message: 'invalid broker URL h:port: bad port port' },
  ],
  [
    'h:70000',
    { error: 'ConnectionError', message: 'invalid broker URL h:70000: bad port 70000' },
    { error: 'BrokerUrlError', message: 'invalid broker URL h:70000: bad port 70000' },
  ],
  [
    'u:p@',
    { error: 'ConnectionError', message: "invalid broker URL u:p@: no host after '@'" },
    { error: 'BrokerUrlError', message: "invalid broker URL u:p@: no host after '@'" },
  ],
  [
    '/p@h',
    { error: 'ConnectionError', message: 'invalid broker URL /p@h: empty user name' },
    { error: 'BrokerUrlError', message: 'invalid broker URL /p@h: empty user name' },
  ],
  [
    '@h',
    { error: 'ConnectionError', message: 'invalid broker URL @h: empty user name' },
    { error: 'BrokerUrlError', message: 'invalid broker URL @h: empty user name' },
  ],
  [
    '[::1',
    { error: 'ConnectionError', message: "invalid broker URL [::1: unclosed '['" },
    { error: 'BrokerUrlError', message: "invalid broker URL [::1: unclosed '['" },
  ],
  [
    '[::1]x',
    { error: 'ConnectionError', message: 'invalid broker URL [::1]x: unexpected x' },
    { error: 'BrokerUrlError', message: 'invalid broker URL [::1]x: unexpected x' },
  ],
  [
    'amqp://u:p@h:99999',
    { error: 'ConnectionError', message: 'invalid broker URL amqp://u:p@h:99999: bad port 99999' },
    { error: 'BrokerUrlError', message: 'invalid broker URL amqp://u:p@h:99999: bad port 99999' },
  ],
  [
    'amqp://%zz@h',
    { error: 'ConnectionError', message: 'invalid broker URL amqp://%zz@h: bad percent-encoding in %zz' },
    { error: 'BrokerUrlError', message: 'invalid broker URL amqp://%zz@h: bad percent-encoding in %zz' },
  ],
  [
    'amqp://h/%zz',
    { error: 'ConnectionError', message: 'invalid broker URL amqp://h/%zz: bad percent-encoding in %zz' },
    { error: 'BrokerUrlError', message: 'invalid broker URL amqp://h/%zz: bad percent-encoding in %zz' },
  ],
];

function outcome(f: () => unknown): Outcome {
  try {
    return f();
  } catch (e) {
    return { error: (e as Error).name, message: (e as Error).message };
  }
}

describe('one broker-URL parser: every form through both entry points', () => {
  test.each(FORMS)('%j', (input, messaging, admin) => {
    expect(outcome(() => parseUrl(input))).toEqual(messaging);
    expect(outcome(() => parseBrokerUrl(input))).toEqual(admin);
  });
});
