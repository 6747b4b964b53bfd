/**
 * /api/queues (rabbit_mgmt_wm_queue(s), _queue_purge, _queue_get): listing,
 * declaring, deleting and purging queues, and reading messages from one.
 * Every change goes through the caller's permissions, as on an AMQP channel.
 */
import { authorizeQueueDeclare } from '../auth/topology-checks.js';
import type { Queue } from '../queue.js';
import type { QueueEntry } from '../queue-entry.js';
import { badRequest, brokerOp, noContent, ok, type Reply } from './http-error.js';
import { type Json, type JsonObject, propertiesToJson, queueJson } from './json.js';
import {
  argumentsField,
  boolField,
  byVhostAndName,
  guardFor,
  MGMT_OWNER,
  queryFlag,
  queueParam,
  requireKeys,
  vhostParam,
  vhostsParam,
} from './request-params.js';
import type { RequestContext, Route } from './route-types.js';

/** What POST …/get asks for (rabbit_mgmt_wm_queue_get). */
interface GetOptions {
  count: number;
  ackmode: 'ack_requeue_true' | 'ack_requeue_false' | 'reject_requeue_true';
  encoding: 'auto' | 'base64';
  truncate: number | undefined;
}

function listQueues(ctx: RequestContext): Reply {
  const out: Queue[] = [];
  for (const v of vhostsParam(ctx)) out.push(...v.queues.values());
  out.sort(byVhostAndName);
  return ok(out.map((q) => queueJson(q, ctx.sampler.rates(q), false)));
}

function getQueue(ctx: RequestContext): Reply {
  const q = queueParam(vhostParam(ctx), ctx.params['name'] as string);
  return ok(queueJson(q, ctx.sampler.rates(q), true));
}

function putQueue(ctx: RequestContext): Reply {
  const body = ctx.body();
  const v = vhostParam(ctx, true);
  const name = ctx.params['name'] as string;
  const durable = boolField(body, 'durable', false);
  const autoDelete = boolField(body, 'auto_delete', false);
  const args = argumentsField(body);
  const existed = v.queues.has(name);
  brokerOp(() => {
    const d = { name, passive: false, durable, exclusive: false, autoDelete, args };
    v.declareQueue(authorizeQueueDeclare(guardFor(ctx, v), ctx.broker.access, v, d), MGMT_OWNER);
  });
  return { status: existed ? 204 : 201 };
}

function deleteQueue(ctx: RequestContext): Reply {
  const v = vhostParam(ctx);
  const q = queueParam(v, ctx.params['name'] as string);
  brokerOp(() => guardFor(ctx, v).configure('queue', q.name));
  brokerOp(() => v.deleteQueue(q.name, queryFlag(ctx, 'if-unused'), queryFlag(ctx, 'if-empty'), q.exclusiveOwner));
  return noContent;
}

function purgeQueue(ctx: RequestContext): Reply {
  const v = vhostParam(ctx);
  const q = queueParam(v, ctx.params['name'] as string);
  brokerOp(() => guardFor(ctx, v).read('queue', q.name));
  q.purge();
  return noContent;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(b: Buffer): boolean {
  try {
    UTF8.decode(b);
    return true;
  } catch {
    return false;
  }
}

/** rabbitmqadmin sends numbers as strings (`"count": "1"`); RabbitMQ parses integers from strings too. */
function integerish(v: Json | undefined): Json | undefined {
  return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
}

function getOptions(body: JsonObject): GetOptions {
  requireKeys(body, ['count', 'ackmode', 'encoding']);
  const count = integerish(body['count']);
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) throw badRequest('count must be an integer');
  const ackmode = body['ackmode'];
  if (ackmode !== 'ack_requeue_true' && ackmode !== 'ack_requeue_false' && ackmode !== 'reject_requeue_true') {
    throw badRequest(`unsupported ackmode '${String(ackmode)}'`);
  }
  const encoding = body['encoding'];
  if (encoding !== 'auto' && encoding !== 'base64')
    throw badRequest('Unsupported encoding. Please use auto or base64.');
  const truncate = integerish(body['truncate']);
  if (truncate !== undefined && truncate !== null && (typeof truncate !== 'number' || truncate < 0)) {
    throw badRequest('truncate must be a non-negative integer');
  }
  return { count, ackmode, encoding, truncate: typeof truncate === 'number' ? truncate : undefined };
}

function messageJson(q: Queue, entry: QueueEntry, opts: GetOptions): Json {
  const m = entry.message;
  const full = m.loadBody();
  const payload = opts.truncate !== undefined ? full.subarray(0, opts.truncate) : full;
  const asString = opts.encoding === 'auto' && isUtf8(payload);
  return {
    payload_bytes: m.bodySize,
    redelivered: entry.redelivered,
    exchange: m.exchange,
    routing_key: m.routingKey,
    message_count: q.messageCount,
    properties: propertiesToJson(m.properties),
    payload: asString ? payload.toString('utf8') : payload.toString('base64'),
    payload_encoding: asString ? 'string' : 'base64',
  };
}

function getMessages(ctx: RequestContext): Reply {
  const body = ctx.body();
  const v = vhostParam(ctx);
  const q = queueParam(v, ctx.params['name'] as string);
  const opts = getOptions(body);
  // Exclusive queues of other connections are refused, as basic.get on them is.
  brokerOp(() => {
    guardFor(ctx, v).read('queue', q.name);
    v.queue(q.name, undefined);
  });
  const noAck = opts.ackmode === 'ack_requeue_false';
  const taken: QueueEntry[] = [];
  const out: Json[] = [];
  try {
    for (let i = 0; i < opts.count; i++) {
      const entry = q.get(noAck);
      if (entry === undefined) break;
      if (!noAck) taken.push(entry);
      out.push(messageJson(q, entry, opts));
    }
  } finally {
    // ack_requeue_true and reject_requeue_true put every message back once all were read.
    for (const e of taken) q.requeue(e, false);
    if (taken.length > 0) q.dispatch();
  }
  return ok(out);
}

export const QUEUE_ROUTES: Route[] = [
  { segments: ['queues'], methods: { GET: listQueues } },
  { segments: ['queues', ':vhost'], methods: { GET: listQueues } },
  { segments: ['queues', ':vhost', ':name'], methods: { GET: getQueue, PUT: putQueue, DELETE: deleteQueue } },
  { segments: ['queues', ':vhost', ':name', 'contents'], methods: { DELETE: purgeQueue } },
  { segments: ['queues', ':vhost', ':name', 'get'], methods: { POST: getMessages } },
];
