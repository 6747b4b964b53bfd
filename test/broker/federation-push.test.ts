// A shovel with a remote dest-uri (a push route, `qpid-route -s`): accepted and shown with its
// destination (password hidden) in /api/shovels; a dynamic one is refused, since the bindings it
// mirrors are the local exchange's (docs/federation.md "Push routes").
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Broker } from '../../src/broker/index.js';

let broker: Broker;
beforeAll(async () => {
  broker = await Broker.start({ port: 0, host: '127.0.0.1', mgmtPort: 0, logLevel: 'error' });
});
afterAll(async () => {
  await broker?.stop();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${broker.mgmtUrl}${path}`, {
    method,
    headers: { authorization: `Basic ${btoa('guest:guest')}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

const PUSH = {
  'src-uri': 'amqp://guest:guest@127.0.0.1:1',
  'src-queue': 'a',
  'dest-uri': 'amqp://guest:secret@127.0.0.1:2/%2F',
  'dest-exchange': 'amq.direct',
  'qpid.durable': false,
};

test('a remote dest-uri is a push route; qpid.dynamic with one is a 400', async () => {
  expect((await call('PUT', '/api/parameters/shovel/%2F/push', { value: PUSH })).status).toBe(201);
  const status = (await call('GET', '/api/shovels')).json as { name: string; dest_uri: string }[];
  expect(status).toMatchObject([{ name: 'push', dest_uri: 'amqp://guest:***@127.0.0.1:2/%2F' }]);
  const dynamic = await call('PUT', '/api/parameters/shovel/%2F/dyn', { value: { ...PUSH, 'qpid.dynamic': true } });
  expect(dynamic).toMatchObject({ status: 400, json: { reason: 'qpid.dynamic needs a local dest-uri ("amqp://")' } });
  const bad = await call('PUT', '/api/parameters/shovel/%2F/bad', { value: { ...PUSH, 'dest-uri': 'http://x' } });
  expect(bad).toMatchObject({ status: 400, json: { reason: 'dest-uri http://x is not an amqp:// URI' } });
  expect((await call('DELETE', '/api/parameters/shovel/%2F/push')).status).toBe(204);
});
