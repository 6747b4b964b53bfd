// qpid-ctl (the built command) against the bundled broker and RabbitMQ: seed
// 003's provisioning flow (add_user, set_user_tags, add_vhost, set_permissions),
// the listings as rabbitmqctl prints them, limits, definitions, and every error path.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mgmt } from '../helpers/access.js';
import { replyText } from '../helpers/parity.js';
import { type AdminTarget, closedPort, run, targets } from './admin-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'qpid-ctl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

for (const factory of targets) {
  describe(`qpid-ctl against '${factory.kind}'`, () => {
    let t: AdminTarget;
    beforeAll(async () => {
      t = await factory.start();
    });
    afterAll(async () => {
      await t?.close();
    });
    const ctl = (...args: string[]) => run('qpid-ctl', [...t.flags, ...args]);

    test("seed 003's flow: the user gets ^app- rights and can declare app-orders but not orders", async () => {
      const user = `${t.prefix}-u`;
      const vhost = `${t.prefix}-v`;
      try {
        const add = await ctl('add_user', user, 's3cret');
        expect(add.code, add.stderr).toBe(0);
        expect(add.stdout).toBe(
          `Adding user "${user}" ...\nDone. Don't forget to grant the user permissions to some virtual hosts! See 'qpid-ctl set_permissions --help' to learn more.\n`,
        );
        expect((await ctl('set_user_tags', user, 'management', 'custom')).stdout).toBe(
          `Setting tags for user "${user}" to [management, custom] ...\n`,
        );
        expect((await ctl('add_vhost', vhost)).stdout).toBe(`Adding vhost "${vhost}" ...\n`);
        expect((await ctl('set_permissions', '-p', vhost, user, '^app-.*', '.*', '.*')).stdout).toBe(
          `Setting permissions for user "${user}" in vhost "${vhost}" ...\n`,
        );
        const users = await ctl('list_users');
        expect(users.stdout).toMatch(/^Listing users \.\.\.\nuser\ttags\n/);
        expect(users.stdout).toContain(`\n${user}\t[management, custom]\n`);
        expect((await ctl('list_permissions', '-p', vhost, '-q')).stdout).toBe(
          `user\tconfigure\twrite\tread\n${user}\t^app-.*\t.*\t.*\nguest\t.*\t.*\t.*\n`.replace(
            /^(.*\n)(.*\n)(.*\n)$/,
            (_m, h, a, b) => h + [a, b].sort().join(''),
          ),
        );
        expect((await ctl('list_user_permissions', '-s', user)).stdout).toBe(`${vhost}\t^app-.*\t.*\t.*\n`);
        expect((await ctl('authenticate_user', user, 's3cret')).stdout).toBe(
          `Authenticating user "${user}" ...\nSuccess\n`,
        );
        const bad = await ctl('authenticate_user', user, 'wrong');
        expect(bad.code).toBe(1);
        expect(bad.stderr).toBe(`Failed: Error: failed to authenticate user "${user}": invalid credentials\n`);
        const u = new URL(t.amqpUrl);
        const conn = await amqp.connect(`amqp://${user}:s3cret@${u.host}/${encodeURIComponent(vhost)}`);
        const ch = await conn.createChannel();
        ch.on('error', () => {});
        expect((await ch.assertQueue('app-orders')).queue).toBe('app-orders');
        const refused = await ch.assertQueue('orders').catch((e: Error) => e);
        expect(replyText(refused)).toBe(
          `ACCESS_REFUSED - access to queue 'orders' in vhost '${vhost}' refused for user '${user}'`,
        );
        await conn.close().catch(() => {});
        // (messages is left out: RabbitMQ fills it only after its next statistics emission)
        const queues = await ctl('list_queues', '-p', vhost, 'name', 'durable', 'auto_delete');
        expect(queues.stdout).toBe(
          `Listing queues for vhost ${vhost} ...\nname\tdurable\tauto_delete\napp-orders\ttrue\tfalse\n`,
        );
        expect((await ctl('--formatter', 'json', 'list_vhosts')).stdout).toContain(`{"name":"${vhost}"}`);
        expect((await ctl('change_password', user, 'n3w')).code).toBe(0);
        expect((await ctl('authenticate_user', user, 'n3w')).code).toBe(0);
        expect((await ctl('clear_permissions', '-p', vhost, user)).code).toBe(0);
        expect((await ctl('list_user_permissions', '-s', user)).stdout).toBe('');
      } finally {
        await ctl('delete_vhost', vhost);
        await ctl('delete_user', user);
      }
    }, 60_000);

    test('limits are set through the API and enforced', async () => {
      const user = `${t.prefix}-lu`;
      const vhost = `${t.prefix}-lv`;
      try {
        await ctl('add_vhost', vhost);
        await ctl('add_user', user, 'pw');
        const set = await ctl('set_vhost_limits', '-p', vhost, '{"max-queues": 1}');
        expect(set.stdout).toBe(`Setting vhost limits to "{"max-queues": 1}" for vhost "${vhost}" ...\n`);
        expect((await ctl('set_user_limits', user, '{"max-channels": 2}')).code).toBe(0);
        expect((await mgmt(t.mgmtUrl, 'GET', `/api/vhost-limits/${vhost}`)).json).toEqual([
          { vhost, value: { 'max-queues': 1 } },
        ]);
        expect((await mgmt(t.mgmtUrl, 'GET', `/api/user-limits/${user}`)).json).toEqual([
          { user, value: { 'max-channels': 2 } },
        ]);
        const badJson = await ctl('set_vhost_limits', '-p', vhost, 'nope');
        expect(badJson.code).toBe(2);
      } finally {
        await ctl('delete_vhost', vhost);
        await ctl('delete_user', user);
      }
    }, 30_000);

    test('export_definitions to a file and to stdout, import_definitions back', async () => {
      const user = `${t.prefix}-du`;
      const file = join(dir, `${t.kind}.json`);
      try {
        await ctl('add_user', user, 'pw');
        const ex = await ctl('export_definitions', file);
        expect(ex.stdout).toBe(`Exporting definitions in JSON to a file at "${file}" ...\n`);
        const defs = JSON.parse(readFileSync(file, 'utf8'));
        expect(defs.users.map((x: { name: string }) => x.name)).toContain(user);
        const out = await ctl('export_definitions', '-');
        expect(JSON.parse(out.stdout).users.map((x: { name: string }) => x.name)).toContain(user);
        await ctl('delete_user', user);
        // Only this test's user goes back in (the RabbitMQ node is shared with other tests).
        const mine = { users: defs.users.filter((x: { name: string }) => x.name === user) };
        const { writeFileSync } = await import('node:fs');
        writeFileSync(file, JSON.stringify(mine));
        const im = await ctl('import_definitions', file);
        expect(im.code, im.stderr).toBe(0);
        expect((await ctl('authenticate_user', user, 'pw')).code).toBe(0);
      } finally {
        await ctl('delete_user', user);
      }
    }, 30_000);

    test('errors: one line, exit 1; usage errors exit 2; status and connections list', async () => {
      const missing = await ctl('delete_user', `${t.prefix}-nobody`);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe(`Failed: Error: User "${t.prefix}-nobody" does not exist\n`);
      const q = await ctl('delete_queue', '-p', '/', `${t.prefix}-noq`);
      expect(q.stderr).toBe('Failed: Error: Queue not found\n');
      expect((await ctl('set_permissions', 'u')).code).toBe(2);
      expect((await ctl('frobnicate')).code).toBe(2);
      expect((await ctl()).code).toBe(2);
      const status = await ctl('status');
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/^Status of node .* \.\.\.\n/);
      const conns = await ctl('-q', 'list_connections');
      expect(conns.code).toBe(0);
      const port = await closedPort();
      const down = await run('qpid-ctl', ['--mgmt-url', `http://127.0.0.1:${port}`, 'list_users']);
      expect(down.code).toBe(1);
      expect(down.stderr.trim().split('\n')).toHaveLength(1);
      expect(down.stderr).toMatch(
        /^Failed: ConnectError: cannot reach the management API at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
      );
      const help = await run('qpid-ctl', ['--help']);
      expect(help.stdout).toContain("qpid-ctl add_user app-user 's3cret'");
    }, 30_000);
  });
}
