// Access to the private 3-node RabbitMQ cluster of scripts/rabbitmq-cluster.sh.
//
//   eval "$(scripts/rabbitmq-cluster.sh start)"
//   export RABBITMQ_CLUSTER_URLS RABBITMQ_CLUSTER_MGMT_URLS RABBITMQ_CLUSTER_NODES
//
// Without RABBITMQ_CLUSTER_URLS the cluster suites are skipped locally; in CI a
// missing variable is an error, so they can never be skipped silently.
// Suites that kill or restart nodes take the cluster lock first
// (withClusterLock), so two test files never disturb each other's nodes.
import { execFile } from 'node:child_process';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe } from 'vitest';

const run = promisify(execFile);

function listOf(name: string): string[] {
  return (process.env[name] ?? '').split(',').filter((s) => s.length > 0);
}

export const clusterUrls: string[] = listOf('RABBITMQ_CLUSTER_URLS');
export const clusterMgmtUrls: string[] = listOf('RABBITMQ_CLUSTER_MGMT_URLS');
export const clusterNodes: string[] = listOf('RABBITMQ_CLUSTER_NODES');

if (process.env['CI'] && clusterUrls.length !== 3) {
  throw new Error(
    'CI is set but RABBITMQ_CLUSTER_URLS does not name three nodes: the cluster failover tests would be skipped. ' +
      'Start one with `eval "$(scripts/rabbitmq-cluster.sh start)"` and export its variables (see .ci/run).',
  );
}

/** `describe` when a cluster is configured, `describe.skip` otherwise. */
export const describeCluster: typeof describe.skip = clusterUrls.length === 3 ? describe : describe.skip;

/** Letter of node `i` (0..2) as the cluster script names it. */
export const nodeLetter = (i: number): string => 'abc'[i] ?? 'a';

const script = resolve(import.meta.dirname, '../../scripts/rabbitmq-cluster.sh');

/** Runs `scripts/rabbitmq-cluster.sh ARGS` with this process's environment; resolves to its stderr. */
export async function clusterScript(...args: string[]): Promise<string> {
  const { stderr } = await run('bash', [script, ...args], { timeout: 180_000 });
  return stderr;
}

/** kill -9 of node `i`'s VM; resolves once the process is gone. */
export const killNode = (i: number): Promise<string> => clusterScript('kill', nodeLetter(i));
/** Starts node `i` again on its old state; resolves once it accepts work. */
export const restartNode = (i: number): Promise<string> => clusterScript('restart', nodeLetter(i));

/** Calls node `i`'s management API as guest; parses JSON. */
export async function clusterApi<T = unknown>(i: number, path: string, init: RequestInit = {}): Promise<T> {
  const base = clusterMgmtUrls[i];
  if (!base) throw new Error(`no management URL for cluster node ${i}`);
  const headers = new Headers(init.headers);
  headers.set('authorization', `Basic ${Buffer.from('guest:guest').toString('base64')}`);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  const res = await fetch(new URL(path, base), { ...init, headers, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

const lockDir = join(
  process.env['RABBITMQ_CLUSTER_DIR'] ?? resolve(import.meta.dirname, '../../.rabbitmq-cluster'),
  'test-lock',
);

/**
 * Holds an exclusive lock (mkdir is atomic) while `fn` disturbs the cluster.
 * A lock older than `staleMs` was left by a killed run and is taken over.
 */
export async function withClusterLock<T>(fn: () => Promise<T>, waitMs = 600_000, staleMs = 900_000): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await mkdir(lockDir, { recursive: false });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lockDir).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > staleMs) await rm(lockDir, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`cluster lock ${lockDir} still held after ${waitMs} ms`);
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
