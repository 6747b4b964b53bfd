/**
 * spout and drain end to end: the built commands spawned against the bundled broker and (with
 * RABBITMQ_URL) RabbitMQ, following the documents' flow (docs/qpid-reference.md §6.1–6.2, seeds/000).
 */
import { createServer } from 'node:net';
import amqp from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { messagingTargets, nodeName } from '../helpers/messaging.js';
import { killAll, lines, run, start } from './run-cli.js';

afterEach(killAll);

const SPOUT_LINE = /^Message\(properties=\{'spout-id': '[0-9a-f-]{36}:0'\}, content='hello'\)$/;

describe.each(messagingTargets())('spout and drain on $kind', (target) => {
  let url: string;
  let stop: () => Promise<void>;
  const exchanges: string[] = [];
  const queues: string[] = [];

  beforeAll(async () => {
    ({ url, stop } = await target.start());
  });
  afterAll(async () => {
    const conn = await amqp.connect(url);
    const ch = await conn.createChannel();
    for (const q of queues) await ch.deleteQueue(q);
    for (const x of exchanges) await ch.deleteExchange(x);
    await conn.close();
    await stop();
  });

  /** A queue the commands create on first use (and the suite deletes). */
  function queue(): string {
    const q = nodeName('cli');
    queues.push(q);
    return q;
  }
  const created = (q: string) => `${q}; {create: always}`;

  test("the documents' flow: drain -t 5 news-service/#.news gets what spout news-service/news hello sent", async () => {
    // qpid-config add exchange topic news-service (declared over amqplib until qpid-config exists)
    const exchange = nodeName('news-service');
    exchanges.push(exchange);
    const conn = await amqp.connect(url);
    await (await conn.createChannel()).assertExchange(exchange, 'topic', { durable: false });
    await conn.close();

    const drain = start('drain', ['-b', url, '-v', '-t', '5', `${exchange}/#.news`]);
    await drain.waitForStderr('receiving from');
    // The Qpid broker form user/pass@host:port works as well as the amqp:// URL.
    const u = new URL(url);
    const spout = await run('spout', ['-b', `${u.username}/${u.password}@${u.host}`, `${exchange}/news`, 'hello']);
    expect(spout.stderr).toBe('');
    expect(spout.code).toBe(0);
    expect(lines(spout.stdout)).toHaveLength(1);
    expect(lines(spout.stdout)[0]).toMatch(SPOUT_LINE);
    const spoutId = /'spout-id': '([^']+)'/.exec(spout.stdout)?.[1];

    const got = await drain.done;
    expect(got.code).toBe(0);
    const out = lines(got.stdout);
    expect(out).toHaveLength(1);
    expect(out[0]).toContain(`subject='news'`);
    expect(out[0]).toContain(`'spout-id': '${spoutId}'`);
    expect(out[0]).toMatch(/content='hello'\)$/);
    // It waited its 5 s timeout after the message before giving up.
    expect(got.ms).toBeGreaterThanOrEqual(4500);
  });

  test('drain -c 3 on a queue gets the three messages spout -c 3 sent, in order, and consumes them', async () => {
    const q = queue();
    const spout = await run('spout', ['-b', url, '-c', '3', '-I', 'three', created(q), 'msg']);
    expect(spout.code).toBe(0);
    expect(lines(spout.stdout).map((l) => /'spout-id': '([^']+)'/.exec(l)?.[1])).toEqual([
      'three:0',
      'three:1',
      'three:2',
    ]);
    const drain = await run('drain', ['-b', url, '-c', '3', '-t', '5', q]);
    expect(drain.code).toBe(0);
    expect(drain.stderr).toBe('');
    const out = lines(drain.stdout);
    expect(out).toHaveLength(3);
    out.forEach((l, i) => {
      expect(l).toMatch(new RegExp(`^Message\\(properties=\\{'spout-id': 'three:${i}', .*content='msg'\\)$`));
    });
    const again = await run('drain', ['-b', url, q]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
  });

  test('competing drains on one queue each get a share; every message goes to exactly one', async () => {
    const q = queue();
    expect((await run('spout', ['-b', url, '-c', '0', '-t', '0', created(q)])).code).toBe(0); // creates it
    const drains = [0, 1].map(() => start('drain', ['-b', url, '-v', '-t', '3', '-p', "%(P['spout-id'])s", q]));
    for (const d of drains) await d.waitForStderr('receiving from');
    const spout = await run('spout', ['-b', url, '-c', '30', '--rate', '30', '-I', 'c', q]);
    expect(spout.code).toBe(0);
    const results = await Promise.all(drains.map((d) => d.done));
    const got = results.map((r) => lines(r.stdout));
    for (const r of results) expect(r.code).toBe(0);
    expect(got[0]?.length).toBeGreaterThan(0);
    expect(got[1]?.length).toBeGreaterThan(0);
    expect([...(got[0] ?? []), ...(got[1] ?? [])].sort()).toEqual(
      Array.from({ length: 30 }, (_, i) => `c:${i}`).sort(),
    );
  });

  test('two drains on a topic each get every message', async () => {
    const key = nodeName('topic');
    const drains = [0, 1].map(() => start('drain', ['-b', url, '-v', '-t', '3', '-p', '%(C)s', `amq.topic/${key}`]));
    for (const d of drains) await d.waitForStderr('receiving from');
    const spout = await run('spout', ['-b', url, '-c', '5', `amq.topic/${key}`, 'news']);
    expect(spout.code).toBe(0);
    for (const r of await Promise.all(drains.map((d) => d.done))) {
      expect(r.code).toBe(0);
      expect(lines(r.stdout)).toEqual(['news', 'news', 'news', 'news', 'news']);
    }
  });

  test('a browsing drain leaves the queue intact (--browse and "; {mode: browse}")', async () => {
    const q = queue();
    expect((await run('spout', ['-b', url, '-c', '3', '-I', 'b', created(q)])).code).toBe(0);
    const ids = ['b:0', 'b:1', 'b:2'];
    const browse = await run('drain', ['-b', url, '--browse', '-p', "%(P['spout-id'])s", q]);
    expect(browse.code).toBe(0);
    expect(lines(browse.stdout)).toEqual(ids);
    const browse2 = await run('drain', ['-b', url, '-p', "%(P['spout-id'])s", `${q}; {mode: browse}`]);
    expect(lines(browse2.stdout)).toEqual(ids);
    const consume = await run('drain', ['-b', url, '-p', "%(P['spout-id'])s", q]);
    expect(lines(consume.stdout)).toEqual(ids);
    expect(lines((await run('drain', ['-b', url, '--browse', q])).stdout)).toEqual([]);
  });

  test('-P/-M/-S/-R/-d/--ttl/--priority round-trip, shown through drain -p', async () => {
    const q = queue();
    const spout = await run('spout', [
      '-b',
      url,
      '-P',
      'n=5',
      '-P',
      'f=2.5',
      '-P',
      'flag=True',
      '-P',
      's=abc',
      '-P',
      'bare',
      '-M',
      'k=1',
      '-M',
      'name=x',
      '-S',
      'subj',
      '-R',
      'reply-q',
      '-d',
      '--ttl',
      '60',
      '--priority',
      '3',
      created(q),
      'some',
      'text',
    ]);
    expect(spout.code).toBe(0);
    expect(lines(spout.stdout)[0]).toMatch(
      /^Message\(subject='subj', reply_to='reply-q', priority=3, ttl=60, durable=True, properties=\{'spout-id': '[^']+:0', 'n': 5, 'f': 2.5, 'flag': True, 's': 'abc', 'bare': None\}, content=\{'text': 'some text', 'k': 1, 'name': 'x'\}\)$/,
    );
    const format =
      "%(P['n'])r|%(P['f'])r|%(P['flag'])r|%(P['s'])r|%(P['bare'])r|%(C)r|%(C['text'])s|%(M.subject)s|%(M.reply_to)s|%(M.durable)s|%(M.priority)d|%(M.ttl)s|%(M.content_type)s";
    const drain = await run('drain', ['-b', url, '-p', format, q]);
    expect(drain.stderr).toBe('');
    expect(lines(drain.stdout)).toEqual([
      "5|2.5|True|'abc'|None|{'text': 'some text', 'k': 1, 'name': 'x'}|some text|subj|reply-q|True|3|60|amqp/map",
    ]);
  });

  test('--json prints one object per message on both sides', async () => {
    const q = queue();
    const spout = await run('spout', [
      '-b',
      url,
      '--json',
      '-c',
      '2',
      '-I',
      'j',
      '-S',
      'js',
      '-P',
      'n=7',
      created(q),
      'payload',
    ]);
    expect(spout.code).toBe(0);
    const sent = lines(spout.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ subject: 'js', properties: { 'spout-id': 'j:1', n: 7 }, content: 'payload' });
    const drain = await run('drain', ['-b', url, '--json', q]);
    const got = lines(drain.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(got).toHaveLength(2);
    got.forEach((m, i) => {
      expect(m).toMatchObject({
        subject: 'js',
        contentType: 'text/plain',
        content: 'payload',
        properties: { 'spout-id': `j:${i}`, n: 7 },
      });
    });
  });

  test('spout - sends each line of standard input as one message', async () => {
    const q = queue();
    const spout = await run('spout', ['-b', url, '-I', 'in', created(q), '-'], { stdin: 'one\ntwo words\n\nthree' });
    expect(spout.code).toBe(0);
    expect(lines(spout.stdout)).toHaveLength(4);
    const drain = await run('drain', ['-b', url, '-p', "%(P['spout-id'])s=%(C)r", q]);
    expect(lines(drain.stdout)).toEqual(["in:0='one'", "in:1='two words'", "in:2=''", "in:3='three'"]);
    // -c bounds it too.
    const two = await run('spout', ['-b', url, '-c', '2', q, '-'], { stdin: 'a\nb\nc\n' });
    expect(lines(two.stdout)).toHaveLength(2);
    expect(lines((await run('drain', ['-b', url, '-p', '%(C)s', q])).stdout)).toEqual(['a', 'b']);
  });

  test('--rate paces the sends; -t stops an unlimited spout', async () => {
    const q = queue();
    const paced = await run('spout', ['-b', url, '-c', '6', '--rate', '10', created(q)]);
    expect(paced.code).toBe(0);
    expect(lines(paced.stdout)).toHaveLength(6);
    // Six messages at 10/s: the last goes out 0.5 s after the first.
    expect(paced.ms).toBeGreaterThanOrEqual(500);
    const timed = await run('spout', ['-b', url, '-c', '0', '--rate', '20', '-t', '1', q]);
    expect(timed.code).toBe(0);
    const n = lines(timed.stdout).length;
    expect(n).toBeGreaterThanOrEqual(10);
    expect(n).toBeLessThanOrEqual(21);
    expect(timed.ms).toBeLessThan(8000);
  });

  test('drain of a missing queue fails with one NotFound line and exit 1', async () => {
    const r = await run('drain', ['-b', url, nodeName('missing')]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^Failed: NotFound: /);
  });

  test('drain -f stops cleanly on SIGINT', async () => {
    const q = queue();
    await run('spout', ['-b', url, '-c', '0', '-t', '0', created(q)]); // creates it
    const d = start('drain', ['-b', url, '-v', '-f', q]);
    await d.waitForStderr('receiving from');
    d.child.kill('SIGINT');
    const r = await d.done;
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(10_000);
  });

  test('an unlimited spout (-c 0) stops cleanly on SIGINT, having printed what it sent', async () => {
    const p = start('spout', ['-b', url, '-v', '-c', '0', `amq.topic/${nodeName('nowhere')}`, 'x']);
    await p.waitForStderr('sending to');
    await new Promise((r) => setTimeout(r, 300));
    p.child.kill('SIGINT');
    const r = await p.done;
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out.length).toBeGreaterThan(0);
    expect(r.stderr).toContain(`sent ${out.length} message`);
  });
});

describe('spout and drain errors without a broker', () => {
  let deadPort: number;
  beforeAll(async () => {
    // A port nothing listens on: bind one, note it, close it.
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    deadPort = (s.address() as { port: number }).port;
    await new Promise<void>((r) => s.close(() => r()));
  });

  test.each(['spout', 'drain'] as const)('%s: broker not running → one line, exit 1', async (cmd) => {
    const r = await run(cmd, ['-b', `127.0.0.1:${deadPort}`, 'q']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`Failed: ConnectError: cannot connect to 127.0.0.1:${deadPort} (ECONNREFUSED)\n`);
  });

  test.each(['spout', 'drain'] as const)('%s -v adds the stack trace', async (cmd) => {
    const r = await run(cmd, ['-v', '-b', `127.0.0.1:${deadPort}`, 'q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Failed: ConnectError: cannot connect to 127.0.0.1:${deadPort} (ECONNREFUSED)`);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  test.each(['spout', 'drain'] as const)('%s: malformed address → one MalformedAddress line, exit 1', async (cmd) => {
    const r = await run(cmd, ['-b', `127.0.0.1:${deadPort}`, 'q; {create: always']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^Failed: MalformedAddress: /);
  });

  test.each([
    ['spout', ['--no-such-option', 'q'], /Unknown argument/],
    ['drain', ['--no-such-option', 'q'], /Unknown argument/],
    ['spout', [], /address is required/],
    ['drain', [], /address is required/],
    ['spout', ['-c', 'lots', 'q'], /--count/],
    ['drain', ['-p', '%(X)s', 'q'], /not defined/],
    ['drain', ['-p', '%(M)z', 'q'], /unsupported format character/],
    ['spout', ['--connection-options', '{bogus: 1}', 'q'], /Invalid option: bogus not recognised/],
    ['spout', ['--connection-options', '{heartbeat: ', 'q'], /invalid --connection-options/],
    ['drain', ['-b', 'localhost:notaport', 'q'], /bad port/],
  ] as const)('%s %j → usage error, exit 2', async (cmd, args, message) => {
    const r = await run(cmd, [...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  test.each(['spout', 'drain'] as const)('%s --help shows the options and the examples; --version', async (cmd) => {
    const help = await run(cmd, ['--help']);
    expect(help.code).toBe(0);
    for (const o of ['--broker', '--reconnect', '--count', '--timeout', '--connection-options', 'Examples:']) {
      expect(help.stdout).toContain(o);
    }
    expect(help.stdout).toContain(
      cmd === 'spout' ? 'spout news-service/news hello' : 'drain -t 120 news-service/#.news',
    );
    const version = await run(cmd, ['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
