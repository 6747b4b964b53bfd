// Runs RabbitMQ's own `rabbitmqadmin` (the 3.10 Python script Debian's rabbitmq-server package installs
// as /usr/bin/rabbitmqadmin; .ci/run makes sure it is there) against a management API URL.
//
//   const r = await rabbitmqadmin(mgmtUrl, ['list', 'queues', 'name', 'messages'], { format: 'raw_json' });
//   expect(r.code).toBe(0);
//   const rows = r.json<{ name: string }[]>();
//
// - The URL's host, port and credentials (default guest/guest) become -H/-P/-u/-p; `vhost` becomes -V.
// - HOME points at an empty directory so a user's ~/.rabbitmqadmin.conf cannot change what runs.
// - Every run is bounded in time (default 20 s, then SIGKILL) and never throws: the exit code, stdout and
//   stderr come back for the test to assert on.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const RABBITMQADMIN = process.env['RABBITMQADMIN'] ?? '/usr/bin/rabbitmqadmin';

/** True when the script is installed (it comes with Debian's rabbitmq-server package). */
export const rabbitmqadminAvailable: boolean = existsSync(RABBITMQADMIN);

if (process.env['CI'] && !rabbitmqadminAvailable) {
  throw new Error(`CI is set but ${RABBITMQADMIN} is missing: install rabbitmq-server (see .ci/run)`);
}

export interface RabbitmqadminOptions {
  /** -V: the vhost for declare/list (rabbitmqadmin's default: all vhosts for list, '/' for declare). */
  vhost?: string;
  /** -f: raw_json, pretty_json, tsv, long, table, kvp, bash. */
  format?: string;
  /** Data for stdin (publish without payload= reads it). */
  stdin?: string;
  /** Working directory (export/import take file names). */
  cwd?: string;
  /** Kill after this long (default 20 s). */
  timeoutMs?: number;
  /** Credentials overriding the URL's. */
  username?: string;
  password?: string;
}

export interface RabbitmqadminResult {
  /** Exit code; null when killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for -f raw_json / pretty_json); throws with the output when it is not JSON. */
  json<T = unknown>(): T;
}

const emptyHome = (() => {
  let dir: string | undefined;
  return () => {
    dir ??= mkdtempSync(join(tmpdir(), 'rabbitmqadmin-home-'));
    return dir;
  };
})();

/** The -H/-P/-u/-p arguments for a management URL like `http://guest:guest@127.0.0.1:15672`. */
export function connectionArgs(mgmtUrl: string, options: RabbitmqadminOptions = {}): string[] {
  const u = new URL(mgmtUrl);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const args = ['-H', u.hostname.replace(/^\[|\]$/g, ''), '-P', port];
  args.push('-u', options.username ?? (decodeURIComponent(u.username) || 'guest'));
  args.push('-p', options.password ?? (decodeURIComponent(u.password) || 'guest'));
  if (u.protocol === 'https:') args.push('--ssl');
  if (options.vhost !== undefined) args.push('-V', options.vhost);
  if (options.format !== undefined) args.push('-f', options.format);
  return args;
}

/** Runs `rabbitmqadmin <connection args> ...args` and collects what it printed. */
export function rabbitmqadmin(
  mgmtUrl: string,
  args: readonly string[],
  options: RabbitmqadminOptions = {},
): Promise<RabbitmqadminResult> {
  const argv = [...connectionArgs(mgmtUrl, options), ...args];
  const child = spawn(RABBITMQADMIN, argv, {
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, HOME: emptyHome(), USERPROFILE: '', PYTHONIOENCODING: 'utf-8' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.stdin ?? '');
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  return new Promise((resolve) => {
    const finish = (code: number | null) => {
      clearTimeout(killer);
      resolve({
        code,
        stdout,
        stderr,
        json<T>() {
          try {
            return JSON.parse(stdout) as T;
          } catch {
            throw new Error(`rabbitmqadmin ${args.join(' ')}: not JSON (exit ${code}): ${stdout}${stderr}`);
          }
        },
      });
    };
    child.on('error', (e) => {
      stderr += String(e);
      finish(127);
    });
    child.on('close', finish);
  });
}
