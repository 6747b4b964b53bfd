/** Spawns the built `qpid-stat` against the bundled broker and, when configured, RabbitMQ. */
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminTarget, closedPort, poll, run, start, targets } from './admin-helpers.js';

type Row = Record<string, unknown>;

describe('qpid-stat (no broker needed)', () => {
  it('--help lists the display switches and examples; --version prints the version', async () => {
    const help = await run('qpid-stat', ['--help']);
    expect(help.code).toBe(0);
    for (const o of ['--general', '--connections', '--exchanges', '--queues', '--subscriptions', '--memory']) {
      expect(help.stdout).toContain(o);
    }
    expect(help.stdout).toContain('qpid-stat -q -S msg -L 10');
    expect(help.stdout).not.toContain('--iterations');
    const version = await run('qpid-stat', ['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('usage errors exit 2: no display switch, two switches, unknown option, bad --watch', async () => {
    const none = await run('qpid-stat', []);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('You must specify one of these options: -g, -c, -e, -q, -m, or -u');
    expect((await run('qpid-stat', ['-q', '-e'])).code).toBe(2);
    const unknown = await run('qpid-stat', ['-q', '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown argument/i);
    expect((await run('qpid-stat', ['-q', '--watch', '0'])).code).toBe(2);
  });

  it('a broker that is not running gives exactly one Failed: ConnectError line and exit 1', async () => {
    const port = await closedPort();
    const r = await run('qpid-stat', ['-g', '--mgmt-url', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `Failed: ConnectError: cannot reach the management API at http://127.0.0.1:${port} (ECONNREFUSED, given with --mgmt-url); set its URL with --mgmt-url URL or the QPID_MGMT_URL environment variable\n`,
    );
  });
});

describe.each(targets)('qpid-stat against $kind', (factory) => {
  let t: AdminTarget;
  let conn: amqp.ChannelModel;
  const stat = (...args: string[]) => run('qpid-stat', [...t.flags, ...args]);
  const cfg = (...args: string[]) => run('qpid-config', [...t.flags, ...args]);
  const n = (s: string) => `${t.prefix}-${s}`;
  const rowsOf = async (...args: string[]): Promise<Row[]> => {
    const r = await stat(...args, '--json');
    if (r.code !== 0) throw new Error(`qpid-stat ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Row[];
  };
  /** Polls `qpid-stat -q --json` until the queue's row has the wanted values (RabbitMQ lags ≤ 5 s). */
  const queueRow = (name: string, wanted: Row) =>
    poll(
      async () => {
        const row = (await rowsOf('-q')).find((r) => r['queue'] === name);
        return row && Object.entries(wanted).every(([k, v]) => row[k] === v) ? row : undefined;
      },
      40_000,
      `queue ${name} to show ${JSON.stringify(wanted)}`,
    );

  beforeAll(async () => {
    t = await factory.start();
    conn = await amqp.connect(t.amqpUrl);
  });
  afterAll(async () => {
    await conn?.close().catch(() => undefined);
    await t?.close();
  });

  // Publishing channels stay open until the file ends: RabbitMQ reports a channel's statistics on its
  // periodic emission, which a channel closed in between may never reach.
  async function send(queue: string, count: number, exchange = ''): Promise<void> {
    const ch = await conn.createConfirmChannel();
    for (let i = 0; i < count; i++) ch.publish(exchange, queue, Buffer.from(`message ${i}`));
    await ch.waitForConfirms();
  }

  it('-q shows depth, enqueues and dequeues after traffic; -q NAME its properties and statistics', async () => {
    const q = n('traffic');
    expect((await cfg('add', 'queue', q, '--durable', '--max-queue-count', '100')).code).toBe(0);
    await send(q, 5);
    const ch = await conn.createChannel();
    for (let i = 0; i < 2; i++) {
      const m = await ch.get(q, { noAck: false });
      if (!m) throw new Error('no message');
      ch.ack(m);
    }
    // The channel stays open until the counts show: RabbitMQ reports a channel's get/ack statistics
    // on its periodic emission, which a channel closed in between may not reach.
    const row = await queueRow(q, { messages: 3, messagesIn: 5, messagesOut: 2 });
    await ch.close();
    expect(row).toMatchObject({
      durable: true,
      autoDelete: false,
      exclusive: false,
      bytes: 27,
      consumers: 0,
      bindings: 1,
    });

    const table = await stat('-q');
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toBe('Queues');
    expect(lines[1]).toMatch(
      /^ {2}queue +dur +autoDel +excl +msg +msgIn +msgOut +bytes +bytesIn +bytesOut +cons +bind$/,
    );
    expect(lines[2]).toMatch(/^ {2}=+$/);
    const mine = lines.find((l) => l.startsWith(`  ${q} `));
    expect(mine?.split(/\s+/).filter(Boolean)).toEqual([q, 'Y', '3', '5', '2', '27', '0', '1']);
    // Columns line up under their headers.
    const head = lines[1] as string;
    expect(mine?.indexOf('Y')).toBe(head.indexOf('dur'));

    const one = await stat('-q', q);
    expect(one.code).toBe(0);
    const text = one.stdout;
    expect(text).toMatch(
      /^Properties:\n {2}Name +Durable +AutoDelete +Exclusive +FlowStopped +FlowStoppedCount +Consumers +Bindings\n/,
    );
    expect(text).toMatch(new RegExp(`\\n {2}${q} +Y +N +N +N +0 +1\\n`));
    expect(text).toContain("  arguments     {'x-max-length': 100}\n");
    expect(text).toMatch(/\n {2}queue-depth +3 +27\n/);
    expect(text).toMatch(/\n {2}total-enqueues +5 *\n/);
    expect(text).toMatch(/\n {2}total-dequeues +2 *\n/);
    const json = JSON.parse((await stat('-q', q, '--json')).stdout);
    expect(json.properties[0]).toMatchObject({ name: q, durable: true, consumers: 0, bindings: 1 });
    expect(json.statistics[0]).toEqual({ statistic: 'queue-depth', messages: 3, bytes: 27 });
  }, 60_000);

  it('-q NAME for a missing queue fails with exit 1', async () => {
    const r = await stat('-q', n('missing'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`Failed: ManagementError: Queue '${n('missing')}' not found (404 Not Found)\n`);
  });

  it('-e counts bindings and messages in and out of an exchange', async () => {
    const x = n('fan');
    const q = n('fan-q');
    expect((await cfg('add', 'exchange', 'fanout', x)).code).toBe(0);
    expect((await cfg('add', 'queue', q)).code).toBe(0);
    expect((await cfg('bind', x, q)).code).toBe(0);
    await send('', 4, x);
    const row = await poll(
      async () => {
        const r = (await rowsOf('-e')).find((e) => e['exchange'] === x);
        return r && r['messagesIn'] === 4 ? r : undefined;
      },
      40_000,
      'exchange stats',
    );
    expect(row).toMatchObject({ type: 'fanout', durable: false, bindings: 1, messagesIn: 4, messagesOut: 4 });
    const table = await stat('-e');
    expect(table.stdout.split('\n')[1]).toMatch(
      /^ {2}exchange +type +dur +bind +msgIn +msgOut +msgDrop +byteIn +byteOut +byteDrop$/,
    );
    expect(table.stdout).toMatch(new RegExp(`\\n {2}${x} +fanout +1 +4 +4 *\\n`));
  }, 60_000);

  it('-c and -u show the connection and the consumer of a client', async () => {
    const q = n('consumed');
    expect((await cfg('add', 'queue', q)).code).toBe(0);
    const client = await amqp.connect(t.amqpUrl);
    try {
      const ch = await client.createChannel();
      await ch.prefetch(7);
      const { consumerTag } = await ch.consume(q, () => undefined, { noAck: false });
      const local = (client as unknown as { connection: { stream: { localPort: number } } }).connection.stream
        .localPort;
      const address = `127.0.0.1:${local}`;
      const c = await poll(async () => (await rowsOf('-c')).find((r) => r['connection'] === address), 25_000, '-c');
      expect(c).toMatchObject({ user: 'guest', mechanism: 'PLAIN' });
      expect(typeof c['connected']).toBe('number');
      const u = await poll(
        async () => (await rowsOf('-u')).find((r) => r['subscription'] === consumerTag),
        25_000,
        '-u',
      );
      expect(u).toMatchObject({
        queue: q,
        connection: address,
        acked: true,
        exclusive: false,
        creditMode: 'WINDOW(7)',
      });
      const table = await stat('-u');
      expect(table.stdout.split('\n')[1]).toMatch(
        /^ {2}subscr +queue +conn +procName +procId +browse +acked +excl +creditMode +delivered +sessUnacked$/,
      );
      expect(table.stdout).toMatch(new RegExp(`\\n {2}${consumerTag} +${q} +${address} .* +Y +WINDOW\\(7\\)`));
      const ctable = await stat('-c');
      expect(ctable.stdout.split('\n')[1]).toMatch(
        /^ {2}connection +cproc +cpid +mech +auth +connected +idle +msgIn +msgOut +bytesIn +bytesOut$/,
      );
    } finally {
      await client.close();
    }
  }, 60_000);

  it('-g shows the broker summary and aggregate statistics; -m memory statistics', async () => {
    const g = await stat('-g');
    expect(g.code).toBe(0);
    expect(g.stdout).toMatch(
      /^Broker Summary:\n {2}uptime +cluster +connections +sessions +exchanges +queues\n {2}=+\n {2}.+\n\nAggregate Broker Statistics:\n {2}Statistic +Messages +Bytes\n/,
    );
    for (const s of [
      'queue-depth',
      'total-enqueues',
      'total-dequeues',
      'acquires',
      'discards-no-route',
      'abandoned-via-alt',
    ]) {
      expect(g.stdout).toMatch(new RegExp(`\\n {2}${s} `));
    }
    const json = JSON.parse((await stat('-g', '--json')).stdout);
    expect(json.brokerSummary[0].queues).toBeGreaterThanOrEqual(1);
    expect(json.brokerSummary[0].connections).toBeGreaterThanOrEqual(1);
    if (t.kind === 'rabbitmq') expect(json.brokerSummary[0].uptime).toBeGreaterThan(0);
    const m = await stat('-m');
    expect(m.code).toBe(0);
    expect(m.stdout).toMatch(/^Broker Memory Statistics:\n {2}Statistic +Value\n {2}=+\n( {2}\S+ +[\d,]+\n)+$/);
  });

  it('-S sorts on a column (decreasing, or increasing with -I) and -L limits the rows', async () => {
    // Names starting with ~~ sort after every other queue, whatever else the broker holds.
    const names = ['a', 'b', 'c'].map((s) => `~~${n(s)}`);
    const depth = [1, 3, 2];
    for (const [i, name] of names.entries()) {
      expect((await cfg('add', 'queue', name)).code).toBe(0);
      await send(name, depth[i] as number);
    }
    for (const [i, name] of names.entries()) await queueRow(name, { messages: depth[i] });
    const byMsg = (await rowsOf('-q', '-S', 'msg')).filter((r) => names.includes(r['queue'] as string));
    expect(byMsg.map((r) => r['messages'])).toEqual([3, 2, 1]);
    const inc = (await rowsOf('-q', '-S', 'msg', '-I', '-L', '0')).filter((r) => names.includes(r['queue'] as string));
    expect(inc.map((r) => r['messages'])).toEqual([1, 2, 3]);
    const top2 = await rowsOf('-q', '-S', 'queue', '-L', '2');
    expect(top2.map((r) => r['queue'])).toEqual([names[2], names[1]]);
    const table = await stat('-q', '-S', 'queue', '-L', '2');
    expect(table.stdout.split('\n').filter((l) => l.startsWith('  ~~'))).toHaveLength(2);
    const bad = await stat('-q', '-S', 'nosuchcolumn');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("sort column 'nosuchcolumn' not found in headers");
  }, 90_000);

  it('--watch redraws the table with per-second rate columns, a bounded number of times', async () => {
    const r = await stat('-q', '--watch', '0.5', '--iterations', '2');
    expect(r.code).toBe(0);
    const frames = r.stdout.split(/^Every 0\.5s: qpid-stat .* -q --watch 0\.5 --iterations 2 {4}\S+Z\n\n/m).slice(1);
    expect(frames).toHaveLength(2);
    for (const f of frames) {
      expect(f).toMatch(/^Queues\n {2}queue +dur .* +bind +msgIn\/s +msgOut\/s\n {2}=+\n/);
    }
    const json = await stat('-e', '--watch', '0.3', '--iterations', '2', '--json');
    expect(json.code).toBe(0);
    const docs = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(docs).toHaveLength(2);
    expect(Object.keys(docs[1].data[0])).toContain('messagesInPerSecond');
    expect(typeof docs[1].data.find((e: Row) => e['exchange'] === 'amq.direct')['messagesInPerSecond']).toBe('number');
  });

  it('--watch without a count stops cleanly on SIGINT', async () => {
    const p = start('qpid-stat', [...t.flags, '-g', '--watch', '1']);
    await poll(async () => (p.stdout().includes('Broker Summary:') ? true : undefined), 10_000, 'first frame');
    p.child.kill('SIGINT');
    const r = await p.result;
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});
