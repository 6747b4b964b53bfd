// The management API's access-control endpoints against RabbitMQ's plugin:
// status codes, error bodies and JSON shapes for users, permissions, vhosts,
// limits, whoami, pagination, definitions and closing connections, and the
// authorization rule of every endpoint (positive and negative).
import amqp from 'amqplib';
import { describe, expect, test } from 'vitest';
import { mgmt, useTenantBrokers } from '../helpers/access.js';
import { connectionCloseOf, replyText } from '../helpers/parity.js';
import { rabbitmqMgmtUrl, rabbitmqUrl, uniqueName } from '../helpers/rabbitmq.js';

const brokers = useTenantBrokers();
const enc = encodeURIComponent;

/** Runs `fn` with a management base URL on each broker; results must agree. */
async function both<T>(fn: (base: string, amqpUrl: string, name: (p: string) => string) => Promise<T>): Promise<T> {
  const suffix = uniqueName('m').slice(2);
  const name = (p: string) => `${p}-${suffix}`;
  let rabbit: T | undefined;
  if (rabbitmqUrl) rabbit = await fn(rabbitmqMgmtUrl as string, rabbitmqUrl, name);
  const bundled = await fn(brokers.bundled.broker.mgmtUrl as string, brokers.bundled.url, name);
  if (rabbitmqUrl) expect(bundled, 'bundled broker vs RabbitMQ').toEqual(rabbit);
  return bundled;
}

const seen = (r: { status: number; json: unknown }) => ({ status: r.status, body: r.json ?? null });

describe('users', () => {
  test('create, update, read, list, delete, and the error answers', async () => {
    const r = await both(async (base, _amqp, name) => {
      const u = name('u');
      const out = {
        created: seen(await mgmt(base, 'PUT', `/api/users/${u}`, { password: 'pw', tags: 'management,custom' })),
        updated: seen(await mgmt(base, 'PUT', `/api/users/${u}`, { password: 'pw2', tags: ['monitoring'] })),
        got: await mgmt(base, 'GET', `/api/users/${u}`).then((x) => ({
          ...x.json,
          password_hash: typeof x.json.password_hash,
        })),
        inList: (await mgmt(base, 'GET', '/api/users')).json.some((x: { name: string }) => x.name === u),
        noTags: seen(await mgmt(base, 'PUT', `/api/users/${name('v')}`, { password: 'x' })),
        both: seen(
          await mgmt(base, 'PUT', `/api/users/${name('v')}`, { password: 'x', password_hash: 'abc', tags: '' }),
        ),
        badHash: seen(await mgmt(base, 'PUT', `/api/users/${name('v')}`, { password_hash: 'abc', tags: '' })),
        login: (await mgmt(base, 'GET', '/api/whoami', undefined, { user: u, password: 'pw2' })).json,
        deleted: seen(await mgmt(base, 'DELETE', `/api/users/${u}`)),
        deletedAgain: seen(await mgmt(base, 'DELETE', `/api/users/${u}`)),
        gone: seen(await mgmt(base, 'GET', `/api/users/${u}`)),
      };
      return out;
    });
    expect(r.created.status).toBe(201);
    expect(r.got.tags).toEqual(['monitoring']);
  });

  test('a user made with a RabbitMQ password_hash logs in with the original password', async () => {
    await both(async (base, _amqp, name) => {
      const u = name('h');
      // guest/guest as a fresh RabbitMQ 3.10 node hashes it.
      const hash = '6PKYiZU/T+VPQD0rU4mxIp8Cet7vnx86D5mZVU1WcUsXoHSX';
      const put = seen(await mgmt(base, 'PUT', `/api/users/${u}`, { password_hash: hash, tags: 'management' }));
      const login = seen(await mgmt(base, 'GET', '/api/whoami', undefined, { user: u, password: 'guest' }));
      const wrong = seen(await mgmt(base, 'GET', '/api/whoami', undefined, { user: u, password: 'nope' }));
      await mgmt(base, 'DELETE', `/api/users/${u}`);
      return { put, login, wrong };
    });
  });
});

describe('permissions and vhosts', () => {
  test('set, read, list, clear; errors for unknown vhost or user, missing keys', async () => {
    await both(async (base, _amqp, name) => {
      const u = name('pu');
      const v = name('pv');
      await mgmt(base, 'PUT', `/api/users/${u}`, { password: 'pw', tags: '' });
      const out = {
        vhostCreated: seen(await mgmt(base, 'PUT', `/api/vhosts/${v}`, { description: 'd' })),
        vhostUpdated: seen(await mgmt(base, 'PUT', `/api/vhosts/${v}`, {})),
        creatorGotPermissions: (await mgmt(base, 'GET', `/api/permissions/${v}/guest`)).json,
        set: seen(await mgmt(base, 'PUT', `/api/permissions/${v}/${u}`, { configure: '^a', write: '', read: '.*' })),
        reset: seen(await mgmt(base, 'PUT', `/api/permissions/${v}/${u}`, { configure: '^b', write: '', read: '.*' })),
        got: seen(await mgmt(base, 'GET', `/api/permissions/${v}/${u}`)),
        ofUser: (await mgmt(base, 'GET', `/api/users/${u}/permissions`)).json,
        ofVhost: (await mgmt(base, 'GET', `/api/vhosts/${v}/permissions`)).json.length,
        inList: (await mgmt(base, 'GET', '/api/permissions')).json.filter((p: { user: string }) => p.user === u),
        noVhost: seen(await mgmt(base, 'PUT', `/api/permissions/${v}x/${u}`, { configure: '', write: '', read: '' })),
        noUser: seen(await mgmt(base, 'PUT', `/api/permissions/${v}/${u}x`, { configure: '', write: '', read: '' })),
        missing: seen(await mgmt(base, 'PUT', `/api/permissions/${v}/${u}`, { configure: '' })),
        cleared: seen(await mgmt(base, 'DELETE', `/api/permissions/${v}/${u}`)),
        clearedAgain: seen(await mgmt(base, 'DELETE', `/api/permissions/${v}/${u}`)),
        vhostDeleted: seen(await mgmt(base, 'DELETE', `/api/vhosts/${v}`)),
        vhostGone: seen(await mgmt(base, 'GET', `/api/vhosts/${v}`)),
        vhostDeletedAgain: seen(await mgmt(base, 'DELETE', `/api/vhosts/${v}`)),
      };
      await mgmt(base, 'DELETE', `/api/users/${u}`);
      return out;
    });
  });

  test('deleting a vhost deletes its queues and closes its connections with 320', async () => {
    await both(async (base, amqpUrl, name) => {
      const v = name('dv');
      await mgmt(base, 'PUT', `/api/vhosts/${v}`, {});
      const conn = await amqp.connect(`${amqpUrl}/${enc(v)}`);
      const closed = connectionCloseOf(conn);
      const ch = await conn.createChannel();
      await ch.assertQueue('q', { durable: true });
      await mgmt(base, 'DELETE', `/api/vhosts/${v}`);
      const how = await closed;
      return { code: how.code, text: how.textPrefix, vhost: (await mgmt(base, 'GET', `/api/queues/${enc(v)}`)).status };
    });
  });
});

describe('limits', () => {
  test('vhost-limits and user-limits: set, list, delete, validation errors', async () => {
    await both(async (base, _amqp, name) => {
      const v = name('lv');
      const u = name('lu');
      await mgmt(base, 'PUT', `/api/vhosts/${v}`, {});
      await mgmt(base, 'PUT', `/api/users/${u}`, { password: 'p', tags: '' });
      const out = {
        setQueues: seen(await mgmt(base, 'PUT', `/api/vhost-limits/${v}/max-queues`, { value: 5 })),
        setConns: seen(await mgmt(base, 'PUT', `/api/vhost-limits/${v}/max-connections`, { value: 2 })),
        vhostLimits: (await mgmt(base, 'GET', `/api/vhost-limits/${v}`)).json,
        inAll: (await mgmt(base, 'GET', '/api/vhost-limits')).json.filter((l: { vhost: string }) => l.vhost === v),
        bogus: seen(await mgmt(base, 'PUT', `/api/vhost-limits/${v}/max-bogus`, { value: 1 })),
        notNumber: seen(await mgmt(base, 'PUT', `/api/vhost-limits/${v}/max-queues`, { value: 'x' })),
        noValue: seen(await mgmt(base, 'PUT', `/api/vhost-limits/${v}/max-queues`, {})),
        delConns: seen(await mgmt(base, 'DELETE', `/api/vhost-limits/${v}/max-connections`)),
        after: (await mgmt(base, 'GET', `/api/vhost-limits/${v}`)).json,
        unknownVhost: seen(await mgmt(base, 'GET', `/api/vhost-limits/${v}x`)),
        setUser: seen(await mgmt(base, 'PUT', `/api/user-limits/${u}/max-channels`, { value: 3 })),
        userLimits: (await mgmt(base, 'GET', `/api/user-limits/${u}`)).json,
        userShown: (await mgmt(base, 'GET', `/api/users/${u}`)).json.limits,
        userBogus: seen(await mgmt(base, 'PUT', `/api/user-limits/${u}/max-bogus`, { value: 1 })),
        noSuchUser: seen(await mgmt(base, 'PUT', `/api/user-limits/${u}x/max-channels`, { value: 1 })),
        delUser: seen(await mgmt(base, 'DELETE', `/api/user-limits/${u}/max-channels`)),
        userAfter: (await mgmt(base, 'GET', `/api/user-limits/${u}`)).json,
      };
      await mgmt(base, 'DELETE', `/api/vhosts/${v}`);
      await mgmt(base, 'DELETE', `/api/users/${u}`);
      return out;
    });
  });
});

describe('authorization by tag', () => {
  // Every endpoint the access model adds or restricts, called by users with each tag.
  const ENDPOINTS: [string, (v: string, u: string) => string, unknown?][] = [
    ['GET', () => '/api/overview'],
    ['GET', () => '/api/whoami'],
    ['GET', () => '/api/users'],
    ['GET', (_v, u) => `/api/users/${u}`],
    ['PUT', () => '/api/users/never-made-by-tests', { password: 'x', tags: '' }],
    ['DELETE', () => '/api/users/never-made-by-tests'],
    ['GET', () => '/api/users/without-permissions'],
    ['GET', () => '/api/permissions'],
    ['GET', (v, u) => `/api/permissions/${v}/${u}`],
    ['PUT', (v, u) => `/api/permissions/${v}/${u}`, { configure: '.*', write: '.*', read: '.*' }],
    ['DELETE', (v) => `/api/permissions/${v}/never-made-by-tests`],
    ['GET', () => '/api/vhosts'],
    ['GET', (v) => `/api/vhosts/${v}`],
    ['PUT', () => '/api/vhosts/never-made-by-tests', {}],
    ['DELETE', () => '/api/vhosts/never-made-by-tests'],
    ['GET', (v) => `/api/vhosts/${v}/permissions`],
    ['GET', (v) => `/api/vhost-limits/${v}`],
    ['PUT', (v) => `/api/vhost-limits/${v}/max-queues`, { value: 100 }],
    ['GET', () => '/api/user-limits'],
    ['PUT', (_v, u) => `/api/user-limits/${u}/max-channels`, { value: 100 }],
    ['GET', () => '/api/definitions'],
    ['GET', (v) => `/api/definitions/${v}`],
    ['GET', (v) => `/api/queues/${v}`],
    ['PUT', (v) => `/api/queues/${v}/authz-q`, {}],
    ['GET', (v) => `/api/exchanges/${v}`],
    ['GET', (v) => `/api/bindings/${v}`],
  ];

  for (const tags of ['administrator', 'monitoring', 'management', 'policymaker', '']) {
    test(`a user tagged '${tags || 'none'}', with and without permissions on the vhost`, async () => {
      await both(async (base, _amqp, name) => {
        const v = name('av');
        const mine = name('au');
        const other = name('ao');
        await mgmt(base, 'PUT', `/api/vhosts/${v}`, {});
        await mgmt(base, 'PUT', `/api/users/${mine}`, { password: 'pw', tags });
        await mgmt(base, 'PUT', `/api/users/${other}`, { password: 'pw', tags });
        await mgmt(base, 'PUT', `/api/permissions/${v}/${mine}`, { configure: '.*', write: '.*', read: '.*' });
        const out: Record<string, unknown> = {};
        for (const [method, path, body] of ENDPOINTS) {
          for (const [who, user] of [
            ['withPerms', mine],
            ['noPerms', other],
          ] as const) {
            const r = await mgmt(base, method, path(v, user), body, { user, password: 'pw' });
            // Only the outcome: listing contents differ between brokers (other tests' objects on RabbitMQ).
            out[`${who} ${method} ${path('V', 'U')}`] = r.status >= 400 ? seen(r) : r.status < 300 ? 'ok' : r.status;
          }
        }
        out['wrong password'] = seen(
          await mgmt(base, 'GET', '/api/overview', undefined, { user: mine, password: 'x' }),
        );
        out['no credentials'] = seen(await mgmt(base, 'GET', '/api/overview', undefined, null));
        await mgmt(base, 'DELETE', `/api/vhosts/${v}`);
        await mgmt(base, 'DELETE', `/api/users/${mine}`);
        await mgmt(base, 'DELETE', `/api/users/${other}`);
        await mgmt(base, 'DELETE', '/api/users/never-made-by-tests');
        await mgmt(base, 'DELETE', '/api/vhosts/never-made-by-tests');
        return out;
      });
    }, 60_000);
  }

  test('management users see only their vhosts and their own connections; monitoring sees all', async () => {
    await both(async (base, amqpUrl, name) => {
      const v = name('sv');
      const seer = name('seer');
      const mon = name('mon');
      await mgmt(base, 'PUT', `/api/vhosts/${v}`, {});
      await mgmt(base, 'PUT', `/api/users/${seer}`, { password: 'pw', tags: 'management' });
      await mgmt(base, 'PUT', `/api/users/${mon}`, { password: 'pw', tags: 'monitoring' });
      await mgmt(base, 'PUT', `/api/permissions/${v}/${seer}`, { configure: '.*', write: '.*', read: '.*' });
      const guestConn = await amqp.connect(amqpUrl);
      const u = new URL(amqpUrl);
      const seerConn = await amqp.connect(`amqp://${seer}:pw@${u.host}/${enc(v)}`, {
        clientProperties: { connection_name: seer },
      });
      const list = async (path: string, user: string, key: 'name' | 'vhost' | 'user') => {
        for (let i = 0; i < 100; i++) {
          const r = await mgmt(base, 'GET', path, undefined, { user, password: 'pw' });
          const values = [...new Set((r.json as Record<string, string>[]).map((x) => x[key]))].sort();
          if (key !== 'user' || values.length > 0) return values;
          await new Promise((res) => setTimeout(res, 100));
        }
        return [];
      };
      const out = {
        vhosts: await list('/api/vhosts', seer, 'name'),
        connectionUsers: await list('/api/connections', seer, 'user'),
        monitorSeesGuest: (await list('/api/connections', mon, 'user')).includes('guest'),
        monitorSeesVhost: (await list('/api/vhosts', mon, 'name')).includes(v),
      };
      await guestConn.close();
      await seerConn.close();
      await mgmt(base, 'DELETE', `/api/vhosts/${v}`);
      await mgmt(base, 'DELETE', `/api/users/${seer}`);
      await mgmt(base, 'DELETE', `/api/users/${mon}`);
      return out;
    });
  });
});

describe('pagination', () => {
  test('page, page_size, name and use_regex on queues; errors for bad parameters', async () => {
    await both(async (base, _amqp, name) => {
      const v = name('pg');
      await mgmt(base, 'PUT', `/api/vhosts/${v}`, {});
      for (const q of ['alpha', 'beta', 'gamma', 'delta', 'Alpaca'])
        await mgmt(base, 'PUT', `/api/queues/${v}/${q}`, {});
      const names = (r: { json: { items: { name: string }[] } }) => ({
        ...r.json,
        items: r.json.items.map((i) => i.name),
      });
      const out = {
        page1: names(await mgmt(base, 'GET', `/api/queues/${v}?page=1&page_size=2`)),
        page3: names(await mgmt(base, 'GET', `/api/queues/${v}?page=3&page_size=2`)),
        byName: names(await mgmt(base, 'GET', `/api/queues/${v}?page=1&name=ALP`)),
        byRegex: names(await mgmt(base, 'GET', `/api/queues/${v}?page=1&name=^(beta|delta)$&use_regex=true`)),
        columns: (await mgmt(base, 'GET', `/api/queues/${v}?page=1&page_size=1&columns=name`)).json.items,
        outOfRange: seen(await mgmt(base, 'GET', `/api/queues/${v}?page=9`)),
        tooBig: seen(await mgmt(base, 'GET', `/api/queues/${v}?page=1&page_size=501`)),
        zero: seen(await mgmt(base, 'GET', `/api/queues/${v}?page=0`)),
      };
      await mgmt(base, 'DELETE', `/api/vhosts/${v}`);
      return out;
    });
  });
});

describe('definitions', () => {
  test('a vhost export has the same shape on both brokers', async () => {
    await both(async (base, _amqp, name) => {
      const v = name('dv');
      await mgmt(base, 'PUT', `/api/vhosts/${v}`, {});
      await mgmt(base, 'PUT', `/api/queues/${v}/dq`, { durable: true, arguments: { 'x-max-length': 5 } });
      await mgmt(base, 'PUT', `/api/queues/${v}/tq`, { durable: false });
      await mgmt(base, 'PUT', `/api/exchanges/${v}/dx`, { type: 'topic', durable: true });
      await mgmt(base, 'POST', `/api/bindings/${v}/e/dx/q/dq`, { routing_key: 'a.#', arguments: {} });
      await mgmt(base, 'PUT', `/api/vhost-limits/${v}/max-queues`, { value: 7 });
      const d = (await mgmt(base, 'GET', `/api/definitions/${v}`)).json;
      await mgmt(base, 'DELETE', `/api/vhosts/${v}`);
      // RabbitMQ lists definitions in no particular order (ETS tables): compare them sorted by name.
      const byName = (list: { name?: string; destination?: string }[]) =>
        [...list].sort((a, b) => String(a.name ?? a.destination).localeCompare(String(b.name ?? b.destination)));
      return {
        ...d,
        rabbit_version: typeof d.rabbit_version,
        queues: byName(d.queues),
        exchanges: byName(d.exchanges),
        bindings: byName(d.bindings),
      };
    });
  });

  test("RabbitMQ's export imports into the bundled broker: hashes kept, users log in, topology restored", async () => {
    const v = uniqueName('imp');
    const user = uniqueName('impuser');
    const source = rabbitmqUrl ? (rabbitmqMgmtUrl as string) : (brokers.bundled.broker.mgmtUrl as string);
    await mgmt(source, 'PUT', `/api/vhosts/${v}`, {});
    await mgmt(source, 'PUT', `/api/users/${user}`, { password: 'original-pw', tags: 'management' });
    await mgmt(source, 'PUT', `/api/permissions/${v}/${user}`, { configure: '^app-', write: '.*', read: '.*' });
    await mgmt(source, 'PUT', `/api/queues/${v}/app-orders`, { durable: true });
    await mgmt(source, 'PUT', `/api/vhost-limits/${v}/max-queues`, { value: 3 });
    const exported = (await mgmt(source, 'GET', '/api/definitions')).json;
    await mgmt(source, 'DELETE', `/api/vhosts/${v}`);
    await mgmt(source, 'DELETE', `/api/users/${user}`);
    // Only what this test made (the shared RabbitMQ node holds other tests' users and vhosts).
    const mine = {
      ...exported,
      users: exported.users.filter((u: { name: string }) => u.name === user),
      vhosts: exported.vhosts.filter((x: { name: string }) => x.name === v),
      permissions: exported.permissions.filter((p: { vhost: string }) => p.vhost === v),
      parameters: exported.parameters.filter((p: { vhost: string }) => p.vhost === v),
      queues: exported.queues.filter((q: { vhost: string }) => q.vhost === v),
      exchanges: exported.exchanges.filter((x: { vhost: string }) => x.vhost === v),
      bindings: exported.bindings.filter((b: { vhost: string }) => b.vhost === v),
      global_parameters: [],
    };
    const target = brokers.bundled.broker.mgmtUrl as string;
    const imported = await mgmt(target, 'POST', '/api/definitions', mine);
    expect(imported.status, JSON.stringify(imported.json)).toBeLessThan(300);
    const who = await mgmt(target, 'GET', '/api/whoami', undefined, { user, password: 'original-pw' });
    expect(who.json).toEqual({ name: user, tags: ['management'] });
    const u = new URL(brokers.bundled.url);
    const conn = await amqp.connect(`amqp://${user}:original-pw@${u.host}/${enc(v)}`);
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    expect((await ch.checkQueue('app-orders')).queue).toBe('app-orders');
    const err = await ch.assertQueue('orders').catch((e: Error) => e);
    expect(replyText(err)).toBe(`ACCESS_REFUSED - access to queue 'orders' in vhost '${v}' refused for user '${user}'`);
    await conn.close().catch(() => {});
    expect((await mgmt(target, 'GET', `/api/vhost-limits/${v}`)).json).toEqual([
      { vhost: v, value: { 'max-queues': 3 } },
    ]);
    const back = (await mgmt(target, 'GET', '/api/definitions')).json;
    expect(back.users.find((x: { name: string }) => x.name === user)).toEqual(mine.users[0]);
    await mgmt(target, 'DELETE', `/api/vhosts/${v}`);
    await mgmt(target, 'DELETE', `/api/users/${user}`);
  });

  test('an import with policies or topic permissions is refused whole, nothing changed', async () => {
    const target = brokers.bundled.broker.mgmtUrl as string;
    const r = await mgmt(target, 'POST', '/api/definitions', {
      users: [{ name: 'never-imported', password_hash: '', tags: [] }],
      policies: [{ name: 'p', vhost: '/', pattern: '.*', definition: {} }],
    });
    expect(r.status).toBe(400);
    expect(r.json.reason).toMatch(/policies are not supported/);
    expect((await mgmt(target, 'GET', '/api/users/never-imported')).status).toBe(404);
  });
});

describe('closing connections', () => {
  test('DELETE /api/connections/{name} with X-Reason closes it with 320 and the reason', async () => {
    await both(async (base, amqpUrl) => {
      const conn = await amqp.connect(amqpUrl);
      const closed = connectionCloseOf(conn);
      let name: string | undefined;
      for (let i = 0; i < 100 && name === undefined; i++) {
        const port = (conn as unknown as { connection: { stream: { localPort: number } } }).connection.stream.localPort;
        const list = (await mgmt(base, 'GET', '/api/connections')).json as { name: string; peer_port: number }[];
        name = list.find((c) => c.peer_port === port)?.name;
        if (name === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      const del = seen(
        await mgmt(base, 'DELETE', `/api/connections/${enc(name as string)}`, undefined, undefined, {
          'x-reason': 'maintenance window',
        }),
      );
      const how = await closed;
      const missing = seen(await mgmt(base, 'DELETE', '/api/connections/no-such-connection'));
      return { del, how, missing };
    });
  });
});
