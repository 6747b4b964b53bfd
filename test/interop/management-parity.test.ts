// The bundled broker's management API against RabbitMQ 3.10's: the same
// scripted traffic on both, then the same field names and types for every
// endpoint, and equal values where they are deterministic (counts, flags,
// error statuses and bodies). RabbitMQ refreshes its statistics every 5 s,
// so its side is polled (bounded) until the counts settle.
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { runParity } from '../helpers/parity.js';
import { rabbitmqMgmtUrl, rabbitmqUrl } from '../helpers/rabbitmq.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies from the API under test
type Api = any;

let tb: TestBroker;

beforeAll(async () => {
  tb = await startTestBroker({ mgmtPort: 0 });
});
afterAll(async () => {
  await tb?.stop();
});

/** The management URL and credentials that go with an AMQP URL given to a scenario. */
function mgmtFor(url: string): { base: string; auth: string } {
  const u = new URL(url);
  const auth = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  if (url === rabbitmqUrl) return { base: rabbitmqMgmtUrl as string, auth };
  return { base: tb.broker.mgmtUrl as string, auth };
}

interface Res {
  status: number;
  json: Api;
}

function client(url: string) {
  const { base, auth } = mgmtFor(url);
  return async (method: string, path: string, body?: unknown, authHeader: string = auth): Promise<Res> => {
    const headers: Record<string, string> = { authorization: authHeader };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  };
}

/** Polls until `ok` holds: at most 40 tries, 500 ms apart (RabbitMQ's stats lag up to 5 s). */
async function settle<T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let v = await fn();
  for (let i = 0; i < 40 && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 500));
    v = await fn();
  }
  return v;
}

function typeOf(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** `{key: type}` for the contract keys of an object. */
function shape(o: Api, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, typeOf(o?.[k])]));
}

/** properties_key hashes differ by design (RabbitMQ: erlang:phash2); keep only whether there is one. */
function normBinding(b: Api) {
  return { ...b, properties_key: String(b.properties_key).replace(/~.+$/, '~H') };
}

const byKey = (a: Api, b: Api) =>
  JSON.stringify([a.source, a.routing_key, a.arguments]).localeCompare(
    JSON.stringify([b.source, b.routing_key, b.arguments]),
  );

const QUEUE_KEYS = [
  'name',
  'vhost',
  'durable',
  'auto_delete',
  'exclusive',
  'arguments',
  'messages',
  'messages_ready',
  'messages_unacknowledged',
  'messages_details',
  'consumers',
  'memory',
  'state',
  'message_bytes',
  'message_stats',
  'node',
  'type',
  'consumer_details',
  'policy',
  'exclusive_consumer_tag',
  'single_active_consumer_tag',
  'head_message_timestamp',
];
const EXCHANGE_KEYS = ['name', 'vhost', 'type', 'durable', 'auto_delete', 'internal', 'arguments', 'message_stats'];
const CONNECTION_KEYS = [
  'name',
  'user',
  'vhost',
  'host',
  'port',
  'peer_host',
  'peer_port',
  'channels',
  'state',
  'recv_oct',
  'send_oct',
  'recv_cnt',
  'send_cnt',
  'connected_at',
  'client_properties',
  'protocol',
  'frame_max',
  'channel_max',
  'timeout',
  'node',
  'auth_mechanism',
  'ssl',
  'type',
];
const CHANNEL_KEYS = [
  'name',
  'connection_details',
  'number',
  'consumer_count',
  'messages_unacknowledged',
  'prefetch_count',
  'global_prefetch_count',
  'confirm',
  'transactional',
  'user',
  'vhost',
  'node',
  'state',
];
const CONSUMER_KEYS = [
  'consumer_tag',
  'queue',
  'channel_details',
  'ack_required',
  'exclusive',
  'prefetch_count',
  'arguments',
  'active',
  'activity_status',
];
const OVERVIEW_KEYS = [
  'management_version',
  'product_name',
  'product_version',
  'rabbitmq_version',
  'cluster_name',
  'node',
  'object_totals',
  'queue_totals',
  'message_stats',
  'listeners',
  'exchange_types',
  'rates_mode',
];

describe('management API parity', () => {
  test('queues, exchanges, bindings and message_stats after scripted traffic', async () => {
    const { bundled, rabbitmq } = await runParity(
      async (url, ctx) => {
        const api = client(url);
        const q = ctx.name('mgmtpar-q');
        const x = ctx.name('mgmtpar-x');
        const out: Record<string, unknown> = {};
        out['putX'] = (await api('PUT', `/api/exchanges/%2F/${x}`, { type: 'topic', durable: false })).status;
        out['putQ'] = (
          await api('PUT', `/api/queues/%2F/${q}`, { durable: false, arguments: { 'x-max-length': 100 } })
        ).status;
        out['bind1'] = (await api('POST', `/api/bindings/%2F/e/${x}/q/${q}`, { routing_key: 'a.#' })).status;
        out['bind2'] = (
          await api('POST', `/api/bindings/%2F/e/${x}/q/${q}`, { routing_key: 'b', arguments: { z: 1 } })
        ).status;
        // The publishing connection stays open until its statistics have shown up: RabbitMQ emits a
        // channel's statistics periodically, and a channel closed in between may never report them.
        const conn = await amqp.connect(url);
        const ch = await conn.createConfirmChannel();
        for (let i = 0; i < 3; i++) ch.publish(x, 'a.b', Buffer.from(`m${i}`));
        ch.publish(x, 'nowhere', Buffer.from('lost'));
        await ch.waitForConfirms();
        const m = await ch.get(q);
        if (m) ch.ack(m);
        out['got'] = (
          await api('POST', `/api/queues/%2F/${q}/get`, { count: 1, ackmode: 'ack_requeue_false', encoding: 'auto' })
        ).json;
        out['pubRouted'] = (
          await api('POST', `/api/exchanges/%2F/${x}/publish`, {
            properties: { delivery_mode: 2, headers: { h: 'v' } },
            routing_key: 'a.z',
            payload: 'via-api',
            payload_encoding: 'string',
          })
        ).json;
        out['pubUnrouted'] = (
          await api('POST', `/api/exchanges/%2F/${x}/publish`, {
            properties: {},
            routing_key: 'zz',
            payload: 'x',
            payload_encoding: 'string',
          })
        ).json;
        out['peek'] = (
          await api('POST', `/api/queues/%2F/${q}/get`, { count: 5, ackmode: 'ack_requeue_true', encoding: 'auto' })
        ).json;
        const queue = (
          await settle(
            () => api('GET', `/api/queues/%2F/${q}`),
            (r) => r.json?.message_stats?.publish === 4 && r.json?.messages === 2 && r.json?.message_stats?.get === 3,
          )
        ).json;
        out['queueShape'] = shape(queue, QUEUE_KEYS);
        out['queueValues'] = {
          name: queue.name,
          durable: queue.durable,
          arguments: queue.arguments,
          messages: queue.messages,
          messages_ready: queue.messages_ready,
          messages_unacknowledged: queue.messages_unacknowledged,
          consumers: queue.consumers,
          state: queue.state,
          type: queue.type,
          consumer_details: queue.consumer_details,
        };
        out['queueStatsKeys'] = Object.keys(queue.message_stats).sort();
        const { ack, get, get_no_ack, publish, deliver, deliver_no_ack, deliver_get, redeliver } = queue.message_stats;
        out['queueStats'] = { ack, get, get_no_ack, publish, deliver, deliver_no_ack, deliver_get, redeliver };
        const exchange = (
          await settle(
            () => api('GET', `/api/exchanges/%2F/${x}`),
            (r) => r.json?.message_stats?.publish_in === 6,
          )
        ).json;
        await conn.close();
        out['exchangeShape'] = shape(exchange, EXCHANGE_KEYS);
        out['exchangeStatsKeys'] = Object.keys(exchange.message_stats).sort();
        out['exchangeValues'] = {
          type: exchange.type,
          durable: exchange.durable,
          publish_in: exchange.message_stats.publish_in,
          publish_out: exchange.message_stats.publish_out,
        };
        const inList = (await api('GET', '/api/exchanges/%2F')).json.find((e: Api) => e.name === x);
        out['exchangeListShape'] = shape(inList, EXCHANGE_KEYS);
        const listed = (await api('GET', '/api/queues/%2F')).json.find((e: Api) => e.name === q);
        out['queueListShape'] = shape(
          listed,
          QUEUE_KEYS.filter((k) => k !== 'consumer_details'),
        );
        out['queueBindings'] = (await api('GET', `/api/queues/%2F/${q}/bindings`)).json.map(normBinding).sort(byKey);
        out['sourceBindings'] = (await api('GET', `/api/exchanges/%2F/${x}/bindings/source`)).json
          .map(normBinding)
          .sort(byKey);
        out['vhostBindings'] = (await api('GET', '/api/bindings/%2F')).json
          .filter((b: Api) => b.destination === q)
          .map(normBinding)
          .sort(byKey);
        const withArgs = (await api('GET', `/api/bindings/%2F/e/${x}/q/${q}`)).json.find(
          (b: Api) => b.routing_key === 'b',
        );
        out['unbindArgs'] = (
          await api('DELETE', `/api/bindings/%2F/e/${x}/q/${q}/${encodeURIComponent(withArgs.properties_key)}`)
        ).status;
        out['unbindPlain'] = (
          await api('DELETE', `/api/bindings/%2F/e/${x}/q/${q}/${encodeURIComponent('a.%23')}`)
        ).status;
        out['unbindAgain'] = (
          await api('DELETE', `/api/bindings/%2F/e/${x}/q/${q}/${encodeURIComponent('a.%23')}`)
        ).status;
        out['purge'] = (await api('DELETE', `/api/queues/%2F/${q}/contents`)).status;
        out['delQ'] = (await api('DELETE', `/api/queues/%2F/${q}?if-empty=true`)).status;
        out['delX'] = (await api('DELETE', `/api/exchanges/%2F/${x}?if-unused=true`)).status;
        return out;
      },
      { bundledUrl: tb.url, runTimeoutMs: 40_000 },
    );
    expect(bundled['queueStats']).toEqual({
      ack: 1,
      get: 3,
      get_no_ack: 1,
      publish: 4,
      deliver: 0,
      deliver_no_ack: 0,
      deliver_get: 4,
      redeliver: 0,
    });
    if (rabbitmq.ran) expect(bundled).toEqual(rabbitmq.result);
  }, 90_000);

  test('connections, channels and consumers', async () => {
    const { bundled, rabbitmq } = await runParity(
      async (url, ctx) => {
        const api = client(url);
        const tag = ctx.name('mgmtpar-tag');
        const conn = await amqp.connect(url, { clientProperties: { connection_name: tag } });
        try {
          const ch = await conn.createConfirmChannel();
          await ch.prefetch(5);
          const q = await ch.assertQueue('', { exclusive: true });
          await ch.consume(q.queue, () => {}, { consumerTag: tag, arguments: { 'x-priority': 3 } });
          const consumers = await settle(
            () => api('GET', '/api/consumers'),
            (r) => r.json.some((c: Api) => c.consumer_tag === tag),
          );
          const consumer = consumers.json.find((c: Api) => c.consumer_tag === tag);
          const channels = await settle(
            () => api('GET', '/api/channels'),
            (r) => r.json.some((c: Api) => c.name === consumer.channel_details.name && c.consumer_count === 1),
          );
          const channel = channels.json.find((c: Api) => c.name === consumer.channel_details.name);
          const connections = await settle(
            () => api('GET', '/api/connections'),
            (r) =>
              r.json.some(
                (c: Api) =>
                  c.name === channel.connection_details.name && typeof c.recv_oct === 'number' && c.channels === 1,
              ),
          );
          const connection = connections.json.find((c: Api) => c.name === channel.connection_details.name);
          return {
            consumerShape: shape(consumer, CONSUMER_KEYS),
            consumerDetailsShape: shape(consumer.channel_details, Object.keys(consumer.channel_details).sort()),
            consumerValues: {
              ack_required: consumer.ack_required,
              exclusive: consumer.exclusive,
              prefetch_count: consumer.prefetch_count,
              arguments: consumer.arguments,
              active: consumer.active,
              activity_status: consumer.activity_status,
              queueMatches: consumer.queue.name === q.queue && consumer.queue.vhost === '/',
              number: consumer.channel_details.number,
            },
            channelShape: shape(channel, CHANNEL_KEYS),
            channelConnectionDetails: Object.keys(channel.connection_details).sort(),
            channelValues: {
              number: channel.number,
              consumer_count: channel.consumer_count,
              prefetch_count: channel.prefetch_count,
              global_prefetch_count: channel.global_prefetch_count,
              confirm: channel.confirm,
              transactional: channel.transactional,
              messages_unacknowledged: channel.messages_unacknowledged,
              user: channel.user,
              vhost: channel.vhost,
              state: channel.state,
              nameFormat: channel.name === `${connection.name} (1)`,
            },
            connectionShape: shape(connection, CONNECTION_KEYS),
            connectionValues: {
              user: connection.user,
              vhost: connection.vhost,
              channels: connection.channels,
              state: connection.state,
              protocol: connection.protocol,
              frame_max: connection.frame_max,
              channel_max: connection.channel_max,
              timeout: connection.timeout,
              peer_host: connection.peer_host,
              connection_name: connection.client_properties.connection_name,
              nameFormat:
                connection.name ===
                `${connection.peer_host}:${connection.peer_port} -> ${connection.host}:${connection.port}`,
            },
          };
        } finally {
          await conn.close();
        }
      },
      { bundledUrl: tb.url, runTimeoutMs: 40_000 },
    );
    expect(bundled.consumerValues.prefetch_count).toBe(5);
    if (rabbitmq.ran) expect(bundled).toEqual(rabbitmq.result);
  }, 90_000);

  test('overview, vhosts, whoami shapes', async () => {
    const { bundled, rabbitmq } = await runParity(
      async (url) => {
        const api = client(url);
        const ov = (await api('GET', '/api/overview')).json;
        const vh = (await api('GET', '/api/vhosts')).json.find((v: Api) => v.name === '/');
        return {
          overview: shape(ov, OVERVIEW_KEYS),
          objectTotals: Object.keys(ov.object_totals).sort(),
          queueTotals: Object.keys(ov.queue_totals).sort(),
          messageStats: shape(ov.message_stats, ['publish', 'deliver_get', 'ack', 'publish_details']),
          listener: shape(
            ov.listeners.find((l: Api) => l.protocol === 'amqp'),
            ['node', 'protocol', 'ip_address', 'port'],
          ),
          exchangeTypes: ov.exchange_types.map((t: Api) => t.name).sort(),
          vhost: shape(vh, [
            'name',
            'description',
            'tags',
            'tracing',
            'messages',
            'messages_ready',
            'messages_unacknowledged',
            'recv_oct',
            'send_oct',
            'metadata',
            'cluster_state',
          ]),
          whoami: (await api('GET', '/api/whoami')).json,
        };
      },
      { bundledUrl: tb.url },
    );
    expect(bundled.whoami).toEqual({ name: 'guest', tags: ['administrator'] });
    if (rabbitmq.ran) expect(bundled).toEqual(rabbitmq.result);
  }, 60_000);

  test('publish through the API honours CC and BCC like a channel publish, and strips BCC', async () => {
    const { bundled, rabbitmq } = await runParity(
      async (url, ctx) => {
        const api = client(url);
        const [a, b, c] = ['a', 'b', 'c'].map((k) => ctx.name(`mgmtpar-cc-${k}`)) as [string, string, string];
        for (const q of [a, b, c]) await api('PUT', `/api/queues/%2F/${q}`, { durable: false });
        const published = await api('POST', '/api/exchanges/%2F/amq.default/publish', {
          properties: { headers: { CC: [b], BCC: [c], keep: 'k' } },
          routing_key: a,
          payload: 'sel',
          payload_encoding: 'string',
        });
        const got: Record<string, unknown> = {};
        for (const q of [a, b, c]) {
          const r = await api('POST', `/api/queues/%2F/${q}/get`, {
            count: 5,
            ackmode: 'ack_requeue_false',
            encoding: 'auto',
          });
          got[q.slice(0, q.indexOf('-', 'mgmtpar-cc-'.length))] = (r.json as Api[]).map((m) => ({
            payload: m.payload,
            routing_key: m.routing_key,
            headers: m.properties.headers,
          }));
        }
        for (const q of [a, b, c]) await api('DELETE', `/api/queues/%2F/${q}`);
        return { published: published.json, got };
      },
      { bundledUrl: tb.url },
    );
    expect(Object.values(bundled.got).every((msgs) => (msgs as unknown[]).length === 1)).toBe(true);
    if (rabbitmq.ran) expect(bundled).toEqual(rabbitmq.result);
  }, 60_000);

  test('error statuses and bodies', async () => {
    const { bundled, rabbitmq } = await runParity(
      async (url, ctx) => {
        const api = client(url);
        const q = ctx.name('mgmtpar-eq');
        const x = ctx.name('mgmtpar-ex');
        const out: Record<string, Res> = {};
        out['badLogin'] = await api(
          'GET',
          '/api/overview',
          undefined,
          `Basic ${Buffer.from('guest:wrong').toString('base64')}`,
        );
        out['unknownPath'] = await api('GET', '/api/nothing-here');
        out['missingQueue'] = await api('GET', `/api/queues/%2F/${q}`);
        out['missingVhost'] = await api('GET', '/api/queues/no-such-vhost');
        out['putMissingVhost'] = await api('PUT', `/api/queues/no-such-vhost/${q}`, {});
        out['created'] = await api('PUT', `/api/queues/%2F/${q}`, { durable: true });
        out['redeclared'] = await api('PUT', `/api/queues/%2F/${q}`, { durable: true });
        out['inequivalent'] = await api('PUT', `/api/queues/%2F/${q}`, { durable: false });
        out['notJson'] = await api('PUT', `/api/queues/%2F/${q}`, '{nope');
        out['notBoolean'] = await api('PUT', `/api/queues/%2F/${q}`, { durable: 'yes' });
        out['reserved'] = await api('PUT', '/api/queues/%2F/amq.mgmtpar', {});
        out['badType'] = await api('PUT', `/api/exchanges/%2F/${x}`, { type: 'nope' });
        out['xCreated'] = await api('PUT', `/api/exchanges/%2F/${x}`, { type: 'fanout' });
        out['xInequivalent'] = await api('PUT', `/api/exchanges/%2F/${x}`, { type: 'direct' });
        out['bindMissingQueue'] = await api('POST', `/api/bindings/%2F/e/${x}/q/${q}-nope`, {});
        out['bindMissingExchange'] = await api('POST', `/api/bindings/%2F/e/${x}-nope/q/${q}`, {});
        out['bind'] = await api('POST', `/api/bindings/%2F/e/${x}/q/${q}`, {});
        out['publishMissingKeys'] = await api('POST', `/api/exchanges/%2F/${x}/publish`, {
          properties: {},
          routing_key: '',
        });
        out['publishMissingX'] = await api('POST', `/api/exchanges/%2F/${x}-nope/publish`, {
          properties: {},
          routing_key: '',
          payload: 'p',
          payload_encoding: 'string',
        });
        out['publishInternal'] = await api('POST', '/api/exchanges/%2F/amq.rabbitmq.trace/publish', {
          properties: {},
          routing_key: '',
          payload: 'p',
          payload_encoding: 'string',
        });
        out['published'] = await api('POST', `/api/exchanges/%2F/${x}/publish`, {
          properties: {},
          routing_key: '',
          payload: 'p',
          payload_encoding: 'string',
        });
        out['getMissingKey'] = await api('POST', `/api/queues/%2F/${q}/get`, { count: 1, encoding: 'auto' });
        out['getBadEncoding'] = await api('POST', `/api/queues/%2F/${q}/get`, {
          count: 1,
          ackmode: 'ack_requeue_true',
          encoding: 'x',
        });
        out['getEmptyProps'] = await api('POST', `/api/queues/%2F/${q}/get`, {
          count: 1,
          ackmode: 'ack_requeue_true',
          encoding: 'auto',
        });
        out['xInUse'] = await api('DELETE', `/api/exchanges/%2F/${x}?if-unused=true`);
        out['notEmpty'] = await api('DELETE', `/api/queues/%2F/${q}?if-empty=true`);
        out['deleteSystem'] = await api('DELETE', '/api/exchanges/%2F/amq.direct');
        out['unbindMissing'] = await api('DELETE', `/api/bindings/%2F/e/${x}/q/${q}/nope`);
        out['methodNotAllowed'] = { status: (await api('POST', '/api/overview', {})).status, json: null };
        out['delX'] = await api('DELETE', `/api/exchanges/%2F/${x}`);
        out['delXAgain'] = await api('DELETE', `/api/exchanges/%2F/${x}`);
        out['delQ'] = await api('DELETE', `/api/queues/%2F/${q}`);
        out['delQAgain'] = await api('DELETE', `/api/queues/%2F/${q}`);
        out['purgeMissing'] = await api('DELETE', `/api/queues/%2F/${q}/contents`);
        return out;
      },
      { bundledUrl: tb.url },
    );
    expect(bundled['inequivalent']).toEqual({
      status: 400,
      json: {
        error: 'bad_request',
        reason: expect.stringMatching(
          /^inequivalent arg 'durable' for queue 'mgmtpar-eq-.*' in vhost '\/': received 'false' but current is 'true'$/,
        ),
      },
    });
    if (rabbitmq.ran) expect(bundled).toEqual(rabbitmq.result);
  }, 60_000);
});
