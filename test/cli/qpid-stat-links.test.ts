/**
 * `qpid-stat -l` on federation links (docs/federation.md "Dynamic routes and loops"): a real ring of
 * three bundled brokers with dynamic routes, where a message that comes round is dropped and counted
 * `looped`, shown in the table and in --json with each link's mirrored bindings (`dynBind`,
 * `dynamicBindings`). RabbitMQ's shovel status has neither: those cells are empty, null in JSON.
 */
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { afterAll, describe, expect, test } from 'vitest';
import { renderTable } from '../../src/cli/common/table.js';
import { linkTable } from '../../src/cli/stat/links.js';
import { print } from '../../src/cli/stat/render.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { dynamicRoute, linkOf, until } from '../helpers/dynamic-routes.js';
import { run } from './admin-helpers.js';

const brokers: TestBroker[] = [];
const conns: ChannelModel[] = [];
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => undefined);
  for (const b of brokers) await b.stop().catch(() => undefined);
});

async function bundled(federationId: string): Promise<TestBroker> {
  const b = await startTestBroker({ mgmtPort: 0, federationId });
  brokers.push(b);
  return b;
}

async function channel(b: TestBroker): Promise<ConfirmChannel> {
  const c = await amqp.connect(b.url);
  conns.push(c);
  return c.createConfirmChannel();
}

/** The cells of a Qpid table's rows by column head (columns are left-aligned at the head's offset). */
function tableRows(text: string): Record<string, string>[] {
  const lines = text.split('\n');
  const ruler = lines.findIndex((l) => /^\s*=+$/.test(l));
  const header = lines[ruler - 1] as string;
  const heads = [...header.matchAll(/\S+/g)].map((m) => ({ head: m[0], at: m.index }));
  return lines
    .slice(ruler + 1)
    .filter((l) => l.trim() !== '')
    .map((line) =>
      Object.fromEntries(heads.map((h, i) => [h.head, line.slice(h.at, heads[i + 1]?.at ?? line.length).trim()])),
    );
}

describe('qpid-stat -l on a ring of three bundled brokers', () => {
  test('the link a message comes back on shows it as looped, with its dynamic bindings', async () => {
    const [a, b, c] = [await bundled('A'), await bundled('B'), await bundled('C')] as [
      TestBroker,
      TestBroker,
      TestBroker,
    ];
    const chans = new Map<TestBroker, ConfirmChannel>();
    for (const x of [a, b, c]) {
      const ch = await channel(x);
      await ch.assertQueue('local');
      await ch.bindQueue('local', 'amq.topic', 'r.*');
      chans.set(x, ch);
    }
    // A → B → C → A: each broker pulls from the previous one.
    const ab = linkOf(b, await dynamicRoute(b, a, 'amq.topic', 'to-B'));
    const bc = linkOf(c, await dynamicRoute(c, b, 'amq.topic', 'to-C'));
    const ca = linkOf(a, await dynamicRoute(a, c, 'amq.topic', 'to-A'));
    await until(() => [ab, bc, ca].every((l) => l.state === 'running' && l.dynamic?.size === 1), 'the ring');

    const fromA = chans.get(a) as ConfirmChannel;
    fromA.publish('amq.topic', 'r.1', Buffer.from('from-A'));
    await fromA.waitForConfirms();
    // A's message reaches B and C, then comes back to A over C → A, which drops it.
    await until(() => ca.counters.looped === 1 && bc.counters.forwarded === 1, 'the message to come round');

    const stat = (x: TestBroker, ...more: string[]) =>
      run('qpid-stat', ['-l', '--mgmt-url', x.broker.mgmtUrl as string, ...more]);
    const onA = await stat(a);
    expect(onA).toMatchObject({ code: 0, stderr: '' });
    expect(onA.stdout).toMatch(/^Federation Links\n/);
    expect(tableRows(onA.stdout)).toEqual([
      expect.objectContaining({ link: 'dyn to-A', state: 'running', looped: '1', dynBind: '1', reconnects: '0' }),
    ]);
    const onB = tableRows((await stat(b)).stdout);
    expect(onB).toEqual([expect.objectContaining({ link: 'dyn to-B', msgOut: '1', looped: '0', dynBind: '1' })]);

    const json = await stat(a, '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ link: 'dyn to-A', state: 'running', looped: 1, reconnects: 0, dynamicBindings: 1 }),
    ]);
  });
});

describe('qpid-stat -l on RabbitMQ shovel status', () => {
  // RabbitMQ 3.10's rabbitmq_shovel_management: state and endpoints, no counters.
  const rabbitmq = {
    node: 'rabbit@host',
    timestamp: '2026-01-01 00:00:00',
    name: 'qpid-route route 127.0.0.1:5673 amq.topic k',
    vhost: '/',
    type: 'dynamic',
    state: 'running',
    src_uri: 'amqp://127.0.0.1:5673',
    src_protocol: 'amqp091',
    src_queue: 'qpid-route.127.0.0.1:5672.amq.topic.k',
    dest_protocol: 'amqp091',
    dest_uri: 'amqp://',
    dest_exchange: 'amq.topic',
  };

  test('the counters it does not report, looped and dynBind among them, are empty cells', () => {
    const t = linkTable([rabbitmq]);
    const [row] = tableRows(renderTable(t.title, t.columns, t.rows));
    expect(row).toEqual({
      link: rabbitmq.name,
      source: rabbitmq.src_uri,
      state: 'running',
      msgIn: '',
      msgOut: '',
      acked: '',
      looped: '',
      reconnects: '',
      dynBind: '',
      lastError: '',
    });
  });

  test('--json gives them as null, keyed looped and dynamicBindings', () => {
    let out = '';
    const io = { stdout: (s: string) => void (out += s), stderr: () => undefined, isTTY: false, env: {} };
    const show = { sortBy: undefined, increasing: false, limit: undefined, json: true, watch: undefined };
    print(io, [linkTable([rabbitmq])], show, 'qpid-stat -l --json', Date.now());
    expect(JSON.parse(out)).toEqual([
      {
        link: rabbitmq.name,
        source: rabbitmq.src_uri,
        state: 'running',
        messagesIn: null,
        messagesOut: null,
        acked: null,
        looped: null,
        reconnects: null,
        dynamicBindings: null,
        lastError: '',
      },
    ]);
  });
});
