// Provisioning users, vhosts and permissions through the management HTTP API,
// the same calls for the bundled broker and RabbitMQ (CI provisions RabbitMQ
// this way), plus a runner that gives each parity scenario its own vhost and user.
import { afterAll, beforeAll } from 'vitest';
import type { Permission } from '../../src/broker/auth/types.js';
import { startTestBroker, type TestBroker } from './broker.js';
import { runParity, type Scenario, type ScenarioContext } from './parity.js';
import { rabbitmqMgmtUrl, rabbitmqUrl } from './rabbitmq.js';

export interface MgmtResult {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies
  json: any;
}

/** One management API call as `user` (guest by default). */
export async function mgmt(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  auth: { user: string; password: string } | null = { user: 'guest', password: 'guest' },
  headers: Record<string, string> = {},
): Promise<MgmtResult> {
  const h: Record<string, string> = { ...headers };
  if (auth) h['authorization'] = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  const res = await fetch(new URL(path, base), {
    method,
    headers: h,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

const enc = encodeURIComponent;

export interface Tenant {
  vhost: string;
  user: string;
  password: string;
  /** amqp URL that logs in as the tenant's user on its vhost. */
  url: string;
  /** Management API base of the same broker. */
  mgmtUrl: string;
}

export interface TenantSpec {
  permissions?: Permission | null;
  tags?: string;
  /** Permissions of the user on another vhost instead (null: none anywhere). */
  vhost?: string;
}

/** Creates vhost + user (+ permissions) and returns how to log in. */
export async function createTenant(
  amqpUrl: string,
  mgmtUrl: string,
  name: string,
  spec: TenantSpec = {},
): Promise<Tenant> {
  const vhost = spec.vhost ?? `${name}-vh`;
  const user = `${name}-user`;
  const password = `${name}-pw`;
  await expectOk(mgmt(mgmtUrl, 'PUT', `/api/vhosts/${enc(vhost)}`, {}));
  await expectOk(mgmt(mgmtUrl, 'PUT', `/api/users/${enc(user)}`, { password, tags: spec.tags ?? '' }));
  if (spec.permissions !== null) {
    const p = spec.permissions ?? { configure: '.*', write: '.*', read: '.*' };
    await expectOk(mgmt(mgmtUrl, 'PUT', `/api/permissions/${enc(vhost)}/${enc(user)}`, p));
  }
  const u = new URL(amqpUrl);
  const url = `amqp://${enc(user)}:${enc(password)}@${u.host}/${enc(vhost)}`;
  return { vhost, user, password, url, mgmtUrl };
}

export async function dropTenant(t: Tenant): Promise<void> {
  await mgmt(t.mgmtUrl, 'DELETE', `/api/vhosts/${enc(t.vhost)}`);
  await mgmt(t.mgmtUrl, 'DELETE', `/api/users/${enc(t.user)}`);
}

async function expectOk(p: Promise<MgmtResult>): Promise<void> {
  const r = await p;
  if (r.status >= 300) throw new Error(`provisioning failed: ${r.status} ${JSON.stringify(r.json)}`);
}

/**
 * A bundled broker with management for the file, and `tenantParity(spec, scenario)`:
 * the scenario runs on RabbitMQ (when configured) and on the bundled broker,
 * each time with a fresh vhost and user made by `spec`.
 */
export function useTenantBrokers(options: Parameters<typeof startTestBroker>[0] = {}) {
  let tb: TestBroker | undefined;
  beforeAll(async () => {
    tb = await startTestBroker({ mgmtPort: 0, ...options });
  });
  afterAll(async () => {
    await tb?.stop();
  });
  const mgmtFor = (url: string) => (url === rabbitmqUrl ? (rabbitmqMgmtUrl as string) : (tb?.broker.mgmtUrl as string));
  return {
    get bundled(): TestBroker {
      return tb as TestBroker;
    },
    mgmtFor,
    run<T>(spec: TenantSpec, scenario: (t: Tenant, ctx: ScenarioContext, adminUrl: string) => Promise<T>) {
      const s: Scenario<T> = async (url, ctx) => {
        const t = await createTenant(url, mgmtFor(url), ctx.name('acl'), spec);
        try {
          return await scenario(t, ctx, url);
        } finally {
          await dropTenant(t);
        }
      };
      return runParity(s, { bundledUrl: tb?.url, runTimeoutMs: 20_000 });
    },
  };
}

/**
 * Opens a connection to `amqpUrl` (user, password and vhost from the URL) at
 * the frame level and reports what connection.open got: 'opened', or the
 * server's connection.close (amqplib hides its code and text at open time).
 * The connection is closed afterwards.
 */
export async function openOutcome(
  amqpUrl: string,
): Promise<'opened' | { code: number; text: string; classId: number; methodId: number }> {
  const { RawAmqp } = await import('./raw-amqp.js');
  const { PROTOCOL_HEADER } = await import('../../src/protocol/index.js');
  const u = new URL(amqpUrl);
  const c = await RawAmqp.connect(Number(u.port || 5672), u.hostname);
  try {
    c.write(PROTOCOL_HEADER);
    await c.method('connection.start', 0);
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    c.send(0, 'connection.start-ok', {
      clientProperties: { capabilities: { authentication_failure_close: true } },
      mechanism: 'PLAIN',
      response: Buffer.from(`\0${user}\0${pass}`),
      locale: 'en_US',
    });
    const tune = await c.method('connection.tune', 0);
    c.send(0, 'connection.tune-ok', { channelMax: tune.args.channelMax, frameMax: tune.args.frameMax, heartbeat: 0 });
    const vhost = u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : '/';
    c.send(0, 'connection.open', { virtualHost: vhost });
    const f = await c.next((x) => x.method?.name === 'connection.open-ok' || x.method?.name === 'connection.close');
    if (f.method?.name === 'connection.open-ok') {
      c.send(0, 'connection.close', { replyCode: 200, replyText: 'bye', classId: 0, methodId: 0 });
      await c.method('connection.close-ok', 0).catch(() => {});
      return 'opened';
    }
    const a = (f.method as { args: { replyCode: number; replyText: string; classId: number; methodId: number } }).args;
    c.send(0, 'connection.close-ok', {});
    return { code: a.replyCode, text: a.replyText, classId: a.classId, methodId: a.methodId };
  } finally {
    c.close();
  }
}
