/** GET /api/overview and /api/nodes[/{node}]: the broker as RabbitMQ 3.10's single-node cluster. */
import { PRODUCT, VERSION } from '../../version.js';
import { RABBITMQ_COMPAT_VERSION } from './compat.js';
import { notFoundError, ok, type Reply } from './http-error.js';
import { depthJson, type Json, NODE_NAME, totalDepth, withDetails } from './json.js';
import { nodeJson } from './node-json.js';
import type { RequestContext, Route } from './route-types.js';

const EXCHANGE_TYPES = ['direct', 'fanout', 'headers', 'topic'];

function overview(ctx: RequestContext): Reply {
  const b = ctx.broker;
  let exchanges = 0;
  let consumers = 0;
  const queues = [...b.vhosts.values()].flatMap((v) => [...v.queues.values()]);
  for (const v of b.vhosts.values()) exchanges += v.exchanges.size;
  for (const q of queues) consumers += q.consumerCount;
  let channels = 0;
  for (const c of b.connections) channels += c.channels.size;
  const rates = ctx.sampler.rates(b);
  const listeners: Json[] = [
    { node: NODE_NAME, protocol: 'amqp', ip_address: b.host, port: b.port },
    { node: NODE_NAME, protocol: 'http', ip_address: b.host, port: ctx.mgmtPort },
  ];
  return ok({
    management_version: VERSION,
    rates_mode: 'basic',
    exchange_types: EXCHANGE_TYPES.map((name) => ({
      name,
      description: `AMQP ${name} exchange, as per the AMQP specification`,
      enabled: true,
    })),
    product_version: VERSION,
    product_name: PRODUCT,
    rabbitmq_version: RABBITMQ_COMPAT_VERSION,
    cluster_name: `qpidd@${b.host}`,
    node: NODE_NAME,
    disable_stats: false,
    message_stats: withDetails(ctx.sampler.totals(), rates),
    queue_totals: depthJson(totalDepth(queues), rates),
    object_totals: { channels, connections: b.connections.size, consumers, exchanges, queues: queues.length },
    statistics_db_event_queue: 0,
    listeners,
  });
}

function getNode(ctx: RequestContext): Reply {
  if (ctx.params['node'] !== NODE_NAME) throw notFoundError();
  return ok(nodeJson(ctx.broker));
}

export const OVERVIEW_ROUTES: Route[] = [
  { segments: ['overview'], methods: { GET: overview } },
  { segments: ['nodes'], methods: { GET: (ctx) => ok([nodeJson(ctx.broker)]) } },
  { segments: ['nodes', ':node'], methods: { GET: getNode } },
];
