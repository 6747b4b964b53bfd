// RabbitMQ's own rabbitmqadmin (/usr/bin/rabbitmqadmin) against the bundled
// broker and RabbitMQ: list users, list vhosts, list permissions, export and
// import must work and show the same things on both.
// (When test/helpers/rabbitmqadmin.ts from issue 9 is on main, `admin` below can use it.)
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { mgmt, useTenantBrokers } from '../helpers/access.js';
import { rabbitmqMgmtUrl, rabbitmqUrl, uniqueName } from '../helpers/rabbitmq.js';

const run = promisify(execFile);
const RABBITMQADMIN = '/usr/bin/rabbitmqadmin';
const available = existsSync(RABBITMQADMIN);
if (process.env['CI'] && !available) throw new Error('CI needs /usr/bin/rabbitmqadmin (rabbitmq-server package)');

const brokers = useTenantBrokers();
const dir = mkdtempSync(join(tmpdir(), 'rmqadmin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function admin(base: string, ...args: string[]): Promise<string> {
  const u = new URL(base);
  const { stdout } = await run(
    '/usr/bin/python3',
    [RABBITMQADMIN, '-H', u.hostname, '-P', u.port, '-u', 'guest', '-p', 'guest', ...args],
    { timeout: 20_000 },
  );
  return stdout;
}

/** tsv rows as objects keyed by the header line. */
function rows(tsv: string): Record<string, string>[] {
  const [head, ...lines] = tsv.trim().split('\n');
  const keys = (head ?? '').split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [keys[i], v])));
}

async function onBoth<T>(fn: (base: string, name: (p: string) => string) => Promise<T>): Promise<T> {
  const suffix = uniqueName('ra').slice(3);
  const name = (p: string) => `${p}-${suffix}`;
  let rabbit: T | undefined;
  if (rabbitmqUrl) rabbit = await fn(rabbitmqMgmtUrl as string, name);
  const bundled = await fn(brokers.bundled.broker.mgmtUrl as string, name);
  if (rabbitmqUrl) expect(bundled, 'bundled broker vs RabbitMQ').toEqual(rabbit);
  return bundled;
}

async function provision(base: string, v: string, u: string): Promise<void> {
  await mgmt(base, 'PUT', `/api/vhosts/${v}`, {});
  await mgmt(base, 'PUT', `/api/users/${u}`, { password: 'pw', tags: 'monitoring' });
  await mgmt(base, 'PUT', `/api/permissions/${v}/${u}`, { configure: '^app-', write: '.*', read: '' });
}

async function unprovision(base: string, v: string, u: string): Promise<void> {
  await mgmt(base, 'DELETE', `/api/vhosts/${v}`);
  await mgmt(base, 'DELETE', `/api/users/${u}`);
}

describe.runIf(available)('rabbitmqadmin', () => {
  test('list users, list vhosts and list permissions show the same rows', async () => {
    const r = await onBoth(async (base, name) => {
      const v = name('v');
      const u = name('u');
      await provision(base, v, u);
      try {
        const user = rows(await admin(base, '-f', 'tsv', 'list', 'users')).find((x) => x['name'] === u);
        const vhost = rows(await admin(base, '-f', 'tsv', 'list', 'vhosts', 'name')).find((x) => x['name'] === v);
        const perms = rows(await admin(base, '-f', 'tsv', 'list', 'permissions')).filter((x) => x['vhost'] === v);
        return { user: { ...user, password_hash: user?.['password_hash']?.length }, vhost, perms };
      } finally {
        await unprovision(base, v, u);
      }
    });
    expect(r.user).toMatchObject({ tags: 'monitoring', hashing_algorithm: 'rabbit_password_hashing_sha256' });
    expect(r.perms).toContainEqual({
      vhost: r.vhost?.['name'],
      user: (r.user as Record<string, unknown>)['name'],
      configure: '^app-',
      write: '.*',
      read: '',
    });
  });

  test('export writes the definitions, import reads them back', async () => {
    await onBoth(async (base, name) => {
      const v = name('v');
      const u = name('u');
      await provision(base, v, u);
      const file = join(dir, `${name('export')}-${new URL(base).port}.json`);
      const exportOut = await admin(base, 'export', file);
      const defs = JSON.parse(readFileSync(file, 'utf8'));
      await unprovision(base, v, u);
      const mine = {
        users: defs.users.filter((x: { name: string }) => x.name === u),
        vhosts: defs.vhosts.filter((x: { name: string }) => x.name === v),
        permissions: defs.permissions.filter((x: { vhost: string }) => x.vhost === v),
      };
      writeFileSync(file, JSON.stringify(mine));
      const importOut = await admin(base, 'import', file);
      const back = (await mgmt(base, 'GET', `/api/permissions/${v}/${u}`)).json;
      const login = (await mgmt(base, 'GET', '/api/whoami', undefined, { user: u, password: 'pw' })).json;
      await unprovision(base, v, u);
      return {
        exported: exportOut.replaceAll(file, 'FILE'),
        imported: importOut.replaceAll(file, 'FILE'),
        back,
        login,
        keys: Object.keys(defs).sort(),
      };
    });
  });

  test("RabbitMQ's export imports into the bundled broker with rabbitmqadmin import", async () => {
    const source = rabbitmqUrl ? (rabbitmqMgmtUrl as string) : (brokers.bundled.broker.mgmtUrl as string);
    const v = uniqueName('rav');
    const u = uniqueName('rau');
    await provision(source, v, u);
    const file = join(dir, `${v}.json`);
    await admin(source, 'export', file);
    await unprovision(source, v, u);
    const defs = JSON.parse(readFileSync(file, 'utf8'));
    const only = <T extends { vhost?: string; name?: string; user?: string }>(l: T[], k: keyof T, want: string) =>
      l.filter((x) => x[k] === want);
    writeFileSync(
      file,
      JSON.stringify({
        ...defs,
        users: only(defs.users, 'name', u),
        vhosts: only(defs.vhosts, 'name', v),
        permissions: only(defs.permissions, 'vhost', v),
        parameters: [],
        global_parameters: [],
        queues: only(defs.queues, 'vhost', v),
        exchanges: only(defs.exchanges, 'vhost', v),
        bindings: only(defs.bindings, 'vhost', v),
      }),
    );
    const target = brokers.bundled.broker.mgmtUrl as string;
    await admin(target, 'import', file);
    expect((await mgmt(target, 'GET', '/api/whoami', undefined, { user: u, password: 'pw' })).json).toEqual({
      name: u,
      tags: ['monitoring'],
    });
    await unprovision(target, v, u);
  });
});
