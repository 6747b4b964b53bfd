import { describe, expect, test } from 'vitest';
import { BrokerUrlError, managementTarget, parseBrokerUrl } from '../../src/admin/broker-url.js';

const D = { username: 'guest', password: 'guest', vhost: '/', tls: false };

describe('parseBrokerUrl: Qpid forms', () => {
  test.each([
    ['localhost', { host: 'localhost', port: 5672, ...D }],
    ['broker.example', { host: 'broker.example', port: 5672, ...D }],
    ['10.0.0.1:5673', { host: '10.0.0.1', port: 5673, ...D }],
    ['bob/secret@host:1234', { ...D, host: 'host', port: 1234, username: 'bob', password: 'secret' }],
    ['bob:secret@host:1234', { ...D, host: 'host', port: 1234, username: 'bob', password: 'secret' }],
    ['bob:sec/ret@host', { ...D, host: 'host', port: 5672, username: 'bob', password: 'sec/ret' }],
    ['bob/p@ss@host', { ...D, host: 'host', port: 5672, username: 'bob', password: 'p@ss' }],
    ['bob@host', { ...D, host: 'host', port: 5672, username: 'bob', password: '' }],
    ['[::1]:5999', { ...D, host: '::1', port: 5999 }],
    ['[::1]', { ...D, host: '::1', port: 5672 }],
    ['::1', { ...D, host: '::1', port: 5672 }],
    [':5999', { ...D, host: 'localhost', port: 5999 }],
  ])('%s', (input, expected) => {
    expect(parseBrokerUrl(input)).toEqual(expected);
  });
});

describe('parseBrokerUrl: URLs', () => {
  test.each([
    ['amqp://h', { ...D, host: 'h', port: 5672 }],
    ['amqp://u:p@h:1/', { ...D, host: 'h', port: 1, username: 'u', password: 'p' }],
    ['amqp://u:p%40x@h/%2F', { ...D, host: 'h', port: 5672, username: 'u', password: 'p@x' }],
    ['amqp://h/staging', { ...D, host: 'h', port: 5672, vhost: 'staging' }],
    ['amqps://h', { ...D, host: 'h', port: 5671, tls: true }],
    ['rabbit://u:p@h:5673/', { ...D, host: 'h', port: 5673, username: 'u', password: 'p' }],
    ['amqp://[::1]:7000', { ...D, host: '::1', port: 7000 }],
    ['AMQP://u@h', { ...D, host: 'h', port: 5672, username: 'u', password: '' }],
  ])('%s', (input, expected) => {
    expect(parseBrokerUrl(input)).toEqual(expected);
  });

  test.each(['', '  ', 'http://h', 'h:port', 'h:70000', 'u:p@', '/p@h', '[::1'])('rejects %j', (input) => {
    expect(() => parseBrokerUrl(input)).toThrow(BrokerUrlError);
  });
});

describe('managementTarget', () => {
  test('derived: same host and credentials, port 15672', () => {
    expect(managementTarget(parseBrokerUrl('bob/pw@h:5999'))).toEqual({
      url: 'http://h:15672',
      username: 'bob',
      password: 'pw',
    });
    expect(managementTarget(parseBrokerUrl('[::1]:5673'))).toEqual({
      url: 'http://[::1]:15672',
      username: 'guest',
      password: 'guest',
    });
  });

  test('explicit URL wins; its credentials win when it has some; a missing port is 15672', () => {
    const addr = parseBrokerUrl('bob/pw@h');
    expect(managementTarget(addr, 'http://m:8080')).toEqual({ url: 'http://m:8080', username: 'bob', password: 'pw' });
    expect(managementTarget(addr, 'http://admin:x@m:80/')).toEqual({
      url: 'http://m',
      username: 'admin',
      password: 'x',
    });
    expect(managementTarget(addr, 'm')).toEqual({ url: 'http://m:15672', username: 'bob', password: 'pw' });
    expect(managementTarget(addr, 'https://m/prefix')).toEqual({
      url: 'https://m:15672/prefix',
      username: 'bob',
      password: 'pw',
    });
    expect(() => managementTarget(addr, 'http://[bad')).toThrow(BrokerUrlError);
  });
});
