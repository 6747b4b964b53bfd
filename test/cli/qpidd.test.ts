/** Spawns the built `qpidd` command (npm test builds dist/ first). */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import amqp from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/qpidd.js', import.meta.url).pathname;
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function run(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const line = async () => {
    const deadline = Date.now() + 10_000;
    while (!stdout.includes('\n')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no listening line; stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return stdout.split('\n')[0] as string;
  };
  return { child, exited, line, out: () => stdout, err: () => stderr };
}

describe('qpidd', () => {
  it('prints the address it listens on and closes connections with 320 on SIGTERM, exiting 0', async () => {
    const p = run(['--port', '0', '--no-data-dir']);
    const line = await p.line();
    expect(line).toMatch(/^qpidd listening on amqp:\/\/127\.0\.0\.1:\d+$/);
    const port = Number(line.split(':').pop());
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`);
    conn.on('error', () => {});
    const closed = new Promise<unknown>((resolve) => conn.on('close', resolve));
    p.child.kill('SIGTERM');
    const err = (await closed) as { code?: number; message: string };
    expect(err.code).toBe(320);
    expect(err.message).toContain('CONNECTION_FORCED');
    expect(await p.exited).toBe(0);
  });

  it('exits 0 on SIGINT', async () => {
    const p = run(['--port', '0', '--no-data-dir']);
    await p.line();
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
  });

  it('fails with one clear line and exit 1 when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const p = run(['--port', String(port), '--interface', '127.0.0.1', '--no-data-dir']);
    expect(await p.exited).toBe(1);
    expect(p.err().trim().split('\n')).toHaveLength(1);
    expect(p.err()).toContain('EADDRINUSE');
    blocker.close();
  });

  it('rejects an unknown option with exit 2', async () => {
    const p = run(['--no-such-option']);
    expect(await p.exited).toBe(2);
    expect(p.err()).toMatch(/Unknown argument/i);
  });

  it('rejects a port that is not one with one clear line and exit 2', async () => {
    for (const args of [
      ['--port', 'abc'],
      ['--mgmt-port', '70000'],
      ['--port', '1.5'],
    ]) {
      const p = run([...args, '--no-data-dir']);
      expect(await p.exited).toBe(2);
      expect(p.err().trim()).toBe(`qpidd: ${args[0]} must be a port number from 0 to 65535`);
    }
  });

  it('-h is --help, as in Qpid', async () => {
    const p = run(['-h']);
    expect(await p.exited).toBe(0);
    expect(p.out()).toContain('--port');
  });

  it('--help lists the options and exits 0', async () => {
    const p = run(['--help']);
    expect(await p.exited).toBe(0);
    for (const o of ['--port', '--interface', '--data-dir', '--no-data-dir', '--auth', '--log-enable'])
      expect(p.out()).toContain(o);
  });

  it('--auth no accepts any credentials', async () => {
    const p = run(['--port', '0', '--auth', 'no', '--no-data-dir']);
    const port = Number((await p.line()).split(':').pop());
    const conn = await amqp.connect(`amqp://someone:anything@127.0.0.1:${port}`);
    await conn.close();
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });
});
