// Access to the real RabbitMQ that interop and parity tests compare against.
//
// The node comes from scripts/rabbitmq-node.sh (CI runs it via .ci/run):
//   eval "$(scripts/rabbitmq-node.sh start)"; export RABBITMQ_URL RABBITMQ_MGMT_URL
// Without RABBITMQ_URL the RabbitMQ-only suites are skipped locally; in CI
// (process.env.CI set) a missing URL is an error, so they can never be
// skipped silently.
//
// The node is shared by every test file of a run and vitest runs files in
// parallel, so tests must not wipe the broker: give every queue and exchange
// a name from uniqueName() and, if they are not auto-delete/exclusive, remove
// them afterwards (deleteRabbitmqObjects(prefix) does that by prefix).
import { randomBytes } from 'node:crypto';
import { describe } from 'vitest';

export const rabbitmqUrl: string | undefined = process.env['RABBITMQ_URL'] || undefined;

export const rabbitmqMgmtUrl: string | undefined =
  process.env['RABBITMQ_MGMT_URL'] || (rabbitmqUrl ? mgmtUrlFor(rabbitmqUrl) : undefined);

if (process.env['CI'] && !rabbitmqUrl) {
  throw new Error(
    'CI is set but RABBITMQ_URL is not: the RabbitMQ interop/parity tests would be skipped. ' +
      'Start a node with `eval "$(scripts/rabbitmq-node.sh start)"` and export RABBITMQ_URL (see .ci/run).',
  );
}

/** `describe` when a RabbitMQ node is configured, `describe.skip` otherwise. */
export const describeRabbitmq: typeof describe.skip = rabbitmqUrl ? describe : describe.skip;

/** A name no other test (or earlier run against the same node) uses: `prefix-<time>-<random>`. */
export function uniqueName(prefix = 'test'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Calls RabbitMQ's management HTTP API (`path` like `/api/overview`) as the URL's user; parses JSON. */
export async function rabbitmqApi<T = unknown>(path: string, init: RequestInit = {}): Promise<T> {
  if (!rabbitmqMgmtUrl) throw new Error('RABBITMQ_MGMT_URL is not set');
  const { username, password } = credentialsOf(rabbitmqUrl);
  const headers = new Headers(init.headers);
  headers.set('authorization', `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  const res = await fetch(new URL(path, rabbitmqMgmtUrl), { ...init, headers, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * Deletes the queues and exchanges of vhost `/` whose names start with `prefix`
 * (never the default ones). Safe while other files run, as long as prefixes
 * come from uniqueName().
 */
export async function deleteRabbitmqObjects(prefix: string): Promise<{ queues: number; exchanges: number }> {
  if (!prefix) throw new Error('deleteRabbitmqObjects needs a non-empty prefix');
  const vhost = encodeURIComponent('/');
  const queues = await rabbitmqApi<{ name: string }[]>(`/api/queues/${vhost}?columns=name`);
  const exchanges = await rabbitmqApi<{ name: string }[]>(`/api/exchanges/${vhost}?columns=name`);
  const doomedQueues = queues.filter((q) => q.name.startsWith(prefix));
  const doomedExchanges = exchanges.filter((x) => x.name.startsWith(prefix) && !x.name.startsWith('amq.'));
  for (const q of doomedQueues) {
    await rabbitmqApi(`/api/queues/${vhost}/${encodeURIComponent(q.name)}`, { method: 'DELETE' }).catch(ignoreGone);
  }
  for (const x of doomedExchanges) {
    await rabbitmqApi(`/api/exchanges/${vhost}/${encodeURIComponent(x.name)}`, { method: 'DELETE' }).catch(ignoreGone);
  }
  return { queues: doomedQueues.length, exchanges: doomedExchanges.length };
}

function ignoreGone(err: unknown): void {
  // Auto-delete objects may vanish between the listing and the DELETE.
  if (!(err instanceof Error && err.message.includes('HTTP 404'))) throw err;
}

function credentialsOf(url: string | undefined): { username: string; password: string } {
  const parsed = url ? new URL(url) : undefined;
  return {
    username: decodeURIComponent(parsed?.username || 'guest'),
    password: decodeURIComponent(parsed?.password || 'guest'),
  };
}

// scripts/rabbitmq-node.sh puts management on the AMQP port + 10000 (5673 → 15673).
function mgmtUrlFor(amqpUrl: string): string {
  const u = new URL(amqpUrl);
  const port = Number(u.port || 5672) + 10_000;
  return `http://${u.hostname}:${port}`;
}
