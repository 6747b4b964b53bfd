// RabbitMQ's own rabbitmqadmin (the 3.10 script) against both brokers: each scenario runs the same
// commands on RabbitMQ and on the bundled broker and must observe the same — exit codes, what the
// commands print where it is deterministic, and the JSON rows they list. Users, vhosts, permissions
// and export/import belong to the access-control suite.
import amqp, { type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { connectionCloseOf, runParity } from '../helpers/parity.js';
import { rabbitmqMgmtUrl, rabbitmqUrl } from '../helpers/rabbitmq.js';
import { rabbitmqadmin, rabbitmqadminAvailable } from '../helpers/rabbitmqadmin.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON rows printed by rabbitmqadmin
type Row = any;

const describeAdmin = rabbitmqadminAvailable ? describe : describe.skip;

let tb: TestBroker;

beforeAll(async () => {
  tb = await startTestBroker({ mgmtPort: 0 });
});
afterAll(async () => {
  await tb?.stop();
});

/** The management URL of the broker a scenario was given (guest credentials on both). */
function mgmtFor(url: string): string {
  if (url === rabbitmqUrl) return rabbitmqMgmtUrl as string;
  return tb.broker.mgmtUrl as string;
}

/** Runs rabbitmqadmin on the scenario's broker; `-f raw_json` unless another format is given. */
function admin(url: string) {
  return (args: string[], options: { format?: string; stdin?: string } = {}) =>
    rabbitmqadmin(mgmtFor(url), args, { format: options.format ?? 'raw_json', stdin: options.stdin });
}

/** Polls until `ok` holds: at most 30 tries, 300 ms apart (RabbitMQ's management database lags). */
async function settle<T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let v = await fn();
  for (let i = 0; i < 30 && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 300));
    v = await fn();
  }
  return v;
}

async function both<T>(scenario: (url: string, name: (p: string) => string) => Promise<T>): Promise<T> {
  const { bundled, rabbitmq } = await runParity((url, ctx) => scenario(url, (p) => ctx.name(p)), {
    bundledUrl: tb.url,
    runTimeoutMs: 40_000,
  });
  if (rabbitmq.ran) expect(bundled).toEqual(rabbitmq.result);
  return bundled;
}

describeAdmin('rabbitmqadmin against both brokers', () => {
  test('declare, list, publish, get, purge and delete a queue, an exchange and a binding', async () => {
    const out = await both(async (url, name) => {
      const run = admin(url);
      const q = name('rma-q');
      const x = name('rma-x');
      const r: Record<string, unknown> = {};
      const code = async (args: string[]) => (await run(args, { format: 'tsv' })).code;
      r['declareX'] = await code(['declare', 'exchange', `name=${x}`, 'type=fanout', 'durable=false']);
      r['declareQ'] = await code(['declare', 'queue', `name=${q}`, 'durable=false', 'arguments={"x-max-length": 10}']);
      r['declareB'] = await code(['declare', 'binding', `source=${x}`, `destination=${q}`, 'routing_key=k']);
      const queues = (await run(['list', 'queues', '-V', '/'])).json<Row[]>().filter((row) => row.name === q);
      r['queues'] = queues.map((row) => ({
        name: row.name,
        durable: row.durable,
        auto_delete: row.auto_delete,
        arguments: row.arguments,
        vhost: row.vhost,
      }));
      const exchanges = (await run(['list', 'exchanges'])).json<Row[]>();
      r['exchanges'] = exchanges
        .filter((row) => row.name === x || row.name === 'amq.topic')
        .map((row) => ({ name: row.name, type: row.type, durable: row.durable, internal: row.internal }));
      const bindings = (await run(['list', 'bindings'])).json<Row[]>().filter((row) => row.destination === q);
      r['bindings'] = bindings
        .map((row) => ({ source: row.source, routing_key: row.routing_key, destination_type: row.destination_type }))
        .sort((a, b) => (a.source < b.source ? -1 : 1));
      const pub1 = await run(['publish', `routing_key=${q}`, 'payload=one', 'properties={"priority": 3}'], {
        format: 'tsv',
      });
      r['publishDefault'] = [pub1.code, pub1.stdout.trim()];
      const pub2 = await run(['publish', `exchange=${x}`, 'routing_key=any', 'payload=two'], { format: 'tsv' });
      r['publishFanout'] = [pub2.code, pub2.stdout.trim()];
      const pub3 = await run(['publish', 'exchange=amq.direct', 'routing_key=nowhere', 'payload=x'], { format: 'tsv' });
      r['publishUnrouted'] = [pub3.code, pub3.stdout.trim()];
      // Without payload= the message is read from stdin (sent base64-encoded).
      const pub4 = await run(['publish', `routing_key=${q}`], { format: 'tsv', stdin: 'from stdin' });
      r['publishStdin'] = pub4.code;
      const got = (await run(['get', `queue=${q}`, 'count=5'])).json<Row[]>();
      r['get'] = got.map((m) => ({
        payload: m.payload,
        payload_encoding: m.payload_encoding,
        exchange: m.exchange,
        routing_key: m.routing_key,
        message_count: m.message_count,
        redelivered: m.redelivered,
        priority: m.properties?.priority ?? null,
      }));
      const again = (await run(['get', `queue=${q}`, 'ackmode=ack_requeue_false'])).json<Row[]>();
      r['getAgain'] = again.map((m) => [m.payload, m.redelivered, m.message_count]);
      r['purge'] = await code(['purge', 'queue', `name=${q}`]);
      r['afterPurge'] = (await run(['get', `queue=${q}`])).json<Row[]>().length;
      r['deleteB'] = await code([
        'delete',
        'binding',
        `source=${x}`,
        'destination_type=queue',
        `destination=${q}`,
        'properties_key=k',
      ]);
      r['bindingsAfter'] = (await run(['list', 'bindings'])).json<Row[]>().filter((row) => row.source === x).length;
      r['deleteQ'] = await code(['delete', 'queue', `name=${q}`]);
      r['deleteX'] = await code(['delete', 'exchange', `name=${x}`]);
      const missing = await run(['get', `queue=${q}`], { format: 'tsv' });
      r['getMissing'] = [missing.code, missing.stderr.trim()];
      const gone = await run(['delete', 'queue', `name=${q}`], { format: 'tsv' });
      r['deleteMissing'] = [gone.code, gone.stderr.trim()];
      return r;
    });
    expect(out['declareQ']).toBe(0);
    expect(out['publishDefault']).toEqual([0, 'Message published']);
    expect(out['publishUnrouted']).toEqual([0, 'Message published but NOT routed']);
    expect((out['get'] as unknown[]).length).toBe(3);
    expect(out['afterPurge']).toBe(0);
    expect((out['getMissing'] as [number, string])[0]).not.toBe(0);
  }, 60_000);

  test('list connections, channels and consumers; close connection', async () => {
    const out = await both(async (url, name) => {
      const run = admin(url);
      const q = name('rma-cq');
      const tag = name('rma-tag');
      const connName = name('rma-conn');
      const conn: ChannelModel = await amqp.connect(url, { clientProperties: { connection_name: connName } });
      const closed = connectionCloseOf(conn);
      const ch = await conn.createChannel();
      await ch.assertQueue(q, { exclusive: true });
      await ch.prefetch(7);
      await ch.consume(q, () => undefined, { consumerTag: tag });
      const mine = (rows: Row[]) => rows.filter((row) => row.client_properties?.connection_name === connName);
      const connections = await settle(
        async () => mine((await run(['list', 'connections'])).json<Row[]>()),
        (rows) => rows.length === 1 && rows[0].state === 'running',
      );
      const r: Record<string, unknown> = {};
      r['connections'] = connections.map((c) => ({
        user: c.user,
        vhost: c.vhost,
        protocol: c.protocol,
        state: c.state,
      }));
      const connection = connections[0];
      const channels = await settle(
        async () =>
          (await run(['list', 'channels']))
            .json<Row[]>()
            .filter((c) => c.connection_details?.name === connection?.name),
        // RabbitMQ's channel statistics lag: wait until they show the consumer and its prefetch.
        (rows) => rows.length === 1 && rows[0].consumer_count === 1 && rows[0].prefetch_count === 7,
      );
      r['channels'] = channels.map((c) => ({ user: c.user, number: c.number, prefetch_count: c.prefetch_count }));
      const consumers = await settle(
        async () => (await run(['list', 'consumers'])).json<Row[]>().filter((c) => c.consumer_tag === tag),
        (rows) => rows.length === 1,
      );
      r['consumers'] = consumers.map((c) => ({
        queue: c.queue?.name,
        ack_required: c.ack_required,
        exclusive: c.exclusive,
        prefetch_count: c.prefetch_count,
        channel: c.channel_details?.number,
      }));
      const close = await run(['close', 'connection', `name=${connection?.name}`], { format: 'tsv' });
      r['close'] = [close.code, close.stdout.trim()];
      r['closedWith'] = await closed;
      return r;
    });
    expect(out['close']).toEqual([0, 'connection closed']);
    expect(out['closedWith']).toMatchObject({ code: 320, textPrefix: 'CONNECTION_FORCED' });
    expect(out['consumers']).toEqual([
      { queue: expect.any(String), ack_required: true, exclusive: false, prefetch_count: 7, channel: 1 },
    ]);
  }, 60_000);

  test('list nodes and show overview', async () => {
    const out = await both(async (url) => {
      const run = admin(url);
      const nodes = await run(['list', 'nodes']);
      const overview = await run(['show', 'overview']);
      const table = await run(['list', 'nodes'], { format: 'tsv' });
      const node = nodes.json<Row[]>()[0];
      const types = (o: Row, keys: string[]) => Object.fromEntries(keys.map((k) => [k, typeof o?.[k]]));
      return {
        codes: [nodes.code, overview.code, table.code],
        count: nodes.json<Row[]>().length,
        node: types(node, [
          'name',
          'type',
          'running',
          'mem_used',
          'mem_limit',
          'mem_alarm',
          'disk_free_alarm',
          'uptime',
        ]),
        tsvHeader: table.stdout.split('\n')[0],
        overview: types(overview.json<Row[]>()[0], [
          'rabbitmq_version',
          'cluster_name',
          'queue_totals',
          'object_totals',
        ]),
      };
    });
    expect(out.codes).toEqual([0, 0, 0]);
    expect(out.tsvHeader).toBe('name\ttype\tmem_used');
  }, 60_000);

  test('usage errors and refusals come back the same', async () => {
    await both(async (url, name) => {
      const run = admin(url);
      const q = name('rma-e');
      const results = [];
      for (const args of [
        ['declare', 'exchange', `name=${q}`, 'type=nosuchtype'],
        ['declare', 'queue', `name=${q}`, 'durable=maybe'],
        ['publish', 'exchange=no-such-exchange', 'routing_key=k', 'payload=x'],
        ['purge', 'queue', `name=${q}`],
        ['close', 'connection', 'name=no such connection'],
      ]) {
        const r = await run(args, { format: 'tsv' });
        results.push({ args: args[0], code: r.code, stderr: r.stderr.trim().replace(/\/%2F\/[^/\s]+/, '/…') });
      }
      return results;
    });
  }, 60_000);
});

describe('request bodies as RabbitMQ reads them', () => {
  const call = async (url: string, method: string, path: string, body: unknown) => {
    const res = await fetch(mgmtFor(url) + path, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  test('unknown fields are ignored; missing required ones get the key_missing 400', async () => {
    await both(async (url, name) => {
      const q = name('rma-body');
      const V = '%2F';
      const r: unknown[] = [];
      r.push(await call(url, 'PUT', `/api/queues/${V}/${q}`, { durable: false, colour: 'red', name: q, vhost: '/' }));
      r.push(await call(url, 'POST', `/api/bindings/${V}/e/amq.direct/q/${q}`, { routing_key: 'k', extra: 1 }));
      r.push(
        await call(url, 'POST', `/api/exchanges/${V}/amq.default/publish`, {
          routing_key: q,
          payload: 'x',
          payload_encoding: 'string',
          properties: {},
          exchange: 'amq.default',
          zz: 3,
        }),
      );
      r.push(await call(url, 'POST', `/api/exchanges/${V}/amq.default/publish`, { payload: 'x', properties: {} }));
      r.push(await call(url, 'POST', `/api/queues/${V}/${q}/get`, { count: 1 }));
      r.push(await call(url, 'POST', `/api/queues/${V}/${q}/get`, { ackmode: 'ack_requeue_false', encoding: 'auto' }));
      const got = await call(url, 'POST', `/api/queues/${V}/${q}/get`, {
        count: '1',
        ackmode: 'ack_requeue_false',
        encoding: 'auto',
        queue: q,
        vhost: '/',
      });
      r.push({ status: got.status, payloads: got.body.map((m: Row) => m.payload) });
      r.push(
        (
          await fetch(`${mgmtFor(url)}/api/queues/${V}/${q}`, {
            method: 'DELETE',
            headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
          })
        ).status,
      );
      return r;
    });
  }, 60_000);
});
