// "Done when" of issue 12: a user with only ^app-.* configure rights declares
// app-orders and not orders, on both brokers, through pika and the messaging API.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { Connection } from '../../src/messaging/index.js';
import { useTenantBrokers } from '../helpers/access.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const pika =
  existsSync(PYTHON) &&
  (await run(PYTHON, ['-c', 'import pika']).then(
    () => true,
    () => false,
  ));
if (process.env['CI'] && !pika) throw new Error('CI needs python3-pika (see .ci/run)');

const brokers = useTenantBrokers();
const APP = { configure: '^app-.*', write: '.*', read: '.*' };

async function same<T>(p: Promise<{ bundled: T; rabbitmq: { ran: true; result: T } | { ran: false } }>) {
  const { bundled, rabbitmq } = await p;
  if (rabbitmq.ran) expect(bundled, 'bundled broker vs RabbitMQ').toEqual(rabbitmq.result);
  return bundled;
}

describe('a user with ^app-.* configure rights', () => {
  test.runIf(pika)('pika: app-orders declared, orders refused with 403, the connection still usable', async () => {
    const r = await same(
      brokers.run({ permissions: APP }, async (t) => {
        const port = new URL(t.url).port;
        const { stdout } = await run(
          PYTHON,
          [new URL('./clients/pika_acl.py', import.meta.url).pathname, port, t.user, t.password, t.vhost],
          { timeout: 20_000 },
        );
        return JSON.parse(stdout.trim());
      }),
    );
    expect(r.allowed).toBe('app-orders');
    expect(r.refused[0]).toBe(403);
  });

  test('the messaging API: the address creates app-orders; for orders the sender fails with UnauthorizedAccess', async () => {
    const r = await same(
      brokers.run({ permissions: APP }, async (t) => {
        const c = await Connection.establish(t.url);
        try {
          const s = await c.session();
          const ok = await s.sender('app-orders; {create: always}').then(() => 'created');
          const refused = await s.sender('orders; {create: always}').then(
            () => 'created',
            (e: Error) => ({ name: e.name, message: e.message }),
          );
          return { ok, refused };
        } finally {
          await c.close().catch(() => {});
        }
      }),
    );
    expect(r.ok).toBe('created');
    expect(r.refused).toMatchObject({ name: 'UnauthorizedAccess' });
  });
});
