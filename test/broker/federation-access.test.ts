// Who may see and define shovels (qpid-route's links) through the management API, as RabbitMQ 3.10
// decides it: runtime parameters are is_authorized_policies (administrator, or policymaker with
// permissions on the vhost), the shovel status list is is_authorized_monitor. A definition holds the
// source and destination URIs with their credentials, so a plain management user must not read it.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Broker } from '../../src/broker/index.js';

let broker: Broker;
let base: string;

beforeAll(async () => {
  broker = await Broker.start({ port: 0, host: '127.0.0.1', mgmtPort: 0, logLevel: 'error' });
  base = broker.mgmtUrl as string;
  const full = { configure: '.*', write: '.*', read: '.*' };
  broker.access.putUser('mgmt', { password: 'pw', tags: ['management'] });
  broker.access.setPermissions('mgmt', '/', full);
  broker.access.putUser('pol', { password: 'pw', tags: ['policymaker'] });
  broker.access.setPermissions('pol', '/', full);
  broker.access.putUser('pol-elsewhere', { password: 'pw', tags: ['policymaker'] });
  broker.access.putUser('mon', { password: 'pw', tags: ['monitoring'] });
});
afterAll(async () => {
  await broker?.stop();
});

async function call(user: string, method: string, path: string, body?: unknown): Promise<number> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${user}:pw`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

const SHOVEL = {
  value: {
    'src-uri': 'amqp://guest:guest@127.0.0.1:1',
    'src-queue': 'a',
    'dest-uri': 'amqp://',
    'dest-exchange': 'amq.direct',
  },
};

describe('shovel parameters and status need the tags RabbitMQ asks for', () => {
  test('a management user may neither define, list nor read shovels', async () => {
    expect(await call('mgmt', 'PUT', '/api/parameters/shovel/%2F/s1', SHOVEL)).toBe(401);
    expect(await call('mgmt', 'GET', '/api/parameters/shovel')).toBe(401);
    expect(await call('mgmt', 'GET', '/api/parameters/shovel/%2F')).toBe(401);
    expect(await call('mgmt', 'GET', '/api/shovels')).toBe(401);
    expect(broker.federation.list()).toHaveLength(0);
  });

  test('a policymaker needs permissions on the vhost', async () => {
    expect(await call('pol-elsewhere', 'PUT', '/api/parameters/shovel/%2F/s1', SHOVEL)).toBe(401);
    expect(broker.federation.list()).toHaveLength(0);
  });

  test('a policymaker with permissions defines and deletes; monitoring reads the status', async () => {
    expect(await call('pol', 'PUT', '/api/parameters/shovel/%2F/s1', SHOVEL)).toBe(201);
    expect(await call('pol', 'GET', '/api/parameters/shovel/%2F/s1')).toBe(200);
    expect(await call('pol-elsewhere', 'GET', '/api/parameters/shovel/%2F/s1')).toBe(401);
    expect(await call('pol-elsewhere', 'DELETE', '/api/parameters/shovel/%2F/s1')).toBe(401);
    expect(await call('mon', 'GET', '/api/shovels')).toBe(200);
    expect(await call('pol', 'DELETE', '/api/parameters/shovel/%2F/s1')).toBe(204);
    expect(broker.federation.list()).toHaveLength(0);
  });
});
