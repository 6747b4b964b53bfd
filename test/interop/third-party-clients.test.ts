/**
 * Real third-party AMQP clients (Debian's python3-pika and python3-kombu, which
 * .ci/run installs) run the same program against the bundled broker and
 * RabbitMQ; what each observed must be equal.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe } from 'vitest';
import { describeParity, parityTest } from '../helpers/parity.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const dir = new URL('./clients/', import.meta.url).pathname;

async function hasModule(mod: string): Promise<boolean> {
  if (!existsSync(PYTHON)) return false;
  try {
    await run(PYTHON, ['-c', `import ${mod}`]);
    return true;
  } catch {
    return false;
  }
}

// In CI the modules are installed by .ci/run, so these never skip there.
const [pika, kombu] = await Promise.all([hasModule('pika'), hasModule('kombu')]);
if (process.env['CI'] && !(pika && kombu)) throw new Error('CI needs python3-pika and python3-kombu (see .ci/run)');

async function script(name: string, url: string, prefix: string): Promise<unknown> {
  const port = new URL(url).port;
  const { stdout } = await run(PYTHON, [`${dir}${name}`, port, prefix], { timeout: 20_000 });
  return JSON.parse(stdout.trim().split('\n').pop() as string);
}

(pika ? describeParity : describe.skip)('pika 1.2 (seed 002/003 programs)', () => {
  parityTest(
    'declare, persistent publish with confirms, get, consume with qos, topic, mandatory, passive',
    (url, ctx) => script('pika_flow.py', url, ctx.name('pika')),
  );
  parityTest('direct reply-to: seed 002 RPC Fibonacci over amq.rabbitmq.reply-to, and its misuse errors', (url, ctx) =>
    script('pika_direct_reply_to.py', url, ctx.name('pika-drt')),
  );
});

(kombu ? describeParity : describe.skip)('kombu 5 (as oslo.messaging uses it)', () => {
  parityTest('topic exchange, consumer with callbacks, json bodies', (url, ctx) =>
    script('kombu_flow.py', url, ctx.name('kombu')),
  );
});
