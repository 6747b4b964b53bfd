/**
 * Shared by the qpid-config and qpid-stat tests: the brokers to run against (the bundled one
 * in-process with its management API, and RabbitMQ when RABBITMQ_URL is set) and a runner for
 * the built commands (npm run build first).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { deleteRabbitmqObjects, rabbitmqMgmtUrl, rabbitmqUrl, uniqueName } from '../helpers/rabbitmq.js';

export interface AdminTarget {
  kind: 'bundled' | 'rabbitmq';
  /** The broker options every command gets: -b and --mgmt-url. */
  flags: string[];
  amqpUrl: string;
  mgmtUrl: string;
  /** A prefix of this run's object names (removed at the end on RabbitMQ). */
  prefix: string;
  close(): Promise<void>;
}

export interface TargetFactory {
  kind: 'bundled' | 'rabbitmq';
  start(): Promise<AdminTarget>;
}

export const targets: TargetFactory[] = [
  {
    kind: 'bundled',
    async start() {
      const tb: TestBroker = await startTestBroker({ mgmtPort: 0 });
      const mgmtUrl = tb.broker.mgmtUrl as string;
      return {
        kind: 'bundled',
        flags: ['-b', `guest/guest@127.0.0.1:${tb.port}`, '--mgmt-url', mgmtUrl],
        amqpUrl: tb.url,
        mgmtUrl,
        prefix: uniqueName('qt'),
        close: () => tb.stop(),
      };
    },
  },
  ...(rabbitmqUrl && rabbitmqMgmtUrl
    ? [
        {
          kind: 'rabbitmq' as const,
          async start(): Promise<AdminTarget> {
            const prefix = uniqueName('qt');
            return {
              kind: 'rabbitmq',
              flags: ['-b', rabbitmqUrl as string, '--mgmt-url', rabbitmqMgmtUrl as string],
              amqpUrl: rabbitmqUrl as string,
              mgmtUrl: rabbitmqMgmtUrl as string,
              prefix,
              close: async () => {
                await deleteRabbitmqObjects(prefix);
              },
            };
          },
        },
      ]
    : []),
];

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ReturnType<typeof spawn>;
  stdout: () => string;
  result: Promise<RunResult>;
}

/** Starts bin/<command>.js; it is killed after `timeoutMs`. */
export function start(command: string, args: string[], timeoutMs = 20_000, env: Record<string, string> = {}): Running {
  const bin = new URL(`../../bin/${command}.js`, import.meta.url).pathname;
  const child = spawn(process.execPath, [bin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const result = new Promise<RunResult>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, result };
}

export function run(
  command: string,
  args: string[],
  timeoutMs?: number,
  env: Record<string, string> = {},
): Promise<RunResult> {
  return start(command, args, timeoutMs, env).result;
}

/** Calls `probe` until it returns a value (not undefined) or `timeoutMs` passes; RabbitMQ's statistics lag by up to 5 s. */
export async function poll<T>(probe: () => Promise<T | undefined>, timeoutMs = 25_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A port on 127.0.0.1 that nothing listens on (taken, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
