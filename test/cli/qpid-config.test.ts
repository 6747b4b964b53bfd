/** Spawns the built `qpid-config` against the bundled broker and, when configured, RabbitMQ. */
import { readFileSync } from 'node:fs';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminTarget, closedPort, run, targets } from './admin-helpers.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

describe('qpid-config (no broker needed)', () => {
  it('--help shows the usage forms and the examples from the documents; --version the version', async () => {
    // Wide enough that no example wraps (the wrapping itself is tested in help-width.test.ts).
    process.env['COLUMNS'] = '200';
    const help = await run('qpid-config', ['--help']).finally(() => {
      delete process.env['COLUMNS'];
    });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('add exchange <type> <name>');
    expect(help.stdout).toContain('qpid-config add exchange topic news-service');
    for (const o of ['--durable', '--max-queue-size', '--limit-policy', '--force-if-used', '--mgmt-url', '--json']) {
      expect(help.stdout).toContain(o);
    }
    const version = await run('qpid-config', ['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(VERSION);
  });

  it('unknown commands and options exit 2 with a usage message', async () => {
    const cmd = await run('qpid-config', ['frobnicate', '--mgmt-url', 'http://127.0.0.1:1']);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toContain("unknown command 'frobnicate'");
    const opt = await run('qpid-config', ['--no-such-option']);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toMatch(/Unknown argument/i);
    const missing = await run('qpid-config', ['add', 'exchange', 'topic']);
    expect(missing.code).toBe(2);
    const policy = await run('qpid-config', ['add', 'queue', 'q', '--limit-policy', 'flow-to-disk']);
    expect(policy.code).toBe(2);
  });

  it('a broker that is not running gives exactly one Failed: ConnectError line and exit 1', async () => {
    const port = await closedPort();
    const r = await run('qpid-config', ['--mgmt-url', `http://127.0.0.1:${port}`, 'queues']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `Failed: ConnectError: cannot reach the management API at http://127.0.0.1:${port} (ECONNREFUSED, given with --mgmt-url); set its URL with --mgmt-url URL or the QPID_MGMT_URL environment variable\n`,
    );
  });
});

describe.each(targets)('qpid-config against $kind', (factory) => {
  let t: AdminTarget;
  const cfg = (...args: string[]) => run('qpid-config', [...t.flags, ...args]);
  const n = (s: string) => `${t.prefix}-${s}`;

  beforeAll(async () => {
    t = await factory.start();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("creates the documents' topic exchange news-service and lists it; a second add fails", async () => {
    // The bundled broker is private to this file: use the documents' name as is.
    const news = t.kind === 'bundled' ? 'news-service' : n('news-service');
    const add = await cfg('add', 'exchange', 'topic', news);
    expect(add).toEqual({ code: 0, stdout: '', stderr: '' });
    const list = await cfg('exchanges', news);
    expect(list.code).toBe(0);
    const w = Math.max('Exchange Name'.length, news.length);
    expect(list.stdout).toBe(
      `Type      ${'Exchange Name'.padEnd(w)}  Attributes\n` +
        `${'='.repeat(5 * (Math.floor((w + 10) / 5) + 5))}\n` +
        `topic     ${news}\n`,
    );
    const again = await cfg('add', 'exchange', 'topic', news);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`Failed: ObjectAlreadyExists: exchange '${news}' already exists in vhost '/'\n`);
    const del = await cfg('del', 'exchange', news);
    expect(del.code).toBe(0);
    expect((await cfg('exchanges', news)).code).toBe(1);
  });

  it('the overview counts exchanges by type and queues by durability', async () => {
    await cfg('add', 'queue', n('ov-durable'), '--durable');
    const r = await cfg();
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const total = Number(/^Total Exchanges: (\d+)$/.exec(lines[0] ?? '')?.[1]);
    const types = lines.slice(1, lines.indexOf(''));
    for (const l of types) expect(l).toMatch(/^ {0,13}[a-z.-]+: \d+$/);
    expect(types.map((l) => Number(l.split(': ')[1])).reduce((a, b) => a + b, 0)).toBe(total);
    const q = r.stdout.match(/ {3}Total Queues: (\d+)\n {8}durable: (\d+)\n {4}non-durable: (\d+)\n$/);
    expect(q).not.toBeNull();
    expect(Number(q?.[2]) + Number(q?.[3])).toBe(Number(q?.[1]));
    expect(Number(q?.[2])).toBeGreaterThanOrEqual(1);
    if (t.kind === 'bundled') {
      expect(types).toContain('         direct: 2');
      const json = JSON.parse((await cfg('--json')).stdout);
      expect(json.queues).toEqual({ total: Number(q?.[1]), durable: Number(q?.[2]), nonDurable: Number(q?.[3]) });
      expect(json.exchanges.total).toBe(total);
    }
  });

  it('add queue --quorum declares a durable quorum queue and lists it with --quorum', async () => {
    const q = n('quorum');
    const add = await cfg('add', 'queue', q, '--quorum', '--delivery-limit', '3');
    expect(add).toEqual({ code: 0, stdout: '', stderr: '' });
    const list = await cfg('queues', q);
    expect(list.stdout.split('\n')[2]?.trim()).toBe(`${q}  --durable --quorum --delivery-limit=3`);
    const json = JSON.parse((await cfg('queues', q, '--json')).stdout);
    expect(json[0].arguments).toEqual({ 'x-queue-type': 'quorum', 'x-delivery-limit': 3 });
    expect((await cfg('add', 'queue', n('qs'), '--quorum', '--stream')).code).toBe(2);
    // RabbitMQ refuses if-unused/if-empty deletes of quorum queues: --force is needed there.
    expect((await cfg('del', 'queue', q, '--force')).code).toBe(0);
  });

  it("add queue maps Qpid's limits onto RabbitMQ arguments and lists them in Qpid's form", async () => {
    const q = n('limited');
    const add = await cfg(
      'add',
      'queue',
      q,
      '--durable',
      '--max-queue-size',
      '100000',
      '--max-queue-count',
      '10',
      '--limit-policy',
      'reject',
      '--alternate-exchange',
      'amq.fanout',
      '--argument',
      'x-max-priority=5',
      '--argument',
      'colour=red',
    );
    expect(add).toEqual({ code: 0, stdout: '', stderr: '' });
    const list = await cfg('queues', q);
    const w = Math.max('Queue Name'.length, q.length);
    expect(list.stdout).toBe(
      `${'Queue Name'.padEnd(w)}  Attributes\n${'='.repeat(5 * (Math.floor(w / 5) + 5))}\n` +
        `${q.padEnd(w)}  --durable --max-queue-size=100000 --max-queue-count=10 --limit-policy=reject ` +
        '--alternate-exchange=amq.fanout --argument colour=red --argument x-max-priority=5\n',
    );
    const json = JSON.parse((await cfg('queues', q, '--json')).stdout);
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ name: q, durable: true, autoDelete: false, exclusive: false });
    expect(json[0].arguments).toEqual({
      'x-max-length-bytes': 100000,
      'x-max-length': 10,
      'x-overflow': 'reject-publish',
      'x-dead-letter-exchange': 'amq.fanout',
      'x-max-priority': 5,
      colour: 'red',
    });
    const ring = n('ring');
    expect((await cfg('add', 'queue', ring, '--max-queue-count', '2', '--limit-policy', 'ring')).code).toBe(0);
    expect((await cfg('queues', ring)).stdout).toContain(`${ring}  --max-queue-count=2 --limit-policy=ring\n`);
    // The broker enforces it: a ring queue of 2 keeps the newest two.
    const conn = await amqp.connect(t.amqpUrl);
    try {
      const ch = await conn.createConfirmChannel();
      for (const body of ['1', '2', '3']) ch.sendToQueue(ring, Buffer.from(body));
      await ch.waitForConfirms();
      const first = await ch.get(ring, { noAck: true });
      expect(first ? first.content.toString() : undefined).toBe('2');
    } finally {
      await conn.close();
    }
  });

  it('a broker refusal (inequivalent redeclare) is one Failed line with the reason, exit 1', async () => {
    const q = n('plain');
    expect((await cfg('add', 'queue', q)).code).toBe(0);
    const r = await cfg('add', 'queue', q, '--durable');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `Failed: ManagementError: inequivalent arg 'durable' for queue '${q}' in vhost '/': received 'true' but current is 'false'\n`,
    );
  });

  it('binds and unbinds on topic and headers exchanges (all/any) and shows bindings with -r', async () => {
    const q = n('bound');
    const topic = n('topic');
    const hx = n('hx');
    expect((await cfg('add', 'queue', q)).code).toBe(0);
    expect((await cfg('add', 'exchange', 'topic', topic, '--durable')).code).toBe(0);
    expect((await cfg('add', 'exchange', 'headers', hx, '--alternate-exchange', 'amq.fanout')).code).toBe(0);
    expect(await cfg('bind', topic, q, '#.news')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await cfg('bind', hx, q, 'k1', 'all', 'colour=red', 'size=2')).code).toBe(0);
    expect((await cfg('bind', hx, q, 'k2', 'any', 'colour=blue')).code).toBe(0);

    const queues = await cfg('-r', 'queues', q);
    expect(queues.stdout).toBe(
      `Queue '${q}'\n` +
        `    bind [${q}] => ''\n` +
        `    bind [k1] => ${hx} {'colour': 'red', 'size': 2, 'x-match': 'all'}\n` +
        `    bind [k2] => ${hx} {'colour': 'blue', 'x-match': 'any'}\n` +
        `    bind [#.news] => ${topic}\n`,
    );
    const ignoring = await cfg('-r', '--ignore-default', 'queues', q);
    expect(ignoring.stdout).not.toContain("=> ''");
    const ex = await cfg('-r', 'exchanges', topic);
    expect(ex.stdout).toBe(`Exchange '${topic}' (topic)\n    bind [#.news] => ${q}\n`);
    const attrs = await cfg('exchanges', n(''));
    const w = Math.max(13, topic.length, hx.length);
    expect(attrs.stdout).toContain(`topic     ${topic.padEnd(w)}  --durable\n`);
    expect(attrs.stdout).toContain(`headers   ${hx.padEnd(w)}  --alternate-exchange=amq.fanout\n`);
    const json = JSON.parse((await cfg('-r', 'exchanges', hx, '--json')).stdout);
    expect(json[0].bindings).toEqual([
      { queue: q, key: 'k1', arguments: { colour: 'red', size: 2, 'x-match': 'all' } },
      { queue: q, key: 'k2', arguments: { colour: 'blue', 'x-match': 'any' } },
    ]);

    // The headers bindings route: all needs both headers, any needs one.
    const conn = await amqp.connect(t.amqpUrl);
    try {
      const ch = await conn.createConfirmChannel();
      ch.publish(hx, '', Buffer.from('both'), { headers: { colour: 'red', size: 2 } });
      ch.publish(hx, '', Buffer.from('red only'), { headers: { colour: 'red' } });
      ch.publish(hx, '', Buffer.from('blue'), { headers: { colour: 'blue' } });
      await ch.waitForConfirms();
      const got: string[] = [];
      for (;;) {
        const m = await ch.get(q, { noAck: true });
        if (!m) break;
        got.push(m.content.toString());
      }
      expect(got).toEqual(['both', 'blue']);
    } finally {
      await conn.close();
    }

    const badHeaders = await cfg('bind', hx, q, 'k3', 'all');
    expect(badHeaders.code).toBe(2);
    expect(badHeaders.stderr).toContain("Invalid args to bind headers: need 'any'/'all' plus conditions");
    const badOp = await cfg('bind', hx, q, 'k3', 'some', 'a=1');
    expect(badOp.code).toBe(2);
    expect(badOp.stderr).toContain("need 'any' or 'all', not 'some'");

    expect((await cfg('unbind', topic, q, '#.news')).code).toBe(0);
    expect((await cfg('unbind', hx, q, 'k1')).code).toBe(0);
    expect((await cfg('-r', 'queues', q)).stdout).toBe(
      `Queue '${q}'\n    bind [${q}] => ''\n    bind [k2] => ${hx} {'colour': 'blue', 'x-match': 'any'}\n`,
    );
    const gone = await cfg('unbind', topic, q, '#.news');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(`Failed: NotFound: no binding of queue '${q}' to exchange '${topic}' with key '#.news'\n`);
  });

  it('bind to a missing exchange or queue fails with the broker reason, exit 1', async () => {
    const noEx = await cfg('bind', n('no-such-exchange'), 'whatever', 'k');
    expect(noEx.code).toBe(1);
    expect(noEx.stderr).toBe(
      `Failed: ManagementError: no exchange '${n('no-such-exchange')}' in vhost '/' (404 Not Found)\n`,
    );
    const noQ = await cfg('bind', 'amq.direct', n('no-such-queue'), 'k');
    expect(noQ.code).toBe(1);
    expect(noQ.stderr).toBe(`Failed: ManagementError: no queue '${n('no-such-queue')}' in vhost '/'\n`);
  });

  it('del queue refuses a non-empty or used queue unless forced', async () => {
    const q = n('doomed');
    expect((await cfg('add', 'queue', q)).code).toBe(0);
    const conn = await amqp.connect(t.amqpUrl);
    try {
      const ch = await conn.createConfirmChannel();
      ch.sendToQueue(q, Buffer.from('keep me'));
      await ch.waitForConfirms();
      const notEmpty = await cfg('del', 'queue', q);
      expect(notEmpty.code).toBe(1);
      expect(notEmpty.stderr).toBe(
        `Failed: ManagementError: queue '${q}' in vhost '/' not empty: use --force-if-not-empty (or --force) to delete it anyway\n`,
      );

      const consumer = await conn.createChannel();
      await consumer.prefetch(1);
      await consumer.consume(q, () => undefined, { noAck: false });
      const used = await cfg('del', 'queue', q, '--force-if-not-empty');
      expect(used.code).toBe(1);
      expect(used.stderr).toBe(
        `Failed: ManagementError: queue '${q}' in vhost '/' in use: use --force-if-used (or --force) to delete it anyway\n`,
      );
      expect((await cfg('queues', q)).code).toBe(0);

      const forced = await cfg('del', 'queue', q, '--force');
      expect(forced).toEqual({ code: 0, stdout: '', stderr: '' });
    } finally {
      await conn.close().catch(() => undefined);
    }
    expect(await cfg('queues', q)).toEqual({ code: 1, stdout: '', stderr: `No queues match '${q}' in vhost '/'.\n` });
  });

  it('del queue --force-if-used deletes an empty queue with a consumer', async () => {
    const q = n('used');
    expect((await cfg('add', 'queue', q)).code).toBe(0);
    const conn = await amqp.connect(t.amqpUrl);
    try {
      const ch = await conn.createChannel();
      await ch.consume(q, () => undefined);
      expect((await cfg('del', 'queue', q)).code).toBe(1);
      expect((await cfg('del', 'queue', q, '--force-if-used')).code).toBe(0);
    } finally {
      await conn.close().catch(() => undefined);
    }
    expect((await cfg('queues', q)).code).toBe(1);
  });

  it('deleting what does not exist fails with exit 1 naming it', async () => {
    const q = await cfg('del', 'queue', n('missing'));
    expect(q.code).toBe(1);
    expect(q.stderr).toBe(`Failed: ManagementError: no queue '${n('missing')}' in vhost '/' (404 Not Found)\n`);
    const x = await cfg('del', 'exchange', n('missing-x'));
    expect(x.code).toBe(1);
    expect(x.stderr).toBe(`Failed: ManagementError: no exchange '${n('missing-x')}' in vhost '/' (404 Not Found)\n`);
  });

  it('filters that match nothing say so on stderr and exit 1 (an empty JSON list with --json)', async () => {
    const none = n('matches-nothing');
    const said = (kind: string) => ({ code: 1, stdout: '', stderr: `No ${kind} match '${none}' in vhost '/'.\n` });
    expect(await cfg('queues', none)).toEqual(said('queues'));
    expect(await cfg('exchanges', none)).toEqual(said('exchanges'));
    expect(await cfg('-r', 'queues', none)).toEqual(said('queues'));
    const json = await cfg('exchanges', none, '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual([]);
  });
});
