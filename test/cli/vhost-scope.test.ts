// qpid-config and qpid-stat scoped to a vhost (--vhost, or the vhost of an
// amqp:// URL) and to what the logged-in user may see, on both brokers.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTenant, dropTenant, mgmt, type Tenant } from '../helpers/access.js';
import { type AdminTarget, run, targets } from './admin-helpers.js';

for (const factory of targets) {
  describe(`vhost scope against '${factory.kind}'`, () => {
    let t: AdminTarget;
    let tenant: Tenant;
    beforeAll(async () => {
      t = await factory.start();
      tenant = await createTenant(t.amqpUrl, t.mgmtUrl, `${t.prefix}-vs`, { tags: 'management' });
      await mgmt(t.mgmtUrl, 'PUT', `/api/queues/${encodeURIComponent(tenant.vhost)}/${t.prefix}-inside`, {});
      await mgmt(t.mgmtUrl, 'PUT', `/api/queues/%2F/${t.prefix}-outside`, {});
    });
    afterAll(async () => {
      await mgmt(t.mgmtUrl, 'DELETE', `/api/queues/%2F/${t.prefix}-outside`);
      await dropTenant(tenant);
      await t?.close();
    });
    const asTenant = (...args: string[]) => run('qpid-config', ['-b', tenant.url, '--mgmt-url', t.mgmtUrl, ...args]);

    test("the vhost of the URL: the tenant's queues only", async () => {
      const r = await asTenant('queues');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`${t.prefix}-inside`);
      expect(r.stdout).not.toContain(`${t.prefix}-outside`);
    });

    test('--vhost picks another vhost; one the user has no permissions on is refused in one line', async () => {
      const admin = await run('qpid-config', [...t.flags, '--vhost', tenant.vhost, 'queues']);
      expect(admin.stdout).toContain(`${t.prefix}-inside`);
      expect(admin.stdout).not.toContain(`${t.prefix}-outside`);
      const refused = await asTenant('--vhost', '/', 'queues');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe('Failed: ManagementError: User not authorised to access virtual host\n');
    });

    test('qpid-stat -q shows the URL vhost only', async () => {
      const r = await run('qpid-stat', ['-b', tenant.url, '--mgmt-url', t.mgmtUrl, '-q']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`${t.prefix}-inside`);
      expect(r.stdout).not.toContain(`${t.prefix}-outside`);
    });
  });
}
